"""The sector taxonomy; the city's priority sectors carry a weight used in ranking and matching."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db

technology_sectors = sa.Table(
    "technology_sector",
    db.metadata,
    sa.Column("technology_id", sa.ForeignKey("technology.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)

need_sectors = sa.Table(
    "need_sector",
    db.metadata,
    sa.Column("need_id", sa.ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)


class Sector(db.Model):
    __tablename__ = "sector"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name_vi: so.Mapped[str] = so.mapped_column(sa.String(120))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(120))
    is_priority: so.Mapped[bool] = so.mapped_column(default=False)
    priority_weight: so.Mapped[float] = so.mapped_column(default=1.0)
    position: so.Mapped[int] = so.mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Sector {self.slug}>"

    @staticmethod
    def name_field(locale: str) -> str:
        """The attribute that holds sector names in ``locale`` ("vi" or "en")."""
        return "name_en" if locale == "en" else "name_vi"

    def name(self, locale: str) -> str:
        """The sector's name in ``locale`` ("vi" or "en")."""
        return getattr(self, Sector.name_field(locale))
