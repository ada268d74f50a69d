"""Forms of the catalogue: a researcher's listing, attachments, the catalogue's sort and filter."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import Regexp

from marketplace.catalogue.services import FIELD_LABELS
from marketplace.codes import CODE_PATTERN
from marketplace.extensions import db
from marketplace.forms import (
    AmountField,
    ChoiceSelectField,
    MultiCheckboxField,
    Optional,
    email_format,
    max_length,
    required,
    split_list,
    vnd_amount,
)
from marketplace.i18n import select_locale
from marketplace.i18n_labels import TRANSFER_MODE_LABELS, TRL_LABELS
from marketplace.models import Sector, TransferMode


def sector_choices() -> list[tuple[str, str]]:
    locale = select_locale()
    sectors = db.session.scalars(sa.select(Sector).order_by(Sector.is_priority.desc(), Sector.position))
    return [(s.slug, s.name(locale) + (" ★" if s.is_priority else "")) for s in sectors]


class TechnologyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Optional(), max_length(40),
                                               Regexp(CODE_PATTERN, message=_l(
                                                   "Use letters, digits, dots, dashes and underscores only."))],
                       description=_l("The Academy's identifier, if the technology has one; left empty, a code is "
                                      "given automatically."))
    title = StringField(FIELD_LABELS["title"], validators=[required(), max_length(300)])
    title_en = StringField(FIELD_LABELS["title_en"], validators=[Optional(), max_length(300)])
    summary = TextAreaField(FIELD_LABELS["summary"], validators=[required(), max_length(1000)],
                            description=_l("Two or three sentences a firm's manager reads first."),
                            render_kw={"rows": 3})
    description = TextAreaField(FIELD_LABELS["description"], validators=[required(), max_length(20000)],
                                render_kw={"rows": 8})
    description_en = TextAreaField(FIELD_LABELS["description_en"], validators=[Optional(), max_length(20000)],
                                   render_kw={"rows": 5})
    sectors = MultiCheckboxField(FIELD_LABELS["sectors"], validators=[required()],
                                 description=_l("★ marks the city's priority sectors."))
    keywords = StringField(FIELD_LABELS["keywords"], validators=[Optional(), max_length(500)],
                           description=_l("Separated by semicolons, e.g. container; IoT; cảng biển"))
    trl = ChoiceSelectField(FIELD_LABELS["trl"], coerce=int, validators=[required()])
    transfer_modes = MultiCheckboxField(FIELD_LABELS["transfer_modes"], validators=[required()])
    price_min = AmountField(FIELD_LABELS["price_min"], validators=[Optional(), vnd_amount()])
    price_max = AmountField(FIELD_LABELS["price_max"], validators=[Optional(), vnd_amount()])
    price_negotiable = BooleanField(FIELD_LABELS["price_negotiable"])
    ip_status = TextAreaField(FIELD_LABELS["ip_status"], validators=[Optional(), max_length(2000)],
                              description=_l("Patent or utility solution numbers, applications filed, know-how."),
                              render_kw={"rows": 2})
    applications = TextAreaField(FIELD_LABELS["applications"], validators=[Optional(), max_length(5000)],
                                 render_kw={"rows": 3})
    contact_name = StringField(FIELD_LABELS["contact_name"], validators=[Optional(), max_length(200)])
    contact_email = EmailField(FIELD_LABELS["contact_email"], validators=[Optional(), email_format(),
                                                                          max_length(254)])
    contact_phone = StringField(FIELD_LABELS["contact_phone"], validators=[Optional(), max_length(40)])
    confidential_details = TextAreaField(FIELD_LABELS["confidential_details"],
                                         validators=[Optional(), max_length(20000)], render_kw={"rows": 4},
                                         description=_l("Seen only by the Department's staff and by the parties of "
                                                        "an approved match."))
    confidential_price_terms = TextAreaField(FIELD_LABELS["confidential_price_terms"],
                                             validators=[Optional(), max_length(5000)], render_kw={"rows": 2})
    save = SubmitField(_l("Save draft"))
    save_and_submit = SubmitField(_l("Save and submit for review"))

    def __init__(self, *args: Any, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.code
        self.sectors.choices = sector_choices()
        self.trl.choices = [(level, label) for level, label in TRL_LABELS.items()]
        self.transfer_modes.choices = [(mode.value, TRANSFER_MODE_LABELS[mode]) for mode in TransferMode]

    def validate_price_max(self, field: AmountField) -> None:
        if field.data is not None and self.price_min.data is not None and field.data < self.price_min.data:
            raise ValidationError(_l("The upper price must not be lower than the lower one."))

    def content(self) -> dict[str, Any]:
        """The form's values as listing content (see ``catalogue.services.EDITABLE_FIELDS``)."""
        negotiable = bool(self.price_negotiable.data)

        def text(field: Any) -> str | None:
            return (field.data or "").strip() or None

        return {
            "title": self.title.data.strip(),
            "title_en": text(self.title_en),
            "summary": self.summary.data.strip(),
            "description": self.description.data.strip(),
            "description_en": text(self.description_en),
            "sectors": list(self.sectors.data or []),
            "keywords": split_list(self.keywords.data),
            "trl": self.trl.data,
            "transfer_modes": list(self.transfer_modes.data or []),
            "price_min": None if negotiable else self.price_min.data,
            "price_max": None if negotiable else self.price_max.data,
            "price_negotiable": negotiable,
            "ip_status": text(self.ip_status),
            "applications": text(self.applications),
            "contact_name": text(self.contact_name),
            "contact_email": text(self.contact_email),
            "contact_phone": text(self.contact_phone),
            "confidential_details": text(self.confidential_details),
            "confidential_price_terms": text(self.confidential_price_terms),
        }

    @classmethod
    def from_content(cls, data: dict[str, Any]) -> TechnologyForm:
        """A form prefilled with listing content."""
        values = dict(data)
        values["keywords"] = "; ".join(data.get("keywords") or [])
        return cls(data=values)


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF brochure, or PNG, JPEG or WebP image)"),
                     validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload"))

    def validate_file(self, field: FileField) -> None:
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        stream = field.data.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        if size == 0:
            raise ValidationError(_l("The file is empty."))
        if size > limit:
            raise ValidationError(_l("The file is larger than %(limit)d MB.", limit=limit // (1024 * 1024)))


class ActionForm(FlaskForm):
    """A button that changes state (submit, archive, confirm, delete); it carries the CSRF token."""


#: The catalogue's sort orders (relevance only makes sense with words to search for).
SORT_LABELS = {"relevance": _l("Relevance"), "newest": _l("Newest"), "readiness": _l("Readiness (TRL)"),
               "title": _l("Title")}

FACET_LABELS = {"sector": _l("Sector"), "institute": _l("Institute"), "trl": _l("Readiness (TRL)"),
                "transfer_mode": _l("Transfer mode")}
