"""Submissions of a technology listing for review, and the staff's decisions on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime, str_enum
from marketplace.models.technology import Technology
from marketplace.models.user import User


class RevisionStatus(StrEnum):
    DRAFT = "draft"  # an edit of a published listing, not yet submitted
    SUBMITTED = "submitted"  # waiting in the moderation queue
    RETURNED = "returned"  # sent back for changes; the owner may edit and submit again
    PUBLISHED = "published"
    REJECTED = "rejected"


#: Revisions the owner may still edit.
OPEN_REVISION_STATUSES = (RevisionStatus.DRAFT, RevisionStatus.RETURNED)


class TechnologyRevision(TimestampMixin, db.Model):
    """The content of a listing as submitted for review.

    ``data`` holds the proposed content; ``base`` the published content when it was submitted (empty for a first
    submission), so that reviewers see exactly what changed.
    """

    __tablename__ = "technology_revision"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    technology_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("technology.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[RevisionStatus] = so.mapped_column(str_enum(RevisionStatus, 16), index=True)
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    base: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime(), index=True)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    scores: so.Mapped[dict[str, int] | None] = so.mapped_column(sa.JSON)
    score_total: so.Mapped[int | None] = so.mapped_column()

    technology: so.Mapped[Technology] = so.relationship(back_populates="revisions")
    author: so.Mapped[User | None] = so.relationship(foreign_keys=[author_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<TechnologyRevision {self.id} of {self.technology_id} {self.status}>"
