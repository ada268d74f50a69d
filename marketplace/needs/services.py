"""The life of a firm's need (draft → open → matched / closed), who sees what of it, and firms' proposals.

Visibility is decided here and nowhere else: pages, the API and exports ask :func:`visible_needs` and
:func:`firm_is_visible`. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from marketplace.audit import record_event
from marketplace.codes import add_with_code
from marketplace.extensions import db
from marketplace.models import (
    INTRODUCED_STAGES,
    Match,
    MatchOrigin,
    MatchStatus,
    Need,
    NeedStatus,
    NeedVisibility,
    OrganizationKind,
    Role,
    Round,
    Sector,
    Technology,
    TechnologyStatus,
    User,
)
from marketplace.models.base import utcnow
from marketplace.rounds.services import RoundError, check_submission
from matching.text import blank

#: What a firm edits on its need (plus "sectors", a list of slugs).
EDITABLE_FIELDS = (
    "title", "description", "desired_outcome", "budget_min", "budget_max", "timeline", "location", "visibility",
    "contact_name", "contact_email", "contact_phone",
)
#: Statuses other users may see (a draft is its author's alone).
LISTED_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.CLOSED)
#: Statuses in which a need takes suggestions and proposals.
ACTIVE_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED)
#: A description shorter than this many words rarely tells an institute enough (coaching, not a rule).
COACH_MIN_DESCRIPTION_WORDS = 30


class NeedError(Exception):
    """A rule about needs was broken; the message is shown to the user."""


def _is_staff(user: Any) -> bool:
    return user.is_authenticated and user.role in (Role.STAFF, Role.ADMIN)


def is_author(user: Any, need: Need) -> bool:
    return user.is_authenticated and need.author_id is not None and need.author_id == user.id


def is_introduced(user: Any, need: Need) -> bool:
    """Whether ``user`` owns a technology that staff introduced to this need (an approved match or later)."""
    if not user.is_authenticated or user.role != Role.RESEARCHER:
        return False
    return db.session.scalar(
        sa.select(Match.id).join(Technology, Technology.id == Match.technology_id).where(
            Match.need_id == need.id, Match.status.in_(INTRODUCED_STAGES), Technology.owner_id == user.id,
        ).limit(1)
    ) is not None


def can_view(user: Any, need: Need) -> bool:
    """Staff and the author see every need; others see listed needs that are not for the Department only."""
    if _is_staff(user) or is_author(user, need):
        return True
    return need.status in LISTED_STATUSES and need.visibility != NeedVisibility.STAFF


def can_edit(user: Any, need: Need) -> bool:
    return user.is_authenticated and user.role == Role.FIRM and is_author(user, need) \
        and need.status != NeedStatus.CLOSED


def can_manage(user: Any, need: Need) -> bool:
    """Opening, closing, and reading the suggestions with their scores: the author and staff."""
    return _is_staff(user) or is_author(user, need)


def firm_is_visible(user: Any, need: Need) -> bool:
    """Whether ``user`` may see which firm posted the need, and its contact."""
    if _is_staff(user) or is_author(user, need):
        return True
    if not can_view(user, need):
        return False
    return need.visibility == NeedVisibility.PUBLIC or is_introduced(user, need)


def visible_needs(user: Any) -> sa.Select:
    """The needs ``user`` may see in lists, as a statement to filter, order and paginate."""
    stmt = sa.select(Need)
    if _is_staff(user):
        return stmt.where(Need.status != NeedStatus.DRAFT)
    visible = sa.and_(Need.status.in_(LISTED_STATUSES), Need.visibility != NeedVisibility.STAFF)
    if user.is_authenticated:
        visible = sa.or_(visible, Need.author_id == user.id)
    return stmt.where(visible)


def code_prefix() -> str:
    """Codes of needs posted on the site: ``NC-<year>-<nnn>``."""
    return f"NC-{utcnow().year}-"


def snapshot(need: Need) -> dict[str, Any]:
    data = {field: getattr(need, field) for field in EDITABLE_FIELDS}
    data["sectors"] = [sector.slug for sector in need.sectors]
    return data


def _apply(need: Need, data: dict[str, Any]) -> None:
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(need, field, data[field])
    if "sectors" in data:
        slugs = list(data["sectors"])
        with db.session.no_autoflush:
            by_slug = {s.slug: s for s in db.session.scalars(sa.select(Sector).where(Sector.slug.in_(slugs)))}
        need.sectors = [by_slug[slug] for slug in slugs if slug in by_slug]


def _set_round(need: Need, data: dict[str, Any], *, publishing: bool) -> None:
    """Put the need in the round ``data["round_id"]`` (None: no round). Entering a round, or posting a draft in
    one, is a submission: refused outside the round's dates. A posted need stays in its round after the deadline."""
    if "round_id" not in data:
        return
    proposal_round = db.session.get(Round, data["round_id"]) if data["round_id"] else None
    if proposal_round is not None and (publishing or need.round_id != proposal_round.id):
        try:
            check_submission(proposal_round)
        except RoundError as exc:
            raise NeedError(exc.message) from None
    need.round = proposal_round


