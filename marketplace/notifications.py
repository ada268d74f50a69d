"""In-app notifications (and the same message by mail), rendered in the reader's language."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.mail import queue_templated_mail
from marketplace.models import Notification, User
from marketplace.models.base import utcnow
from marketplace.web import external_url

#: kind -> message; ``%(name)s`` placeholders are filled from the notification's params.
MESSAGES = {
    "technology.submitted": _l("The technology “%(title)s” was submitted for review."),
    "technology.published": _l("Your technology “%(title)s” has been published in the catalogue."),
    "technology.returned": _l("Your technology “%(title)s” was returned for changes. Comments: %(comment)s"),
    "technology.rejected": _l("Your technology “%(title)s” was not accepted. Reason: %(comment)s"),
    "technology.confirm_due": _l("Please confirm before %(due)s that your technology “%(title)s” is still "
                                 "available for transfer; otherwise it will be marked as out of date."),
    "technology.stale": _l("Your technology “%(title)s” has not been confirmed for a year and is now marked as out "
                           "of date. Confirm it to restore its place in the catalogue."),
    "subscription.new_technology": _l("A newly published technology matches what you follow: “%(title)s”."),
    "match.introduced": _l("The Department introduces the need “%(need)s” and the technology “%(technology)s” to "
                           "each other. Please accept or decline the introduction."),
    "match.meeting_scheduled": _l("A meeting is scheduled between the need “%(need)s” and the technology "
                                  "“%(technology)s”."),
    "match.agreement_signed": _l("Agreement signed between the need “%(need)s” and the technology “%(technology)s”. "
                                 "Congratulations!"),
    "match.closed_no_deal": _l("The match between the need “%(need)s” and the technology “%(technology)s” was "
                               "closed without a deal."),
    "match.firm_accepted": _l("The firm accepted the introduction between the need “%(need)s” and the technology "
                              "“%(technology)s”."),
    "match.researcher_accepted": _l("The researcher accepted the introduction between the need “%(need)s” and the "
                                    "technology “%(technology)s”."),
    "match.firm_declined": _l("The firm declined the introduction between the need “%(need)s” and the technology "
                              "“%(technology)s”. The reason is on the match's page."),
    "match.researcher_declined": _l("The researcher declined the introduction between the need “%(need)s” and the "
                                    "technology “%(technology)s”. The reason is on the match's page."),
    "match.check_in": _l("%(months)s months since the introduction between the need “%(need)s” and the technology "
                         "“%(technology)s”, and no outcome yet: please check in with the parties."),
}


def render(notification: Notification) -> str:
    """The notification's text in the current language."""
    message = MESSAGES.get(notification.kind)
    if message is None:
        return notification.kind
    return str(message) % (notification.params or {})


def notify(user: User, kind: str, *, link: str | None = None, mail: bool = True, **params: Any) -> Notification:
    """Record a notification for ``user`` and, unless ``mail`` is false, queue the same message by mail.

    :param kind: a key of :data:`MESSAGES`.
    :param link: a path on this site that the notification leads to.
    """
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link, created_at=utcnow())
    # No flush here: many notifications (an import) are then written in one batch by the next flush.
    db.session.add(notification)
    if mail:
        with force_locale(user.locale):
            text = render(notification)
        queue_templated_mail(user, "notification", _l("News from the Hai Phong Technology Marketplace"),
                             message=text, link=external_url(link or "/"))
    return notification


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``notification_ids`` is None); returns how many."""
    stmt = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount or 0
