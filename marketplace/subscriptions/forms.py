"""Forms for following technologies and for marking notifications read."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import NumberRange, ValidationError
from wtforms.widgets import HiddenInput

from marketplace.extensions import db
from marketplace.forms import MultiCheckboxField, Optional, split_list
from marketplace.models import Sector
from marketplace.subscriptions.services import (
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    SubscriptionError,
    check_keywords,
    normalize_keywords,
)
from marketplace.web import MAX_ID


class SubscriptionForm(FlaskForm):
    sectors = MultiCheckboxField(_l("Sectors"), coerce=int)
    keywords = TextAreaField(
        _l("Keywords"),
        description=_l("Separate keywords with “;” or put one per line (at most %(count)d, of at most %(length)d "
                       "characters each). Whole words are matched, with or without diacritics: “cang bien” also "
                       "finds “cảng biển”. Leave the sectors and keywords empty to stop following.",
                       count=MAX_KEYWORDS, length=MAX_KEYWORD_LENGTH),
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        locale = str(get_locale() or "vi")
        sectors = db.session.scalars(sa.select(Sector).order_by(Sector.is_priority.desc(), Sector.position)).all()
        # The city's priority sectors come first, with the same badge as in the catalogue.
        badge = Markup(' <span class="badge badge-priority">{}</span>').format(_l("Priority sector"))
        self.sectors.choices = [
            (sector.id, Markup("{}{}").format(sector.name(locale), badge if sector.is_priority else ""))
            for sector in sectors
        ]

    def validate_keywords(self, field: Field) -> None:
        try:
            check_keywords(normalize_keywords(split_list(field.data)))
        except SubscriptionError as exc:
            raise ValidationError(str(exc)) from None


class MarkReadForm(FlaskForm):
    """Marks one notification read (``notification_id``) or, without it, all of them."""

    notification_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    next = HiddenField()
    submit = SubmitField(_l("Mark all as read"))
