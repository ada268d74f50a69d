"""Validators shared by every form, with messages in our catalogues (WTForms has no Vietnamese one)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, RadioField, SelectField, SelectMultipleField, ValidationError
from wtforms.validators import Email, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.passwords import password_problem

__all__ = [
    "ChoiceRadioField", "ChoiceSelectField", "MultiCheckboxField", "Optional", "StrongPassword", "TAX_CODE_RE",
    "email_format", "matches", "max_length", "required", "split_list",
]

#: A Vietnamese tax code: 10 digits, or 10 digits, a dash and 3 digits for a branch.
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")


def required() -> InputRequired:
    return InputRequired(message=_l("This field is required."))


def email_format() -> Email:
    return Email(message=_l("Enter a valid email address."), check_deliverability=False)


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def matches(field_name: str) -> EqualTo:
    return EqualTo(field_name, message=_l("The two passwords do not match."))


class StrongPassword:
    """Applies the password policy (:func:`marketplace.passwords.password_problem`)."""

    def __call__(self, form: Form, field: Field) -> None:
        # The account's email: typed in the form (registration) or set by the view (change, reset).
        email_field = getattr(form, "email", None)
        email = email_field.data if email_field is not None else getattr(form, "account_email", None)
        problem = password_problem(field.data or "", email)
        if problem is not None:
            raise ValidationError(problem)


_NOT_A_CHOICE = _l("Choose one of the options offered.")


class _ChoiceMessages:
    """Invalid-choice messages from our catalogues instead of WTForms' English ones."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            raise ValueError(_NOT_A_CHOICE) from None

    def pre_validate(self, form: Form) -> None:
        try:
            super().pre_validate(form)  # type: ignore[misc]
        except ValidationError:
            raise ValidationError(_NOT_A_CHOICE) from None


class ChoiceSelectField(_ChoiceMessages, SelectField):
    """A select whose invalid-choice messages come from our catalogues."""


class ChoiceRadioField(_ChoiceMessages, RadioField):
    """Radio buttons whose invalid-choice message comes from our catalogues."""


class MultiCheckboxField(_ChoiceMessages, SelectMultipleField):
    """Several checkboxes for one multiple choice; invalid-choice messages from our catalogues."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def vnd_amount() -> NumberRange:
    return NumberRange(min=0, max=10**15, message=_l("Enter an amount in VND, without separators."))


def split_list(text: str | None) -> list[str]:
    """Items typed in one field, separated by ";" or new lines: trimmed, de-duplicated, in order."""
    items: list[str] = []
    for item in (text or "").replace("\n", ";").split(";"):
        item = " ".join(item.split())
        if item and item.lower() not in {existing.lower() for existing in items}:
            items.append(item)
    return items
