"""Files attached to a technology listing: a PDF brochure and images."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, str_enum
from marketplace.models.technology import Technology


class AttachmentKind(StrEnum):
    BROCHURE = "brochure"  # PDF
    IMAGE = "image"  # PNG, JPEG or WebP


class TechnologyAttachment(TimestampMixin, db.Model):
    __tablename__ = "technology_attachment"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    technology_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("technology.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[AttachmentKind] = so.mapped_column(str_enum(AttachmentKind, 16))
    original_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    # A generated name under instance/uploads: never the user's file name.
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(64))
    size: so.Mapped[int] = so.mapped_column()

    technology: so.Mapped[Technology] = so.relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<TechnologyAttachment {self.stored_name}>"
