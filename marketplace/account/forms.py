from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField

from marketplace.forms import (
    ChoiceSelectField,
    Optional,
    StrongPassword,
    matches,
    max_length,
    required,
)


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[required(), max_length(200)])
    phone = StringField(_l("Phone"), validators=[Optional(), max_length(40)])
    locale = ChoiceSelectField(_l("Interface language"), validators=[required()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = list(current_app.config["LANGUAGES"].items())


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[required()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[required(), StrongPassword()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Repeat the new password"), validators=[required(), matches("password")],
                                     render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))
