"""Proposal rounds ("đợt đề xuất"): a call for needs and technology proposals with a legal reference and a deadline."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime
from marketplace.models.user import User


class Round(TimestampMixin, db.Model):
    __tablename__ = "proposal_round"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    #: The official letter or decision that opens the round, e.g. "Công văn số 1234/SKHCN-QLCN".
    legal_reference: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: The catalogue the round covers, in words (e.g. the Academy's list sent with the letter).
    scope: so.Mapped[str | None] = so.mapped_column(sa.Text)
    opens_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    deadline: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    created_by: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Round {self.name}>"
