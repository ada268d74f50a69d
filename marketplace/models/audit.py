"""Append-only audit events, chained by hash so that a later edit is detectable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import UTCDateTime, utcnow
from marketplace.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    object_id: so.Mapped[int | None] = so.mapped_column()
    from_state: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    to_state: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    data: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    prev_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)

    actor: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"
