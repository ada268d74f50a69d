"""Firms' technology needs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import ContactMixin, TimestampMixin, UTCDateTime, str_enum
from marketplace.models.organization import Organization
from marketplace.models.round import Round
from marketplace.models.sector import Sector, need_sectors
from marketplace.models.user import User


class NeedVisibility(StrEnum):
    ANONYMOUS = "anonymous"  # others see the need, not the firm, until staff approve an introduction
    PUBLIC = "public"
    STAFF = "staff"  # only the Department's staff


class NeedStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"


class Need(ContactMixin, TimestampMixin, db.Model):
    __tablename__ = "need"
    __searchable__ = ("title", "description", "desired_outcome")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str | None] = so.mapped_column(sa.String(40), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    desired_outcome: so.Mapped[str | None] = so.mapped_column(sa.Text)
    budget_min: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    budget_max: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    timeline: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    location: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    visibility: so.Mapped[NeedVisibility] = so.mapped_column(
        str_enum(NeedVisibility, 16), default=NeedVisibility.ANONYMOUS
    )
    status: so.Mapped[NeedStatus] = so.mapped_column(str_enum(NeedStatus, 16), default=NeedStatus.DRAFT, index=True)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    firm_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organization.id"), index=True)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    round_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposal_round.id", ondelete="SET NULL"),
                                                       index=True)
    version_id: so.Mapped[int] = so.mapped_column(default=1)

    firm: so.Mapped[Organization] = so.relationship()
    round: so.Mapped[Round | None] = so.relationship()
    author: so.Mapped[User | None] = so.relationship()
    sectors: so.Mapped[list[Sector]] = so.relationship(secondary=need_sectors, order_by=Sector.position)

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Need {self.code or self.id}>"
