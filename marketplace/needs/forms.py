"""Forms of firms' needs: the need itself, closing it, proposing a catalogue technology for it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField, TextAreaField, ValidationError

from marketplace.catalogue.forms import sector_choices
from marketplace.forms import (
    AmountField,
    ChoiceRadioField,
    ChoiceSelectField,
    MultiCheckboxField,
    Optional,
    email_format,
    max_length,
    required,
    vnd_amount,
)
from marketplace.i18n import format_moment
from marketplace.i18n_labels import NEED_VISIBILITY_LABELS
from marketplace.models import Need, NeedVisibility, Round
from marketplace.needs.services import EDITABLE_FIELDS
from marketplace.rounds.services import open_rounds
from matching.text import blank, trimmed

FIELD_LABELS = {
    "title": _l("Title of the need"),
    "description": _l("The problem, in your own words"),
    "desired_outcome": _l("Desired outcome"),
    "sectors": _l("Sectors"),
    "budget_min": _l("Budget from (VND)"),
    "budget_max": _l("Budget up to (VND)"),
    "timeline": _l("Timeline"),
    "location": _l("Place of deployment"),
    "visibility": _l("Who sees this need"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "contact_phone": _l("Contact phone"),
}


class NeedForm(FlaskForm):
    title = StringField(FIELD_LABELS["title"], validators=[required(), max_length(300)],
                        description=_l("e.g. Reading container numbers automatically at the port gate"))
    # Not Optional(): that would stop the chain before validate_description, which requires it for posting.
    description = TextAreaField(FIELD_LABELS["description"], validators=[max_length(20000)],
                                render_kw={"rows": 7},
                                description=_l("What happens today, what it costs you, what you have tried. Write "
                                               "the problem rather than the solution: the matcher looks for "
                                               "technologies that solve it."))
    desired_outcome = TextAreaField(FIELD_LABELS["desired_outcome"], validators=[Optional(), max_length(5000)],
                                    render_kw={"rows": 3})
    sectors = MultiCheckboxField(FIELD_LABELS["sectors"], validators=[Optional()],
                                 description=_l("★ marks the city's priority sectors."))
    budget_min = AmountField(FIELD_LABELS["budget_min"], validators=[Optional(), vnd_amount()])
    budget_max = AmountField(FIELD_LABELS["budget_max"], validators=[Optional(), vnd_amount()])
    timeline = StringField(FIELD_LABELS["timeline"], validators=[Optional(), max_length(200)],
                           description=_l("e.g. Pilot in the fourth quarter of 2026"))
    location = StringField(FIELD_LABELS["location"], validators=[Optional(), max_length(300)],
                           description=_l("Ward or industrial zone in Hai Phong"))
    visibility = ChoiceRadioField(FIELD_LABELS["visibility"], default=NeedVisibility.ANONYMOUS.value,
                                  validators=[required()])
    contact_name = StringField(FIELD_LABELS["contact_name"], validators=[Optional(), max_length(200)])
    contact_email = EmailField(FIELD_LABELS["contact_email"], validators=[Optional(), email_format(),
                                                                          max_length(254)])
    contact_phone = StringField(FIELD_LABELS["contact_phone"], validators=[Optional(), max_length(40)])
    round = ChoiceSelectField(_l("Proposal round"), coerce=int, default=0,
                              description=_l("Post the need in a round the Department has opened, before its "
                                             "deadline; or in no round."))
    publish = SubmitField(_l("Post the need"))
    save = SubmitField(_l("Save draft"))
    preview = SubmitField(_l("Preview matching technologies"))

    def __init__(self, *args: Any, current_round: Round | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sectors.choices = sector_choices()
        self.visibility.choices = [(v.value, NEED_VISIBILITY_LABELS[v]) for v in NeedVisibility]
        rounds = open_rounds()
        if current_round is not None and current_round not in rounds:  # a need stays in its round after the deadline
            rounds.insert(0, current_round)
        self.round.choices = [(0, _l("No round"))] + [
            (item.id, _l("%(name)s (deadline %(deadline)s)", name=item.name, deadline=format_moment(item.deadline)))
            for item in rounds]

    def validate_budget_max(self, field: AmountField) -> None:
        if field.data is not None and self.budget_min.data is not None and field.data < self.budget_min.data:
            raise ValidationError(_l("The upper budget must not be lower than the lower one."))

    def validate_description(self, field: TextAreaField) -> None:
        if self.publish.data and blank(field.data):
            raise ValidationError(_l("Describe the problem before posting the need (a draft may wait)."))

    def content(self) -> dict[str, Any]:
        """The form's values as need content (see ``needs.services.EDITABLE_FIELDS``)."""

        def text(field: Any) -> str | None:
            return trimmed(field.data) or None

        data = {key: text(getattr(self, key)) for key in ("desired_outcome", "timeline", "location", "contact_name",
                                                          "contact_email", "contact_phone")}
        try:
            visibility = NeedVisibility(self.visibility.data)
        except ValueError:  # the coaching preview reads forms that were not validated
            visibility = NeedVisibility.ANONYMOUS
        data.update(title=trimmed(self.title.data), description=trimmed(self.description.data),
                    sectors=list(self.sectors.data or []), budget_min=self.budget_min.data,
                    budget_max=self.budget_max.data, visibility=visibility, round_id=self.round.data or None)
        return data

    @classmethod
    def for_need(cls, need: Need) -> NeedForm:
        values: dict[str, Any] = {key: getattr(need, key) for key in EDITABLE_FIELDS}
        values["visibility"] = need.visibility.value
        values["sectors"] = [sector.slug for sector in need.sectors]
        values["round"] = need.round_id or 0
        return cls(data=values, current_round=need.round)


class CloseNeedForm(FlaskForm):
    note = TextAreaField(_l("Why are you closing the need? (optional)"), validators=[Optional(), max_length(2000)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Close the need"))


class ProposalForm(FlaskForm):
    """A firm proposes the technology on the page for one of its needs."""

    need = ChoiceSelectField(_l("For my need"), coerce=int, validators=[required()])
    note = TextAreaField(_l("Why this technology (optional)"), validators=[Optional(), max_length(2000)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Propose this technology"))

    def __init__(self, needs: list[Need], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.need.choices = [(need.id, f"{need.code} – {need.title}") for need in needs]
