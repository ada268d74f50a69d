"""The life of a technology listing: draft → submitted → published or rejected → archived.

The Technology row holds the published content. Before the first publication the owner edits that row directly;
after it, edits go into an open :class:`TechnologyRevision` so that the published version stays online until staff
approve the change. Services flush; the caller commits.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.audit import record_event
from marketplace.catalogue.urls import technology_url
from marketplace.codes import add_with_code
from marketplace.extensions import db
from marketplace.i18n import format_day
from marketplace.models import (
    INTRODUCED_STAGES,
    OPEN_REVISION_STATUSES,
    Organization,
    OrganizationKind,
    RevisionStatus,
    Role,
    Sector,
    Technology,
    TechnologyRevision,
    TechnologyStatus,
    User,
)
from marketplace.models.base import utcnow
from marketplace.notifications import notify
from marketplace.suggestions.services import technology_withdrawn
from matching.text import slugify

#: The content a researcher edits and staff review (plus "sectors", a list of slugs).
EDITABLE_FIELDS = (
    "title", "title_en", "summary", "description", "description_en", "keywords", "trl", "transfer_modes",
    "price_min", "price_max", "price_negotiable", "ip_status", "applications", "contact_name", "contact_email",
    "contact_phone", "confidential_details", "confidential_price_terms",
)
#: Fields that must be filled before a listing can be submitted.
REQUIRED_FOR_SUBMISSION = ("title", "summary", "description", "trl", "transfer_modes", "sectors")



class CatalogueError(Exception):
    """A rule of the catalogue was broken; the message is shown to the user."""


def snapshot(technology: Technology) -> dict[str, Any]:
    """The editable content of ``technology`` as plain data."""
    data = {field: getattr(technology, field) for field in EDITABLE_FIELDS}
    data["keywords"] = list(data["keywords"] or [])
    data["transfer_modes"] = list(data["transfer_modes"] or [])
    data["sectors"] = [sector.slug for sector in technology.sectors]
    return data


def apply_content(technology: Technology, data: dict[str, Any]) -> None:
    """Write content (as produced by :func:`snapshot` or a form) onto ``technology``."""
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(technology, field, data[field])
    technology.slug = slugify(technology.title or "") or "cong-nghe"
    if "sectors" in data:
        slugs = list(data["sectors"])
        with db.session.no_autoflush:  # the listing may not be complete enough to flush yet
            by_slug = {s.slug: s for s in db.session.scalars(sa.select(Sector).where(Sector.slug.in_(slugs)))}
        technology.sectors = [by_slug[slug] for slug in slugs if slug in by_slug]


def code_prefix(institute: Organization) -> str:
    """Codes of listings created on the site: ``<INSTITUTE>-<year>-<nnn>``."""
    return f"{(institute.short_name or 'VAST').upper().replace(' ', '')}-{utcnow().year}-"


def create_technology(owner: User, data: dict[str, Any], code: str | None = None) -> Technology:
    """Create a draft listing owned by ``owner`` and attributed to the owner's institute.

    :raises CatalogueError: when the owner belongs to no institute, or the code is taken.
    """
    institute = owner.organization
    if owner.role == Role.RESEARCHER and institute is None and owner.requested_organization is not None:
        raise CatalogueError(_l("Your membership of %(organization)s awaits the Department's approval: you can list "
                                "technologies once it is approved.",
                                organization=owner.requested_organization.display_name))
    if owner.role != Role.RESEARCHER or institute is None or institute.kind != OrganizationKind.INSTITUTE:
        raise CatalogueError(_l("Only researchers of an institute can list technologies."))
    code = (code or "").strip()
    if code and db.session.scalar(sa.select(Technology.id).where(Technology.code == code)) is not None:
        raise CatalogueError(_l("The code %(code)s is already used by another technology.", code=code))
    technology = Technology(institute=institute, owner=owner, status=TechnologyStatus.DRAFT, trl=data.get("trl") or 1)
    apply_content(technology, data)
    if code:
        technology.code = code
        db.session.add(technology)
        db.session.flush()
    else:
        add_with_code(technology, Technology.code, code_prefix(institute))
    record_event("technology.create", "technology", technology.id, actor=owner, to_state=TechnologyStatus.DRAFT)
    return technology


def open_revision(technology: Technology) -> TechnologyRevision | None:
    """The not-yet-submitted (or returned) revision of a published listing, if any. Revisions from before the first
    publication do not count: one returned then was answered by editing the listing itself and submitting it anew."""
    stmt = technology.revisions.select().where(TechnologyRevision.status.in_(OPEN_REVISION_STATUSES))
    if technology.published_at is not None:
        stmt = stmt.where(TechnologyRevision.created_at >= technology.published_at)
    return db.session.scalar(stmt.order_by(TechnologyRevision.id.desc()).limit(1))


def pending_revision(technology: Technology) -> TechnologyRevision | None:
    """The revision waiting in the moderation queue, if any."""
    return db.session.scalar(
        technology.revisions.select().where(TechnologyRevision.status == RevisionStatus.SUBMITTED).limit(1)
    )


def last_decision(technology: Technology) -> TechnologyRevision | None:
    """The most recent decided revision (for the owner to read the comments)."""
    return db.session.scalar(
        technology.revisions.select().where(TechnologyRevision.decided_at.is_not(None))
        .order_by(TechnologyRevision.decided_at.desc()).limit(1)
    )


def working_content(technology: Technology) -> dict[str, Any]:
    """What the owner edits: the open revision of a published listing, else the listing itself."""
    if technology.status == TechnologyStatus.PUBLISHED:
        revision = open_revision(technology)
        if revision is not None:
            return dict(revision.data)
    return snapshot(technology)


def is_editable(technology: Technology) -> bool:
    if technology.status == TechnologyStatus.PUBLISHED:
        return pending_revision(technology) is None
    return technology.status in (TechnologyStatus.DRAFT, TechnologyStatus.REJECTED)


def save_content(technology: Technology, user: User, data: dict[str, Any]) -> None:
    """Save the owner's edit: onto the listing before its first publication, into a revision after it.

    :raises CatalogueError: while the listing is under review or archived.
    """
    if not is_editable(technology):
        raise CatalogueError(_l("This technology is being reviewed or is archived and cannot be edited now."))
    if technology.status == TechnologyStatus.PUBLISHED:
        revision = open_revision(technology)
        if revision is None:
            revision = TechnologyRevision(technology=technology, status=RevisionStatus.DRAFT, author=user, data={})
            db.session.add(revision)
        revision.data = {**snapshot(technology), **data}
        revision.author = user
    else:
        apply_content(technology, data)
        if technology.status == TechnologyStatus.REJECTED:
            technology.status = TechnologyStatus.DRAFT
    db.session.flush()


def missing_for_submission(data: dict[str, Any]) -> list[str]:
    """The required fields that ``data`` leaves empty."""
    return [field for field in REQUIRED_FOR_SUBMISSION if data.get(field) in (None, "", [], 0)]


def submit_technology(technology: Technology, user: User) -> TechnologyRevision:
    """Send the listing (or the pending edit of a published one) to the moderation queue.

    :raises CatalogueError: when there is nothing to submit or required fields are empty.
    """
    now = utcnow()
    if technology.status in (TechnologyStatus.DRAFT, TechnologyStatus.REJECTED):
        data, base = snapshot(technology), {}
        revision = TechnologyRevision(technology=technology, author=user, data=data, base=base)
        db.session.add(revision)
        from_state = technology.status
        technology.status = TechnologyStatus.SUBMITTED
        technology.submitted_at = now
    elif technology.status == TechnologyStatus.PUBLISHED and (revision := open_revision(technology)) is not None:
        data = revision.data
        revision.base = snapshot(technology)
        from_state = TechnologyStatus.PUBLISHED
    else:
        raise CatalogueError(_l("There is nothing to submit for this technology."))
    missing = missing_for_submission(data)
    if missing:
        raise CatalogueError(_l("Fill in these fields before submitting: %(fields)s.",
                                fields=", ".join(str(FIELD_LABELS[field]) for field in missing)))
    revision.status = RevisionStatus.SUBMITTED
    revision.submitted_at = now
    db.session.flush()
    record_event("technology.submit", "technology", technology.id, actor=user, from_state=from_state,
                 to_state=RevisionStatus.SUBMITTED, data={"revision": revision.id})
    return revision


def archive_technology(technology: Technology, user: User) -> None:
    """Take the listing out of the catalogue for good (it stays in the database and in past matches)."""
    if technology.status == TechnologyStatus.ARCHIVED:
        raise CatalogueError(_l("This technology is already archived."))
    from_state = technology.status
    technology.status = TechnologyStatus.ARCHIVED
    for revision in db.session.scalars(technology.revisions.select().where(
            TechnologyRevision.status.in_((*OPEN_REVISION_STATUSES, RevisionStatus.SUBMITTED)))):
        revision.status = RevisionStatus.REJECTED
        revision.comment = revision.comment or str(_l("The technology was archived."))
    db.session.flush()
    if from_state == TechnologyStatus.PUBLISHED:
        technology_withdrawn(technology)
    record_event("technology.archive", "technology", technology.id, actor=user, from_state=from_state,
                 to_state=TechnologyStatus.ARCHIVED)


def after_publication(technologies: list[Technology]) -> None:
    """Work to do when technologies appear in the catalogue for the first time: tell the subscribers."""
    from marketplace.subscriptions.services import notify_subscribers

    if technologies:
        notify_subscribers(technologies)


# --- Re-confirmation -------------------------------------------------------------------------------------------

def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` shifted by whole months (the day clipped to the month's length)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def confirmation_due(technology: Technology) -> datetime | None:
    """When the listing must be re-confirmed (None for unpublished listings)."""
    confirmed = technology.confirmed_at or technology.published_at
    if confirmed is None:
        return None
    return add_months(confirmed, current_app.config["TECHNOLOGY_CONFIRM_MONTHS"])


def stale_cutoff(now: datetime | None = None) -> datetime:
    """Listings confirmed before this moment are out of date."""
    return add_months(now or utcnow(), -current_app.config["TECHNOLOGY_CONFIRM_MONTHS"])


def is_stale(technology: Technology, now: datetime | None = None) -> bool:
    due = confirmation_due(technology)
    return technology.status == TechnologyStatus.PUBLISHED and due is not None and due <= (now or utcnow())


def confirm_technology(technology: Technology, user: User) -> None:
    """The owner (or staff) confirms that the listing is still available for transfer."""
    if technology.status != TechnologyStatus.PUBLISHED:
        raise CatalogueError(_l("Only a published technology can be confirmed."))
    technology.confirmed_at = utcnow()
    technology.confirm_reminded_at = None
    db.session.flush()
    record_event("technology.confirm", "technology", technology.id, actor=user)


def send_confirmation_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Remind owners whose listing is due for re-confirmation soon, and tell those whose listing just went out of
    date. Each owner hears once per stage: ``confirm_reminded_at`` records the last message.

    :returns: (reminders sent, listings newly out of date)
    """
    now = now or utcnow()
    months = current_app.config["TECHNOLOGY_CONFIRM_MONTHS"]
    warn = timedelta(days=current_app.config["TECHNOLOGY_REMINDER_DAYS"])
    reminded = staled = 0
    published = db.session.scalars(sa.select(Technology).where(Technology.status == TechnologyStatus.PUBLISHED))
    for technology in published:
        due = add_months(technology.confirmed_at or technology.published_at or now, months)
        last = technology.confirm_reminded_at
        if due <= now and (last is None or last < due):
            # Recording the moment also re-indexes the listing, which now ranks as out of date.
            technology.confirm_reminded_at = now
            staled += 1
            if technology.owner is not None:
                notify(technology.owner, "technology.stale", link=technology_url(technology), title=technology.title)
        elif technology.owner is not None and due - warn <= now < due and (last is None or last < due - warn):
            with force_locale(technology.owner.locale):
                due_text = format_day(due)
            notify(technology.owner, "technology.confirm_due", link=technology_url(technology),
                   title=technology.title, due=due_text)
            technology.confirm_reminded_at = now
            reminded += 1
    db.session.flush()
    return reminded, staled


