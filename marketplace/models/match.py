"""A pairing of a need with a technology, from suggestion to deal."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime, str_enum
from marketplace.models.need import Need
from marketplace.models.technology import Technology
from marketplace.models.user import User


class MatchStatus(StrEnum):
    SUGGESTED = "suggested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONTACTED = "contacted"
    MEETING_SCHEDULED = "meeting_scheduled"
    NEGOTIATING = "negotiating"
    AGREEMENT_SIGNED = "agreement_signed"
    CLOSED_NO_DEAL = "closed_no_deal"


class MatchOrigin(StrEnum):
    MATCHER = "matcher"  # suggested by the TF-IDF matcher
    FIRM = "firm"  # proposed by a firm from the catalogue
    STAFF = "staff"


class Match(TimestampMixin, db.Model):
    __tablename__ = "match"
    __table_args__ = (sa.UniqueConstraint("need_id", "technology_id", name="uq_match_need_technology"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    need_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("need.id", ondelete="CASCADE"), index=True)
    technology_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("technology.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[MatchStatus] = so.mapped_column(
        str_enum(MatchStatus, 24), default=MatchStatus.SUGGESTED, index=True
    )
    origin: so.Mapped[MatchOrigin] = so.mapped_column(str_enum(MatchOrigin, 16), default=MatchOrigin.MATCHER)
    score: so.Mapped[float | None] = so.mapped_column()
    explanation: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    proposed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    version_id: so.Mapped[int] = so.mapped_column(default=1)

    need: so.Mapped[Need] = so.relationship()
    technology: so.Mapped[Technology] = so.relationship()
    proposed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[proposed_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Match need={self.need_id} technology={self.technology_id} {self.status}>"
