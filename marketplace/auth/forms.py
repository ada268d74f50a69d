"""Forms for registration, sign-in and password reset."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField

from marketplace.extensions import db
from marketplace.forms import (
    TAX_CODE_RE,
    ChoiceRadioField,
    ChoiceSelectField,
    Optional,
    StrongPassword,
    email_format,
    matches,
    max_length,
    required,
)
from marketplace.models import Organization, OrganizationKind, Role

NEW_ORGANIZATION = 0


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[required(), email_format()], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[required()], render_kw={"autocomplete": "current-password"})
    remember_me = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class RegistrationForm(FlaskForm):
    role = ChoiceRadioField(
        _l("I register as"),
        choices=[(Role.FIRM.value, _l("A firm looking for technologies")),
                 (Role.RESEARCHER.value, _l("A researcher of the Academy offering technologies"))],
        validators=[required()],
    )
    full_name = StringField(_l("Full name"), validators=[required(), max_length(200)],
                            render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), validators=[required(), email_format(), max_length(254)],
                       render_kw={"autocomplete": "email"})
    phone = StringField(_l("Phone"), validators=[Optional(), max_length(40)], render_kw={"autocomplete": "tel"})
    organization = ChoiceSelectField(_l("Organization"), coerce=int, validate_choice=True,
                               description=_l("Pick your firm or institute; if it is not listed, choose the first "
                                              "option and enter it below."))
    org_name = StringField(_l("Name of the new organization"), validators=[Optional(), max_length(300)])
    org_short_name = StringField(_l("Short name"), validators=[Optional(), max_length(60)])
    tax_code = StringField(_l("Tax code (firms)"), validators=[Optional(), max_length(14)],
                           description=_l("10 digits, or 10 digits-3 digits for a branch."))
    org_address = StringField(_l("Address"), validators=[Optional(), max_length(400)])
    password = PasswordField(_l("Password"), validators=[required(), StrongPassword()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Repeat the password"), validators=[required(), matches("password")],
                                     render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        organizations = db.session.scalars(
            sa.select(Organization)
            .where(Organization.kind.in_([OrganizationKind.FIRM, OrganizationKind.INSTITUTE]))
            .order_by(Organization.name)
        ).all()
        # Grouped choices: WTForms renders each group as an <optgroup>.
        self.organization.choices = {
            str(_l("New organization")): [(NEW_ORGANIZATION, _l("— My organization is not listed (enter it below) —"))],
            str(_l("Institutes of the Academy")): [
                (o.id, o.display_name) for o in organizations if o.kind == OrganizationKind.INSTITUTE
            ],
            str(_l("Firms")): [(o.id, o.display_name) for o in organizations if o.kind == OrganizationKind.FIRM],
        }

    def validate(self, extra_validators: object = None) -> bool:
        valid = super().validate(extra_validators)
        if self.organization.data == NEW_ORGANIZATION:
            if not (self.org_name.data or "").strip():
                self.org_name.errors.append(_l("Enter the name of your organization."))
                valid = False
            tax_code = (self.tax_code.data or "").strip()
            if self.role.data == Role.FIRM.value and not tax_code:
                self.tax_code.errors.append(_l("A firm must give its tax code."))
                valid = False
            elif tax_code and not TAX_CODE_RE.match(tax_code):
                self.tax_code.errors.append(_l("A tax code has 10 digits, or 10 digits-3 digits for a branch."))
                valid = False
        return valid


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[required(), email_format()], render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[required(), StrongPassword()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Repeat the new password"), validators=[required(), matches("password")],
                                     render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set the new password"))