# --- Who sees what -----------------------------------------------------------------------------------------------

def is_match_party(user: User, technology: Technology) -> bool:
    """Whether ``user`` is a party of an approved match of this technology (its owner, or the firm of the need)."""
    from marketplace.models import Match, Need

    if not user.is_authenticated:
        return False
    if technology.owner_id == user.id:
        return True
    if user.role != Role.FIRM:
        return False
    return db.session.scalar(
        sa.select(Match.id).join(Need, Need.id == Match.need_id).where(
            Match.technology_id == technology.id,
            Match.status.in_(INTRODUCED_STAGES),
            sa.or_(Need.author_id == user.id, Need.firm_id == user.organization_id),
        ).limit(1)
    ) is not None


FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title (Vietnamese)"),
    "title_en": _l("Title (English)"),
    "summary": _l("Summary"),
    "description": _l("Description (Vietnamese)"),
    "description_en": _l("Description (English)"),
    "keywords": _l("Keywords"),
    "trl": _l("Technology readiness level (TRL)"),
    "transfer_modes": _l("Transfer modes"),
    "price_min": _l("Indicative price from (VND)"),
    "price_max": _l("Indicative price up to (VND)"),
    "price_negotiable": _l("Price negotiable"),
    "ip_status": _l("Intellectual property"),
    "applications": _l("Where it is already applied"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact email"),
    "contact_phone": _l("Contact phone"),
    "confidential_details": _l("Confidential technical details"),
    "confidential_price_terms": _l("Confidential price terms"),
    "sectors": _l("Sectors"),
}
