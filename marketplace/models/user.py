"""Accounts and the tokens that reset their passwords."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime, str_enum, utcnow


class Role(StrEnum):
    FIRM = "firm"
    RESEARCHER = "researcher"
    STAFF = "staff"
    ADMIN = "admin"


#: Roles a visitor may pick when registering; staff and admin come only from the CLI.
SELF_SERVICE_ROLES = (Role.FIRM, Role.RESEARCHER)


def _new_login_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"  # NOTE: "user" is a reserved word in PostgreSQL.

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    role: so.Mapped[Role] = so.mapped_column(str_enum(Role, 16), index=True)
    locale: so.Mapped[str] = so.mapped_column(sa.String(8), default="vi")
    active: so.Mapped[bool] = so.mapped_column(default=True)
    organization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organization.id"), index=True)
    # An existing organization the user asked to join at registration: membership is what lets a user act for a firm
    # or an institute (its needs, its matches, confidential parts), so an admin approves it first.
    requested_organization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organization.id"))
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Rotated on every password change so that old sessions and remember-me cookies stop working.
    login_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=_new_login_token)

    organization: so.Mapped[Organization | None] = so.relationship(  # noqa: F821
        back_populates="members", foreign_keys=[organization_id])
    requested_organization: so.Mapped[Organization | None] = so.relationship(  # noqa: F821
        foreign_keys=[requested_organization_id])

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts.
        return self.active

    def get_id(self) -> str:
        return self.login_token

    def set_password(self, password: str) -> None:
        """Hash ``password`` with scrypt and invalidate every existing session of this user."""
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.login_token = _new_login_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


class PasswordResetToken(db.Model):
    """A single-use, expiring password-reset token; only its SHA-256 digest is stored."""

    __tablename__ = "password_reset_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User] = so.relationship()
