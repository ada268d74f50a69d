"""Transfer-ready technologies listed by the Academy's researchers or imported from its official list."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import ContactMixin, TimestampMixin, UTCDateTime, str_enum
from marketplace.models.organization import Organization
from marketplace.models.sector import Sector, technology_sectors
from marketplace.models.user import User
from matching.text import folded_text


class TechnologyStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class TransferMode(StrEnum):
    LICENSE = "license"
    TURNKEY = "turnkey"
    CONSULTING = "consulting"
    JOINT_VENTURE = "joint_venture"
    TRAINING = "training"


class Technology(ContactMixin, TimestampMixin, db.Model):
    __tablename__ = "technology"
    __table_args__ = (sa.CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),)
    __searchable__ = ("title", "title_en", "keywords", "summary", "description", "description_en")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(200))
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    title_en: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    description_en: so.Mapped[str | None] = so.mapped_column(sa.Text)
    keywords: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    trl: so.Mapped[int] = so.mapped_column()
    transfer_modes: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    price_min: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    price_max: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    price_negotiable: so.Mapped[bool] = so.mapped_column(default=False)
    ip_status: so.Mapped[str | None] = so.mapped_column(sa.Text)
    applications: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Visible only to staff and to the parties of an approved match.
    confidential_details: so.Mapped[str | None] = so.mapped_column(sa.Text)
    confidential_price_terms: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[TechnologyStatus] = so.mapped_column(
        str_enum(TechnologyStatus, 16), default=TechnologyStatus.DRAFT, index=True
    )
    rejection_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # When the owner was last reminded to re-confirm the listing (one reminder per confirmation period).
    confirm_reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    institute_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organization.id"), index=True)
    owner_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    version_id: so.Mapped[int] = so.mapped_column(default=1)
    # Title, English title, keywords and summary, normalised and folded (see `_keep_folded_text`): what the catalogue
    # searches while the search engine is unavailable, so that "cang bien" still finds "cảng biển".
    folded_text: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    institute: so.Mapped[Organization] = so.relationship()
    owner: so.Mapped[User | None] = so.relationship()
    sectors: so.Mapped[list[Sector]] = so.relationship(secondary=technology_sectors, order_by=Sector.position)
    revisions: so.WriteOnlyMapped[TechnologyRevision] = so.relationship(  # noqa: F821
        back_populates="technology", cascade="all, delete-orphan", passive_deletes=True
    )
    attachments: so.Mapped[list[TechnologyAttachment]] = so.relationship(  # noqa: F821
        back_populates="technology", cascade="all, delete-orphan", passive_deletes=True,
        order_by="TechnologyAttachment.id",
    )

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Technology {self.code}>"

    @property
    def is_priority(self) -> bool:
        return any(sector.is_priority for sector in self.sectors)


@sa.event.listens_for(Technology, "before_insert")
@sa.event.listens_for(Technology, "before_update")
def _keep_folded_text(_mapper: so.Mapper, _connection: sa.Connection, technology: Technology) -> None:
    technology.folded_text = folded_text(technology.title, technology.title_en, " ".join(technology.keywords or []),
                                         technology.summary)
