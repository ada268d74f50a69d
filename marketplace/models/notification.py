"""In-app notifications and firms' subscriptions to new technologies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime, utcnow
from marketplace.models.sector import Sector
from marketplace.models.user import User

subscription_sectors = sa.Table(
    "subscription_sector",
    db.metadata,
    sa.Column("subscription_id", sa.ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)


class Notification(db.Model):
    """A message to one user. ``kind`` names a translatable text (see ``marketplace.notifications``) that is
    rendered with ``params`` in the reader's language when shown."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(64))
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    link: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User] = so.relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.kind} to {self.user_id}>"


class Subscription(TimestampMixin, db.Model):
    """What a user follows: sectors and/or keywords. New technologies that fit are notified and sent in a digest."""

    __tablename__ = "subscription"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    keywords: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # Technologies published after this moment go into the next digest.
    last_digest_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    user: so.Mapped[User] = so.relationship()
    sectors: so.Mapped[list[Sector]] = so.relationship(secondary=subscription_sectors, order_by=Sector.position)

    def __repr__(self) -> str:
        return f"<Subscription of {self.user_id}>"
