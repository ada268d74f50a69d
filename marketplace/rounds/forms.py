"""The round form: dates typed in Hai Phong's time, stored in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField, SubmitField, TextAreaField

from marketplace.forms import Optional, date_out_of_range, max_length, required, year_in_range
from marketplace.i18n import city_zone
from marketplace.models import Round

_FORMAT = "%Y-%m-%dT%H:%M"
_NOT_A_MOMENT = _l("Enter a date and time, e.g. 2026-12-31 17:00.")


class LocalMomentField(DateTimeLocalField):
    """A date and time typed in the city's time zone; ``data`` is timezone-aware."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, format=_FORMAT, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip().replace(" ", "T", 1)
        try:
            self.data = datetime.strptime(text[:16], _FORMAT).replace(tzinfo=city_zone())
        except ValueError:
            self.data = None
            raise ValueError(_NOT_A_MOMENT) from None
        if not year_in_range(self.data.year):
            self.data = None
            raise ValueError(date_out_of_range())

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.astimezone(city_zone()).strftime(_FORMAT) if self.data else ""


class RoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[required(), max_length(200)],
                       description=_l("e.g. Round 1 of 2027: technologies of the Vietnam Academy of Science and "
                                      "Technology"))
    legal_reference = StringField(_l("Legal reference"), validators=[required(), max_length(200)],
                                  description=_l("The official letter or decision, e.g. Official Letter No. "
                                                 "1234/SKHCN-QLCN"))
    scope = TextAreaField(_l("Catalogue covered"), validators=[Optional(), max_length(5000)], render_kw={"rows": 3},
                          description=_l("Which list of technologies the round covers, e.g. the list sent with "
                                         "the Academy's official letter."))
    opens_at = LocalMomentField(_l("Opens on (Hai Phong time)"), validators=[required()])
    deadline = LocalMomentField(_l("Deadline (Hai Phong time)"), validators=[required()])
    submit = SubmitField(_l("Save the round"))

    @classmethod
    def for_round(cls, proposal_round: Round) -> RoundForm:
        return cls(obj=proposal_round)

    def content(self) -> dict[str, Any]:
        return {"name": self.name.data.strip(), "legal_reference": self.legal_reference.data.strip(),
                "scope": (self.scope.data or "").strip() or None, "opens_at": self.opens_at.data,
                "deadline": self.deadline.data}