def create_need(author: User, data: dict[str, Any], *, publish: bool) -> Need:
    """A new need of the author's firm, open at once when ``publish`` (else a draft).

    :raises NeedError: when the author is not a firm's member.
    """
    firm = author.organization
    if author.role == Role.FIRM and firm is None and author.requested_organization is not None:
        raise NeedError(_l("Your membership of %(organization)s awaits the Department's approval: you can post needs "
                           "once it is approved.", organization=author.requested_organization.display_name))
    if author.role != Role.FIRM or firm is None or firm.kind != OrganizationKind.FIRM:
        raise NeedError(_l("Only members of a firm can post needs."))
    need = Need(firm=firm, author=author, status=NeedStatus.DRAFT)
    _apply(need, data)
    _set_round(need, data, publishing=publish)
    add_with_code(need, Need.code, code_prefix())
    record_event("need.create", "need", need.id, actor=author, to_state=NeedStatus.DRAFT)
    if publish:
        open_need(need, author)
    return need


def update_need(need: Need, user: User, data: dict[str, Any], *, publish: bool) -> None:
    """Save the author's changes (and open a draft when ``publish``).

    :raises NeedError: when the need is closed.
    """
    if need.status == NeedStatus.CLOSED:
        raise NeedError(_l("This need is closed. Reopen it before editing."))
    if need.status != NeedStatus.DRAFT and (blank(data.get("title", need.title))
                                            or blank(data.get("description", need.description))):
        raise NeedError(_l("A posted need keeps a title and a description: they cannot be left empty."))
    _apply(need, data)
    _set_round(need, data, publishing=publish and need.status == NeedStatus.DRAFT)
    db.session.flush()
    record_event("need.update", "need", need.id, actor=user)
    if publish and need.status == NeedStatus.DRAFT:
        open_need(need, user)


def open_need(need: Need, user: User) -> None:
    """Open a draft or reopen a closed need, so that it is listed and matched."""
    if need.status not in (NeedStatus.DRAFT, NeedStatus.CLOSED):
        raise NeedError(_l("This need is already open."))
    if blank(need.title) or blank(need.description):
        raise NeedError(_l("A need needs a title and a description before it can be opened."))
    try:  # posting a draft, or reopening a closed need, submits it to its round again
        check_submission(need.round)
    except RoundError as exc:
        raise NeedError(exc.message) from None
    previous = need.status
    need.status = NeedStatus.OPEN
    need.closed_at = None
    db.session.flush()
    record_event("need.open", "need", need.id, actor=user, from_state=previous, to_state=NeedStatus.OPEN)


def close_need(need: Need, user: User, note: str | None = None) -> None:
    """Close a need: it is no longer matched; suggestions nobody decided on are withdrawn, decided ones stay."""
    if need.status == NeedStatus.CLOSED:
        raise NeedError(_l("This need is already closed."))
    previous = need.status
    need.status = NeedStatus.CLOSED
    need.closed_at = utcnow()
    db.session.execute(sa.delete(Match).where(Match.need_id == need.id, Match.status == MatchStatus.SUGGESTED,
                                              Match.origin == MatchOrigin.MATCHER))
    db.session.flush()
    record_event("need.close", "need", need.id, actor=user, from_state=previous, to_state=NeedStatus.CLOSED,
                 note=note)


def proposable_needs(user: User) -> list[Need]:
    """The author's needs a technology can be proposed for."""
    if not user.is_authenticated or user.role != Role.FIRM:
        return []
    return list(db.session.scalars(sa.select(Need).where(Need.author_id == user.id,
                                                         Need.status.in_(ACTIVE_STATUSES))
                                   .order_by(Need.updated_at.desc(), Need.id.desc())))


