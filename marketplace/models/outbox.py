"""The search-index outbox: one row per technology whose indexed copy must be refreshed.

Rows are written in the same transaction as the change (see ``marketplace.searching.indexing``), so a rollback
discards them with the data, and a committed change is never forgotten even when the engine is down.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import UTCDateTime, utcnow


class IndexTask(db.Model):
    __tablename__ = "index_outbox"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    doc_type: so.Mapped[str] = so.mapped_column(sa.String(32), default="technology")
    doc_id: so.Mapped[int] = so.mapped_column(index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<IndexTask {self.doc_type}:{self.doc_id}>"
