"""Column types and mixins shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC and always returned timezone-aware.

    SQLite drops time zones and PostgreSQL keeps them; this makes both behave the same.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class TimestampMixin:
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ContactMixin:
    """The person to contact about a listing or a need (may differ from the account that wrote it)."""

    contact_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    contact_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    contact_phone: so.Mapped[str | None] = so.mapped_column(sa.String(40))

    def set_contact(self, contact: dict[str, str | None] | None) -> None:
        """Set the contact from a ``{"name", "email", "phone"}`` mapping (missing keys clear the field)."""
        contact = contact or {}
        self.contact_name = contact.get("name")
        self.contact_email = contact.get("email")
        self.contact_phone = contact.get("phone")


def str_enum(enum_cls: type, length: int = 32, name: str | None = None) -> sa.Enum:
    """A portable string column for a ``StrEnum``: values stored as text with a CHECK constraint (named after the
    enum, or ``name`` when a table has two columns of the same enum)."""
    return sa.Enum(
        enum_cls,
        name=name or enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
