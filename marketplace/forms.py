"""Validators shared by every form, with messages in our catalogues (WTForms has no Vietnamese one)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Field,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
    ValidationError,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.amounts import MAX_DONG, parse_dong
from marketplace.passwords import password_problem
from matching.text import blank

__all__ = [
    "AmountField", "ChoiceRadioField", "ChoiceSelectField", "ClockField", "date_out_of_range", "DayField",
    "email_format", "matches", "max_length", "MultiCheckboxField", "Optional", "required", "split_list",
    "StrongPassword", "TAX_CODE_RE", "WholeNumberField", "year_in_range",
]

#: A Vietnamese tax code: 10 digits, or 10 digits, a dash and 3 digits for a branch.
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
#: The years a date may have: any a person means, and far from the ends of Python's dates (year 1 or 9999 overflowed
#: when turned into UTC or when a day was added).
FIRST_YEAR, LAST_YEAR = 1900, 2999


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def date_out_of_range() -> Any:  # noqa: ANN401 - a lazy string
    return _l("Enter a date between the years %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)


class _Required(InputRequired):
    """Input required, and blank text (spaces or invisible characters only) counts as none."""

    def __call__(self, form: Form, field: Field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and blank(field.data):
            raise StopValidation(self.message)


def required() -> InputRequired:
    return _Required(message=_l("This field is required."))


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


_NOT_AN_AMOUNT = _l("Enter a whole number of dong, e.g. 2000000000 or 2.000.000.000.")


class AmountField(StringField):
    """An amount of dong typed as people write it (``2.000.000.000``, ``2 000 000 000 đ``); ``data`` is the int or
    None. What was typed is shown again when it is not an amount."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        self.data = parse_dong(text)
        if self.data is None:
            raise ValueError(_NOT_AN_AMOUNT)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:,}".replace(",", ".")


class DayField(DateField):
    """A date (``YYYY-MM-DD``, as the browser's date picker sends it) with our message when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date, e.g. 2026-12-31.")) from None
        if self.data is not None and not year_in_range(self.data.year):
            self.data = None
            raise ValueError(date_out_of_range())


class WholeNumberField(IntegerField):
    """A whole number, with our message when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a whole number.")) from None


class ClockField(TimeField):
    """A time of day (``HH:MM``), with our message when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a time, e.g. 08:30.")) from None


def vnd_amount() -> NumberRange:
    return NumberRange(min=0, max=MAX_DONG, message=_NOT_AN_AMOUNT)


def split_list(text: str | None) -> list[str]:
    """Items typed in one field, separated by ";" or new lines: trimmed, de-duplicated, in order."""
    items: list[str] = []
    for item in (text or "").replace("\n", ";").split(";"):
        item = " ".join(item.split())
        if item and item.lower() not in {existing.lower() for existing in items}:
            items.append(item)
    return items
