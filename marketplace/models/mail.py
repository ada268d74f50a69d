"""The outgoing-mail outbox: mail is queued in the request's transaction and sent after commit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import UTCDateTime, utcnow


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime(), index=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # Set by the sender that took the message, so that two workers never send it twice.
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<OutgoingMail to={self.recipient} sent={self.sent_at is not None}>"
