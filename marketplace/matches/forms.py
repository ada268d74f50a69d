"""Forms of the match lifecycle: deciding from the queue, moving a match, a party's answer."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from marketplace.forms import (
    AmountField,
    ChoiceRadioField,
    ChoiceSelectField,
    DayField,
    Optional,
    max_length,
    required,
)
from marketplace.i18n_labels import DECLINE_REASON_LABELS, MATCH_STATUS_LABELS, TRANSFER_MODE_LABELS
from marketplace.matches.lifecycle import Outcome
from marketplace.models import DeclineReason, MatchStatus, TransferMode


def _reason_choices(blank: bool) -> list[tuple[str, Any]]:
    choices = [(reason.value, label) for reason, label in DECLINE_REASON_LABELS.items()]
    return ([("", _l("— choose —"))] if blank else []) + choices


class DecideForm(FlaskForm):
    """Approve or reject the matches ticked in the queue (their ids come as ``match`` values)."""

    reason = TextAreaField(_l("Reason or note (required to reject)"), validators=[Optional(), max_length(2000)],
                           render_kw={"rows": 2})
    approve = SubmitField(_l("Approve and introduce"))
    reject = SubmitField(_l("Do not pursue"))


class MoveForm(FlaskForm):
    """Staff move a match to another stage; what the stage needs is checked by the lifecycle."""

    to = ChoiceSelectField(_l("Move to"), validators=[required()])
    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(2000)], render_kw={"rows": 2},
                         description=_l("Required to reject a match, and to explain an “other” reason."))
    reason = ChoiceSelectField(_l("Reason, when closing without a deal"), validators=[Optional()])
    transfer_mode = ChoiceSelectField(_l("Transfer mode, when an agreement is signed"), validators=[Optional()])
    contract_value = AmountField(_l("Contract value (VND)"), validators=[Optional()])
    signed_on = DayField(_l("Date of signature"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, moves: tuple[MatchStatus, ...], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.to.choices = [("", _l("— choose —"))] + [(status.value, MATCH_STATUS_LABELS[status]) for status in moves]
        self.reason.choices = _reason_choices(blank=True)
        self.transfer_mode.choices = [("", _l("— choose —"))] + [
            (mode.value, label) for mode, label in TRANSFER_MODE_LABELS.items()]

    def target(self) -> MatchStatus:
        return MatchStatus(self.to.data)

    def outcome(self) -> Outcome:
        return Outcome(note=(self.note.data or "").strip() or None,
                       reason=DeclineReason(self.reason.data) if self.reason.data else None,
                       transfer_mode=TransferMode(self.transfer_mode.data) if self.transfer_mode.data else None,
                       contract_value=self.contract_value.data, signed_on=self.signed_on.data)


class RespondForm(FlaskForm):
    """A party accepts or declines an introduction; a decline says why."""

    reason = ChoiceRadioField(_l("If you decline, why?"), validators=[Optional()])
    comment = TextAreaField(_l("Comment (required for “Other reason”)"), validators=[Optional(), max_length(2000)],
                            render_kw={"rows": 2})
    accept = SubmitField(_l("Accept the introduction"))
    decline = SubmitField(_l("Decline"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = _reason_choices(blank=False)

    def decline_reason(self) -> DeclineReason | None:
        return DeclineReason(self.reason.data) if self.reason.data else None
