"""Reviewing listings: a four-criterion rubric whose total decides which decisions are open, then the decision."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.audit import record_event
from marketplace.catalogue.services import EDITABLE_FIELDS, FIELD_LABELS, after_publication, apply_content
from marketplace.catalogue.urls import technology_url
from marketplace.extensions import db
from marketplace.models import RevisionStatus, Technology, TechnologyRevision, TechnologyStatus, User
from marketplace.models.base import utcnow
from marketplace.notifications import notify
from marketplace.suggestions.services import technologies_changed
from matching.text import trimmed

#: criterion -> label; each is scored 0–5.
RUBRIC = {
    "completeness": _l("Completeness: every field a firm needs is filled in"),
    "clarity": _l("Clarity: a firm understands what the technology does and what it takes"),
    "readiness": _l("Readiness evidence: the TRL is backed by pilots, applications or tests"),
    "transfer_fit": _l("Fit for transfer: modes, price and IP make a transfer possible"),
}
MAX_SCORE = 5


class Decision(StrEnum):
    PUBLISH = "publish"
    RETURN = "return"
    REJECT = "reject"


DECISION_LABELS = {
    Decision.PUBLISH: _l("Publish"),
    Decision.RETURN: _l("Return for changes"),
    Decision.REJECT: _l("Reject"),
}


class ModerationError(Exception):
    """The decision breaks a rule; the message is shown to the reviewer."""


def queue_query() -> sa.Select:
    """Revisions waiting for review, oldest first."""
    return (
        sa.select(TechnologyRevision)
        .where(TechnologyRevision.status == RevisionStatus.SUBMITTED)
        .options(so.joinedload(TechnologyRevision.technology).joinedload(Technology.institute),
                 so.joinedload(TechnologyRevision.author))
        .order_by(TechnologyRevision.submitted_at.asc(), TechnologyRevision.id.asc())
    )


def allowed_decisions(total: int) -> list[Decision]:
    """The decisions the rubric total allows: publish from ``MODERATION_PUBLISH_MIN``, reject under
    ``MODERATION_REJECT_BELOW``; returning for changes is always possible."""
    allowed = [Decision.RETURN]
    if total >= current_app.config["MODERATION_PUBLISH_MIN"]:
        allowed.insert(0, Decision.PUBLISH)
    if total < current_app.config["MODERATION_REJECT_BELOW"]:
        allowed.append(Decision.REJECT)
    return allowed


def recommended_decision(total: int) -> Decision:
    allowed = allowed_decisions(total)
    return Decision.PUBLISH if Decision.PUBLISH in allowed else (
        Decision.REJECT if Decision.REJECT in allowed else Decision.RETURN)


@dataclass
class FieldChange:
    field: str
    label: Any
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return (self.before or None) != (self.after or None)


def diff(revision: TechnologyRevision) -> list[FieldChange]:
    """Every reviewable field, before (the published content, or nothing) and after (the submitted content)."""
    base, data = revision.base or {}, revision.data or {}
    return [FieldChange(field, FIELD_LABELS[field], base.get(field), data.get(field))
            for field in ("sectors", *EDITABLE_FIELDS)]


def decide(revision: TechnologyRevision, reviewer: User, scores: dict[str, int], decision: Decision,
           comment: str) -> None:
    """Record the rubric scores and the decision; publish, return or reject; tell the owner.

    :raises ModerationError: if the revision is no longer waiting, a score is out of range, the decision is not
        allowed by the total, or a return/rejection has no comment.
    """
    if revision.status != RevisionStatus.SUBMITTED:
        raise ModerationError(_l("This submission has already been decided."))
    if set(scores) != set(RUBRIC) or any(not 0 <= score <= MAX_SCORE for score in scores.values()):
        raise ModerationError(_l("Score every criterion from 0 to 5."))
    total = sum(scores.values())
    if decision not in allowed_decisions(total):
        raise ModerationError(_l("A total of %(total)d does not allow this decision: publish needs at least "
                                 "%(publish)d, reject less than %(reject)d.", total=total,
                                 publish=current_app.config["MODERATION_PUBLISH_MIN"],
                                 reject=current_app.config["MODERATION_REJECT_BELOW"]))
    comment = trimmed(comment)
    if decision != Decision.PUBLISH and not comment:
        raise ModerationError(_l("Write a comment so that the owner knows what to change or why."))

    now = utcnow()
    # Claim the submission: of two reviewers deciding at once, only one updates the row.
    claimed = db.session.execute(
        sa.update(TechnologyRevision)
        .where(TechnologyRevision.id == revision.id, TechnologyRevision.status == RevisionStatus.SUBMITTED,
               TechnologyRevision.decided_at.is_(None))
        .values(decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ModerationError(_l("This submission has already been decided."))
    technology = revision.technology
    from_state = technology.status
    revision.scores, revision.score_total = dict(scores), total
    revision.decided_by, revision.decided_at, revision.comment = reviewer, now, comment or None
    first_publication = False
    if decision == Decision.PUBLISH:
        apply_content(technology, revision.data)
        first_publication = technology.published_at is None
        technology.status = TechnologyStatus.PUBLISHED
        technology.published_at = technology.published_at or now
        technology.confirmed_at, technology.confirm_reminded_at = now, None
        technology.rejection_reason = None
        revision.status = RevisionStatus.PUBLISHED
        kind = "technology.published"
    elif decision == Decision.RETURN:
        revision.status = RevisionStatus.RETURNED
        if technology.status == TechnologyStatus.SUBMITTED:
            technology.status = TechnologyStatus.DRAFT
            technology.rejection_reason = comment
        kind = "technology.returned"
    else:
        revision.status = RevisionStatus.REJECTED
        if technology.status == TechnologyStatus.SUBMITTED:
            technology.status = TechnologyStatus.REJECTED
            technology.rejection_reason = comment
        kind = "technology.rejected"
    db.session.flush()
    record_event(f"technology.{decision.value}", "technology", technology.id, actor=reviewer,
                 from_state=from_state, to_state=technology.status, note=comment or None,
                 data={"revision": revision.id, "scores": scores, "total": total})
    if technology.owner is not None:
        notify(technology.owner, kind, link=technology_url(technology), title=technology.title,
               comment=comment or "")
    if first_publication:
        after_publication([technology])
    if decision == Decision.PUBLISH:
        technologies_changed([technology])
