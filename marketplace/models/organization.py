"""Organizations: the Academy's institutes, firms, and the Department."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, str_enum


class OrganizationKind(StrEnum):
    INSTITUTE = "institute"
    FIRM = "firm"
    DEPARTMENT = "department"


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organization"
    __table_args__ = (sa.UniqueConstraint("kind", "name", name="uq_organization_kind_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[OrganizationKind] = so.mapped_column(str_enum(OrganizationKind, 16), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(300))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    short_name: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    tax_code: so.Mapped[str | None] = so.mapped_column(sa.String(14), unique=True)
    address: so.Mapped[str | None] = so.mapped_column(sa.String(400))
    website: so.Mapped[str | None] = so.mapped_column(sa.String(300))

    members: so.WriteOnlyMapped[User] = so.relationship(  # noqa: F821
        back_populates="organization", foreign_keys="User.organization_id")

    def __repr__(self) -> str:
        return f"<Organization {self.kind} {self.name!r}>"

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name
