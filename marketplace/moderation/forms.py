from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from marketplace.forms import ChoiceRadioField, ChoiceSelectField, max_length, required
from marketplace.moderation.services import DECISION_LABELS, MAX_SCORE, RUBRIC, Decision


class ReviewForm(FlaskForm):
    """The rubric (one 0–5 score per criterion), the decision and the written comment."""

    completeness = ChoiceSelectField(RUBRIC["completeness"], coerce=int)
    clarity = ChoiceSelectField(RUBRIC["clarity"], coerce=int)
    readiness = ChoiceSelectField(RUBRIC["readiness"], coerce=int)
    transfer_fit = ChoiceSelectField(RUBRIC["transfer_fit"], coerce=int)
    decision = ChoiceRadioField(_l("Decision"), validators=[required()],
                                choices=[(d.value, label) for d, label in DECISION_LABELS.items()])
    comment = TextAreaField(_l("Comments to the owner"), validators=[max_length(5000)], render_kw={"rows": 4},
                            description=_l("Required when returning or rejecting; the owner reads them."))
    submit = SubmitField(_l("Record the decision"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RUBRIC:
            getattr(self, name).choices = [(score, str(score)) for score in range(MAX_SCORE + 1)]

    def scores(self) -> dict[str, int]:
        return {name: getattr(self, name).data for name in RUBRIC}

    def decision_value(self) -> Decision:
        return Decision(self.decision.data)
