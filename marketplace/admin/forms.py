from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField, ValidationError
from wtforms.validators import NumberRange

from marketplace.forms import ChoiceSelectField, DayField, Optional, WholeNumberField, max_length
from marketplace.i18n_labels import ROLE_LABELS
from marketplace.models import Role

#: The largest id a PostgreSQL integer column holds (a bigger one would fail in the query, not in the form).
_MAX_ID = 2_147_483_647


class UserFilterForm(FlaskForm):
    """GET filter over the account list."""

    q = StringField(_l("Name or email"))
    role = ChoiceSelectField(_l("Role"), choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)
        self.role.choices = [("", _l("All roles"))] + [(role.value, ROLE_LABELS[role]) for role in Role]


class UserActiveForm(FlaskForm):
    """Activate or deactivate an account (the buttons carry the CSRF token)."""


class AuditFilterForm(FlaskForm):
    """GET filter over the audit log; the dates are local dates of the city, both included.

    :param actions: the actions recorded so far (the choices of ``action``).
    :param object_types: the kinds of object recorded so far (the choices of ``object_type``).
    """

    actor = StringField(_l("Actor (name or email)"), validators=[Optional(), max_length(200)])
    action = ChoiceSelectField(_l("Action"), choices=[], validators=[Optional()])
    object_type = ChoiceSelectField(_l("Object type"), choices=[], validators=[Optional()])
    object_id = WholeNumberField(_l("Object id"), validators=[
        Optional(), NumberRange(min=1, max=_MAX_ID, message=_l("Enter an id of 1 or more."))])
    date_from = DayField(_l("From (date)"), validators=[Optional()])
    date_to = DayField(_l("To (date)"), validators=[Optional()])
    q = StringField(_l("Text in the note or details"), validators=[Optional(), max_length(200)])

    def __init__(self, *args: object, actions: Sequence[str] = (), object_types: Sequence[str] = (),
                 **kwargs: object) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)
        self.action.choices = [("", _l("All actions"))] + [(action, action) for action in actions]
        self.object_type.choices = [("", _l("All objects"))] + [(kind, kind) for kind in object_types]

    def validate_date_to(self, field: Field) -> None:
        if field.data is not None and self.date_from.data is not None and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
