"""The password policy, shared by the forms and the CLI."""

from __future__ import annotations

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


def password_problem(password: str, email: str | None = None) -> LazyString | None:
    """Why ``password`` is not acceptable, or None.

    At least ``PASSWORD_MIN_LENGTH`` characters, more than three different characters, not the email address.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _l("The password must have at least %(min)d characters.", min=minimum)
    if len(set(password)) < 4:
        return _l("The password is too easy to guess: use more different characters.")
    if email and password.lower() in {email.lower(), email.split("@")[0].lower()}:
        return _l("The password must not be your email address.")
    return None
