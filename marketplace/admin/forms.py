from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from marketplace.forms import ChoiceSelectField
from marketplace.i18n_labels import ROLE_LABELS
from marketplace.models import Role


class UserFilterForm(FlaskForm):
    """GET filter over the account list."""

    q = StringField(_l("Name or email"))
    role = ChoiceSelectField(_l("Role"), choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)
        self.role.choices = [("", _l("All roles"))] + [(role.value, ROLE_LABELS[role]) for role in Role]


class UserActiveForm(FlaskForm):
    """Activate or deactivate an account (the buttons carry the CSRF token)."""