def propose_technology(need: Need, technology: Technology, user: User, note: str | None) -> Match:
    """A firm proposes a catalogue technology for one of its needs ("đề xuất lựa chọn công nghệ").

    The proposal is a match of origin ``firm`` that staff review like a suggestion. A pending suggestion of the
    matcher for the same pair becomes the firm's proposal (keeping the matcher's score and explanation); one staff
    put forward stays theirs.

    :raises NeedError: when the need is not the user's active need, the technology is not published, or the pair
        was already proposed or decided.
    """
    if not is_author(user, need) or need.status not in ACTIVE_STATUSES:
        raise NeedError(_l("You can propose technologies only for your own open needs."))
    if technology.status != TechnologyStatus.PUBLISHED:
        raise NeedError(_l("Only technologies published in the catalogue can be proposed."))
    match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id, Match.technology_id == technology.id))
    if match is not None and match.origin == MatchOrigin.FIRM:
        raise NeedError(_l("You already proposed this technology for this need."))
    if match is not None and match.status != MatchStatus.SUGGESTED:
        raise NeedError(_l("The Department has already reviewed this technology for this need."))
    if match is not None and match.origin == MatchOrigin.STAFF:
        raise NeedError(_l("The Department has already put this technology forward for this need: it is being "
                           "reviewed."))
    try:
        check_submission(need.round)
    except RoundError as exc:
        raise NeedError(exc.message) from None
    if match is None:
        match = Match(need=need, technology=technology, status=MatchStatus.SUGGESTED)
        db.session.add(match)
    match.origin = MatchOrigin.FIRM
    match.round_id = need.round_id
    match.proposed_by = user
    match.note = note
    db.session.flush()
    record_event("match.propose", "match", match.id, actor=user, to_state=MatchStatus.SUGGESTED, note=note,
                 data={"need": need.code, "technology": technology.code})
    return match


def matches_for(user: Any, need: Need) -> list[Match]:
    """The need's matches as ``user`` may see them, best first: staff see every one, the author all but those
    staff turned down."""
    stmt = (sa.select(Match).where(Match.need_id == need.id)
            .options(so.joinedload(Match.technology).options(so.joinedload(Technology.institute),
                                                             so.selectinload(Technology.sectors)))
            .order_by(Match.score.desc().nulls_last(), Match.id))
    if not _is_staff(user):
        stmt = stmt.where(*_SHOWN_TO_FIRMS)
    return list(db.session.scalars(stmt).unique())


#: The matches a need's firm sees: not turned down, of a technology still in the catalogue.
_SHOWN_TO_FIRMS = (Match.status != MatchStatus.REJECTED,
                   Match.technology.has(Technology.status == TechnologyStatus.PUBLISHED))


def suggestion_counts(user: User) -> dict[int, int]:
    """need id -> how many matches of the author's needs the author sees (see :func:`matches_for`)."""
    rows = db.session.execute(
        sa.select(Match.need_id, sa.func.count()).join(Need, Need.id == Match.need_id)
        .where(Need.author_id == user.id, *_SHOWN_TO_FIRMS).group_by(Match.need_id))
    return {need_id: count for need_id, count in rows}


@dataclass(frozen=True)
class Hint:
    """Advice on a need being written: the field it concerns and what to do."""

    field: str
    message: str


def coaching_hints(data: dict[str, Any]) -> list[Hint]:
    """What the firm could add so that institutes understand the need and the matcher finds better technologies."""
    hints = []
    if not (data.get("title") or "").strip():
        hints.append(Hint("title", _l("Give the need a short title that names the problem.")))
    words = len((data.get("description") or "").split())
    if words == 0:
        hints.append(Hint("description", _l("Describe the problem in your own words: what happens today, what it "
                                            "costs you, what you have already tried.")))
    elif words < COACH_MIN_DESCRIPTION_WORDS:
        hints.append(Hint("description", _l("The description has %(count)d words. Around %(target)d or more "
                                            "(figures, equipment, constraints) help institutes judge the fit.",
                                            count=words, target=COACH_MIN_DESCRIPTION_WORDS)))
    if not data.get("sectors"):
        hints.append(Hint("sectors", _l("Choose at least one sector: technologies of the same sector rank "
                                        "higher.")))
    if not (data.get("desired_outcome") or "").strip():
        hints.append(Hint("desired_outcome", _l("Say what result you expect, with figures if you can (capacity, "
                                                "accuracy, savings).")))
    if data.get("budget_min") is None and data.get("budget_max") is None:
        hints.append(Hint("budget_min", _l("An indicative budget tells institutes which solutions are realistic.")))
    if not (data.get("timeline") or "").strip():
        hints.append(Hint("timeline", _l("Say when you would like to start or finish.")))
    if not (data.get("location") or "").strip():
        hints.append(Hint("location", _l("Say where the technology would be deployed (ward or industrial zone).")))
    return hints
