"""Authorization: every rule of who may do what, in one place.

Each view declares its access rule with :func:`permission`; a ``before_request`` hook enforces it and denies any
view that declares none. Rules on particular objects (ownership) go through :func:`can` / :func:`ensure`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user

from marketplace.extensions import db, login_manager
from marketplace.models import Role, TechnologyStatus, User

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"  # everyone
GUEST = "guest"  # visitors who are not signed in; signed-in users are sent to their dashboard
SIGNED_IN = "signed_in"  # any signed-in account
FIRM = "firm"
RESEARCHER = "researcher"
PARTY = "party"  # firms and researchers: the two sides of a match
STAFF = "staff"  # the Department's staff, and admins
ADMIN = "admin"

_ROLE_RULES: dict[str, Callable[[Any], bool]] = {
    PUBLIC: lambda user: True,
    GUEST: lambda user: not user.is_authenticated,
    SIGNED_IN: lambda user: user.is_authenticated,
    FIRM: lambda user: user.is_authenticated and user.role == Role.FIRM,
    RESEARCHER: lambda user: user.is_authenticated and user.role == Role.RESEARCHER,
    PARTY: lambda user: user.is_authenticated and user.role in (Role.FIRM, Role.RESEARCHER),
    STAFF: lambda user: user.is_authenticated and user.role in (Role.STAFF, Role.ADMIN),
    ADMIN: lambda user: user.is_authenticated and user.role == Role.ADMIN,
}

def _is_owner(user: Any, technology: Any) -> bool:
    return user.is_authenticated and technology.owner_id is not None and technology.owner_id == user.id


def _can_view_technology(user: Any, technology: Any) -> bool:
    return technology.status == TechnologyStatus.PUBLISHED or _ROLE_RULES[STAFF](user) or _is_owner(user, technology)


def _can_view_confidential(user: Any, technology: Any) -> bool:
    from marketplace.catalogue.services import is_match_party

    return _ROLE_RULES[STAFF](user) or (user.is_authenticated and is_match_party(user, technology))


def _can_edit_technology(user: Any, technology: Any) -> bool:
    from marketplace.catalogue.services import is_editable

    return _ROLE_RULES[RESEARCHER](user) and _is_owner(user, technology) and is_editable(technology)


def _need_rule(name: str) -> Callable[[Any, Any], bool]:
    def rule(user: Any, need: Any) -> bool:
        from marketplace.needs import services

        return getattr(services, name)(user, need)

    return rule


def _match_rule(name: str) -> Callable[[Any, Any], bool]:
    def rule(user: Any, match: Any) -> bool:
        from marketplace.matches import lifecycle

        return getattr(lifecycle, name)(user, match)

    return rule


# Rules about one object: (user, object) -> allowed.
_OBJECT_RULES: dict[str, Callable[[Any, Any], bool]] = {
    # An admin may deactivate any account but their own, so that one admin always remains able to sign in.
    "user.set_active": lambda user, target: _ROLE_RULES[ADMIN](user) and target.id != user.id,
    # Published listings are public; drafts and listings under review only for their owner and staff.
    "technology.view": _can_view_technology,
    # Technical details and price terms: staff and the parties of an approved match (owner included).
    "technology.view_confidential": _can_view_confidential,
    # Content and attachments: the owning researcher, while the listing is not under review or archived.
    "technology.edit": _can_edit_technology,
    "technology.submit": lambda user, t: _ROLE_RULES[RESEARCHER](user) and _is_owner(user, t),
    # Files go straight onto the listing, so only before it is published (a published listing changes by review).
    "technology.attach": lambda user, t: _can_edit_technology(user, t) and t.status != TechnologyStatus.PUBLISHED,
    # Archiving and re-confirming: the owner or staff.
    "technology.manage": lambda user, t: _is_owner(user, t) or _ROLE_RULES[STAFF](user),
    # Needs: staff and the author see all; others see listed needs unless they are for the Department only.
    "need.view": _need_rule("can_view"),
    # The firm's name and contact: staff, the author, everyone on public needs, researchers once introduced.
    "need.view_firm": _need_rule("firm_is_visible"),
    # Content: the firm member who wrote it, until it is closed.
    "need.edit": _need_rule("can_edit"),
    # Opening and closing: the author or staff.
    "need.manage": _need_rule("can_manage"),
    # Suggestions with their scores and explanations: the author and staff.
    "need.view_matches": _need_rule("can_manage"),
    # A match: staff, the firm of the need, and the researcher once introduced.
    "match.view": _match_rule("can_view"),
    # Accepting or declining an introduction: each party once; every other move is staff's.
    "match.respond": _match_rule("can_respond"),
}


def permission(rule: str) -> Callable[[F], F]:
    """Declare the access rule of a view (one of the module's constants)."""
    if rule not in _ROLE_RULES:
        raise ValueError(f"unknown access rule {rule!r}")

    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


def allows(user: User | AnonymousUserMixin, rule: str) -> bool:
    """Whether ``user`` passes the access rule ``rule``."""
    return _ROLE_RULES[rule](user)


def can(user: User | AnonymousUserMixin, action: str, obj: Any) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``."""
    return _OBJECT_RULES[action](user, obj)


def ensure(action: str, obj: Any) -> None:
    """Abort with 403 unless the current user may perform ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        abort(403)


def _enforce_access_rule():  # noqa: ANN202 - a Flask hook returns a response or None
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions[request.endpoint]
    rule = getattr(view, "access_rule", None)
    if rule is None:
        # Deny by default: a view that forgot to declare its rule is closed, not open.
        current_app.logger.error("view %s declares no access rule; denied", request.endpoint)
        abort(403)
    if allows(current_user, rule):
        return None
    if rule == GUEST:
        return redirect(url_for("main.dashboard"))
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)  # API clients get JSON, not the sign-in page
        return login_manager.unauthorized()
    abort(403)


@login_manager.user_loader
def _load_user(login_token: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.login_token == login_token))
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_access_rule)
    # Templates ask the same rules: {% if allows('staff') %}, {% if can('technology.edit', technology) %}.
    app.jinja_env.globals["allows"] = lambda rule: allows(current_user, rule)
    app.jinja_env.globals["can"] = lambda action, obj: can(current_user, action, obj)
