"""Accounts: registration, sign-in, password reset. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from marketplace.audit import record_event
from marketplace.extensions import db
from marketplace.mail import queue_templated_mail
from marketplace.models import Organization, OrganizationKind, PasswordResetToken, Role, User
from marketplace.models.base import utcnow
from marketplace.web import external_url


class AccountError(Exception):
    """A business-rule failure whose message is shown to the user."""


class EmailTaken(AccountError):
    pass


class TokenInvalid(AccountError):
    pass


class TokenExpired(AccountError):
    pass


ORGANIZATION_KIND_FOR_ROLE = {Role.FIRM: OrganizationKind.FIRM, Role.RESEARCHER: OrganizationKind.INSTITUTE}


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


@dataclass
class NewOrganization:
    name: str
    short_name: str | None = None
    tax_code: str | None = None
    address: str | None = None


def find_organization(kind: OrganizationKind, name: str) -> Organization | None:
    return db.session.scalar(
        sa.select(Organization).where(
            Organization.kind == kind, sa.func.lower(Organization.name) == name.strip().lower()
        )
    )


def create_user(
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    locale: str = "vi",
    phone: str | None = None,
    organization: Organization | None = None,
    actor: User | None = None,
) -> User:
    """Create an account.

    :raises EmailTaken: when an account already uses ``email``.
    """
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken(_l("An account with this email address already exists."))
    user = User(email=email, full_name=full_name.strip(), role=role, locale=locale, phone=phone or None)
    user.set_password(password)
    try:
        with db.session.begin_nested():  # a concurrent registration with the same email may win the race
            db.session.add(user)
            user.organization = organization
            db.session.flush()
    except sa.exc.IntegrityError:
        raise EmailTaken(_l("An account with this email address already exists.")) from None
    record_event("user.create", "user", user.id, actor=actor or user, data={"role": str(role)})
    return user


def register_user(
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role,
    locale: str,
    phone: str | None,
    organization_id: int | None,
    new_organization: NewOrganization | None,
) -> User:
    """Self-registration of a firm or researcher, joining an existing organization or creating one.

    :raises AccountError: for a role that cannot self-register, an organization of the wrong kind, a tax code in use.
    """
    if role not in ORGANIZATION_KIND_FOR_ROLE:
        raise AccountError(_l("This kind of account cannot be registered here."))
    kind = ORGANIZATION_KIND_FOR_ROLE[role]
    joins_existing = True
    if organization_id:
        organization = db.session.get(Organization, organization_id)
        if organization is None or organization.kind != kind:
            raise AccountError(_l("Choose an organization of the right kind."))
    elif new_organization is not None:
        organization = find_organization(kind, new_organization.name)
        if organization is not None and new_organization.tax_code and organization.tax_code \
                and organization.tax_code != new_organization.tax_code:
            raise AccountError(_l("An organization with this name is registered with another tax code. Check the "
                                  "tax code, or choose the organization in the list."))
        if organization is None:
            joins_existing = False
            if new_organization.tax_code and db.session.scalar(
                sa.select(Organization.id).where(Organization.tax_code == new_organization.tax_code)
            ):
                raise AccountError(
                    _l("An organization with this tax code is already registered: choose it in the list.")
                )
            organization = Organization(
                kind=kind,
                name=new_organization.name.strip(),
                short_name=new_organization.short_name or None,
                tax_code=new_organization.tax_code or None,
                address=new_organization.address or None,
            )
            db.session.add(organization)
            db.session.flush()
            record_event("organization.create", "organization", organization.id, data={"kind": str(kind)})
    else:
        raise AccountError(_l("Choose your organization or enter a new one."))
    user = create_user(
        email=email,
        password=password,
        full_name=full_name,
        role=role,
        locale=locale,
        phone=phone,
        organization=None if joins_existing else organization,
    )
    if joins_existing:
        # Anyone may claim to work for a firm or an institute: the membership waits for an admin (see
        # `decide_membership`); until then the account acts for no organization.
        user.requested_organization = organization
        db.session.flush()
        record_event("user.request_membership", "user", user.id, actor=user, data={"organization": organization.id})
    return user


def decide_membership(user: User, approve: bool, *, actor: User) -> None:
    """An admin approves (or declines) the organization ``user`` asked to join at registration.

    :raises AccountError: when the user has no request waiting.
    """
    organization = user.requested_organization
    if organization is None:
        raise AccountError(_l("This account has no membership request waiting."))
    user.requested_organization = None
    if approve:
        user.organization = organization
    db.session.flush()
    record_event("user.approve_membership" if approve else "user.decline_membership", "user", user.id, actor=actor,
                 data={"organization": organization.id})


def authenticate(email: str, password: str) -> User | None:
    """The active account with this email and password, or None."""
    user = find_user_by_email(email)
    if user is None:
        # Same cost as a real check, so that the answer's timing does not tell whether the account exists.
        generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_password_reset(email: str) -> str | None:
    """Queue a reset link for the account with ``email``, if there is an active one.

    The caller says the same thing whether or not the account exists, so that nobody can probe for accounts.

    :returns: the raw token (for tests and the CLI), or None when no active account has this email.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + current_app.config["PASSWORD_RESET_MAX_AGE"]
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires_at))
    link = external_url(url_for("auth.reset_password", token=token))
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60)
    queue_templated_mail(user, "reset_password", _l("Reset your password"), link=link, minutes=minutes)
    record_event("user.reset_requested", "user", user.id, actor=user)
    return token


def check_reset_token(token: str) -> PasswordResetToken:
    """The unused, unexpired token record for ``token``.

    :raises TokenInvalid: unknown or already used.
    :raises TokenExpired: past its expiry.
    """
    record = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_digest(token))
    )
    if record is None or record.used_at is not None or not record.user.active:
        raise TokenInvalid(_l("This password reset link is not valid or has already been used."))
    if record.expires_at <= utcnow():
        raise TokenExpired(_l("This password reset link has expired. Please request a new one."))
    return record


def reset_password(token: str, new_password: str) -> User:
    """Set a new password with a reset token; the token and every other open token of the user stop working."""
    record = check_reset_token(token)
    user = record.user
    now = utcnow()
    # Claim the token: of two concurrent uses, only one updates the row.
    claimed = db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.id == record.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise TokenInvalid(_l("This password reset link is not valid or has already been used."))
    user.set_password(new_password)
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    record_event("user.password_reset", "user", user.id, actor=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """:raises AccountError: when ``current_password`` is wrong."""
    if not user.check_password(current_password):
        raise AccountError(_l("The current password is not correct."))
    user.set_password(new_password)
    record_event("user.password_change", "user", user.id, actor=user)


def update_profile(user: User, *, full_name: str, phone: str | None, locale: str) -> None:
    user.full_name = full_name.strip()
    user.phone = phone or None
    user.locale = locale


def set_active(user: User, active: bool, *, actor: User | None) -> None:
    """Activate or deactivate an account; a deactivated account is signed out everywhere."""
    if user.active == active:
        return
    user.active = active
    if not active:
        user.login_token = secrets.token_urlsafe(24)  # old sessions and remember-me cookies stay dead
    record_event("user.activate" if active else "user.deactivate", "user", user.id, actor=actor,
                 from_state=str(not active).lower(), to_state=str(active).lower())
