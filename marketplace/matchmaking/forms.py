"""Forms of matchmaking sessions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import NumberRange

from marketplace.forms import (
    AmountField,
    ChoiceSelectField,
    ClockField,
    DayField,
    Optional,
    WholeNumberField,
    max_length,
    required,
)
from marketplace.i18n_labels import DECLINE_REASON_LABELS, MEETING_OUTCOME_LABELS, TRANSFER_MODE_LABELS
from marketplace.matches.lifecycle import Outcome
from marketplace.matchmaking.services import MAX_SLOTS, MAX_TABLES, EventPlan
from marketplace.models import DeclineReason, MeetingOutcome, TransferMode
from marketplace.rounds.services import all_rounds


class EventForm(FlaskForm):
    name = StringField(_l("Name of the session"), validators=[required(), max_length(200)],
                       description=_l("e.g. Technology matchmaking session – Techfest Hai Phong 2026"))
    held_on = DayField(_l("Date"), validators=[required()])
    place = StringField(_l("Place"), validators=[required(), max_length(300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), max_length(5000)], render_kw={"rows": 2})
    round = ChoiceSelectField(_l("Proposal round"), coerce=int, default=0)
    first_start = ClockField(_l("First meeting starts at"), validators=[required()], default=None)
    minutes = WholeNumberField(_l("Length of a meeting (minutes)"), default=30,
                           validators=[required(), NumberRange(5, 240, message=_l("From 5 to 240 minutes."))])
    break_minutes = WholeNumberField(_l("Break between meetings (minutes)"), default=5,
                                 validators=[Optional(), NumberRange(0, 120, message=_l("From 0 to 120 minutes."))])
    slots = WholeNumberField(_l("Number of time slots"), default=8,
                         validators=[required(), NumberRange(1, MAX_SLOTS, message=_l("From 1 to %(max)d.",
                                                                                      max=MAX_SLOTS))])
    tables = WholeNumberField(_l("Number of tables"), default=6,
                          validators=[required(), NumberRange(1, MAX_TABLES, message=_l("From 1 to %(max)d.",
                                                                                        max=MAX_TABLES))])
    submit = SubmitField(_l("Create the session"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round.choices = [(0, _l("No round"))] + [(item.id, item.name) for item in all_rounds()]

    def plan(self) -> EventPlan:
        return EventPlan(name=self.name.data.strip(), held_on=self.held_on.data, place=self.place.data.strip(),
                         description=(self.description.data or "").strip() or None, round_id=self.round.data or None,
                         first_start=self.first_start.data, minutes=self.minutes.data, slots=self.slots.data,
                         tables=self.tables.data, break_minutes=self.break_minutes.data or 0)


class PlaceForm(FlaskForm):
    """Put one meeting at a slot and a table (both empty: off the plan)."""

    slot = ChoiceSelectField(_l("Time slot"), coerce=int, default=0)
    table = ChoiceSelectField(_l("Table"), coerce=int, default=0)
    submit = SubmitField(_l("Move"))

    def __init__(self, slots: list[tuple[int, str]], tables: list[tuple[int, str]], *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slot.choices = [(0, "—")] + slots
        self.table.choices = [(0, "—")] + tables


class OutcomeForm(FlaskForm):
    """What came of a meeting; a signed agreement needs its terms, no deal its reason."""

    result = ChoiceSelectField(_l("Outcome"), validators=[required()])
    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(2000)], render_kw={"rows": 2})
    reason = ChoiceSelectField(_l("Reason, when closing without a deal"), validators=[Optional()])
    transfer_mode = ChoiceSelectField(_l("Transfer mode, when an agreement is signed"), validators=[Optional()])
    contract_value = AmountField(_l("Contract value (VND)"), validators=[Optional()])
    signed_on = DayField(_l("Date of signature"), validators=[Optional()])
    submit = SubmitField(_l("Record the outcome"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.result.choices = [("", _l("— choose —"))] + [(value.value, label) for value, label in
                                                           MEETING_OUTCOME_LABELS.items()]
        self.reason.choices = [("", _l("— choose —"))] + [(r.value, label) for r, label in
                                                           DECLINE_REASON_LABELS.items()]
        self.transfer_mode.choices = [("", _l("— choose —"))] + [(m.value, label) for m, label in
                                                                  TRANSFER_MODE_LABELS.items()]

    def outcome(self) -> tuple[MeetingOutcome, Outcome]:
        return MeetingOutcome(self.result.data), Outcome(
            note=(self.note.data or "").strip() or None,
            reason=DeclineReason(self.reason.data) if self.reason.data else None,
            transfer_mode=TransferMode(self.transfer_mode.data) if self.transfer_mode.data else None,
            contract_value=self.contract_value.data, signed_on=self.signed_on.data)


class InviteForm(FlaskForm):
    """Invite the matches ticked in the list (their ids come as ``match`` values)."""

    submit = SubmitField(_l("Invite the selected matches"))


class PlanForm(FlaskForm):
    submit = SubmitField(_l("Plan automatically"))
