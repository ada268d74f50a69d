"""Subscriptions: what a firm follows, and telling it about new technologies that fit (in-app and by digest).

Services flush; the caller commits.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l

from marketplace import notifications
from marketplace.catalogue.urls import technology_url
from marketplace.extensions import db
from marketplace.mail import queue_templated_mail
from marketplace.models import Notification, Sector, Subscription, Technology, TechnologyStatus, User
from marketplace.models.base import utcnow
from marketplace.web import external_url, url_context
from matching.text import fold_diacritics

log = logging.getLogger(__name__)

NEW_TECHNOLOGY = "subscription.new_technology"
MAX_KEYWORDS = 20
MAX_KEYWORD_LENGTH = 60

_WORD = re.compile(r"\w+")


class SubscriptionError(Exception):
    """A subscription that breaks a rule; the message is shown to the user."""


# --- Matching -------------------------------------------------------------------------------------

# A word as matching sees it: its folded, lower-case letters (đ → d) and the sorted Vietnamese marks it carries (""
# when written without marks). Sorting makes "thủy" and "thuỷ" (the two tone placements in use) the same word.
_Word = tuple[str, str]


@functools.lru_cache(maxsize=50_000)
def _word(word: str) -> _Word:
    # Cached: Vietnamese has a few thousand syllables, and a big import repeats them millions of times.
    marks = "".join(sorted(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.combining(ch)))
    return fold_diacritics(word), marks


def _words(text: str | None) -> list[_Word]:
    return [_word(word) for word in _WORD.findall(unicodedata.normalize("NFC", text or "").lower())]


def _same_word(keyword: _Word, word: _Word) -> bool:
    # The marks count only when both sides carry some: "cang" finds "cảng", "cảng" finds "cang" (text typed without
    # marks), but "cảng" (port) does not find "càng" (the more) — a frequent word in Vietnamese descriptions.
    return keyword[0] == word[0] and (not keyword[1] or not word[1] or keyword[1] == word[1])


class _TechnologyText:
    """A technology's sectors and searchable fields, split into words once for all the subscriptions."""

    def __init__(self, technology: Technology) -> None:
        self.sector_ids = {sector.id for sector in technology.sectors}
        texts = [technology.title, technology.title_en, technology.summary, technology.description,
                 technology.description_en, *(technology.keywords or [])]
        # One word list per field, so that a phrase never spans two fields.
        self.fields = [words for words in map(_words, texts) if words]
        # Where each folded word occurs: a phrase is only tried where its first word is.
        self.positions: dict[str, list[tuple[int, int]]] = {}
        for field, words in enumerate(self.fields):
            for position, word in enumerate(words):
                self.positions.setdefault(word[0], []).append((field, position))
        self._found: dict[tuple[_Word, ...], bool] = {}  # subscribers often share keywords

    def contains(self, phrase: tuple[_Word, ...]) -> bool:
        found = self._found.get(phrase)
        if found is None:
            found = self._found[phrase] = self._search(phrase)
        return found

    def _search(self, phrase: tuple[_Word, ...]) -> bool:
        first, rest = phrase[0], phrase[1:]
        for field, start in self.positions.get(first[0], ()):
            words = self.fields[field]
            if (_same_word(first, words[start]) and start + len(phrase) <= len(words)
                    and all(_same_word(word, words[start + offset]) for offset, word in enumerate(rest, 1))):
                return True
        return False


class _Interest:
    """What a subscription follows, its keywords split into words once for all the technologies."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.sector_ids = {sector.id for sector in subscription.sectors}
        self.phrases = [tuple(phrase) for phrase in map(_words, subscription.keywords or []) if phrase]

    def fits(self, text: _TechnologyText) -> bool:
        return not self.sector_ids.isdisjoint(text.sector_ids) or any(map(text.contains, self.phrases))


def subscription_matches(subscription: Subscription, technology: Technology) -> bool:
    """Whether ``technology`` fits what ``subscription`` follows.

    It fits when they share a sector, or when one of the keywords occurs as a phrase of whole words in the title
    (Vietnamese or English), summary, description (either language) or keywords of the technology:

    - case and đ/d never matter;
    - a keyword, or a word of the text, written without Vietnamese marks matches every marked form: "cang bien"
      finds "Cảng biển", and "cảng biển" finds a text typed as "cang bien";
    - when both carry marks, the marks must agree (wherever the tone mark is placed: "thủy" = "thuỷ"), so that
      "cảng" (port) does not find "càng" (the more);
    - whole words only: "tau" finds "tàu" but not "tauy", and "cang" does not find "cangbien".

    :param subscription: with its sectors (loaded when needed).
    :param technology: with its sectors (loaded when needed).
    """
    return _Interest(subscription).fits(_TechnologyText(technology))


# --- Subscriptions --------------------------------------------------------------------------------

def normalize_keywords(keywords: Iterable[str]) -> list[str]:
    """Trim keywords and collapse their spaces; drop empty ones (or ones without letters or digits) and repeats
    (case-insensitively; "cảng" and "càng" are different keywords). Order is kept."""
    result: list[str] = []
    seen: set[str] = set()
    for keyword in keywords:
        keyword = " ".join(unicodedata.normalize("NFC", keyword).split())
        key = keyword.casefold()
        if _WORD.search(keyword) and key not in seen:
            seen.add(key)
            result.append(keyword)
    return result


def check_keywords(keywords: Sequence[str]) -> None:
    """:raises SubscriptionError: with too many keywords or one too long."""
    if len(keywords) > MAX_KEYWORDS:
        raise SubscriptionError(_l("Follow at most %(max)d keywords.", max=MAX_KEYWORDS))
    for keyword in keywords:
        if len(keyword) > MAX_KEYWORD_LENGTH:
            raise SubscriptionError(_l("“%(keyword)s” is too long: a keyword has at most %(max)d characters.",
                                       keyword=keyword, max=MAX_KEYWORD_LENGTH))


def find_subscription(user: User) -> Subscription | None:
    return db.session.scalar(sa.select(Subscription).where(Subscription.user_id == user.id))


def update_subscription(user: User, sectors: Sequence[Sector], keywords: Iterable[str]) -> Subscription | None:
    """Set what ``user`` follows, creating the subscription when needed.

    Following nothing (no sector, no keyword) deletes the subscription, and None is returned. A new subscription
    starts its digest now: it reports technologies published from now on, not the back catalogue.

    :param keywords: normalized here (see :func:`normalize_keywords`).
    :raises SubscriptionError: with too many keywords or one too long (see :func:`check_keywords`).
    """
    keywords = normalize_keywords(keywords)
    check_keywords(keywords)
    subscription = find_subscription(user)
    if not sectors and not keywords:
        if subscription is not None:
            db.session.delete(subscription)
            db.session.flush()
            log.info("user %s no longer follows anything", user.id)
        return None
    if subscription is None:
        subscription = Subscription(user_id=user.id, last_digest_at=utcnow())
        db.session.add(subscription)
    subscription.sectors = list(dict.fromkeys(sectors))
    subscription.keywords = keywords
    db.session.flush()
    log.info("user %s follows sectors %s and %d keywords", user.id, [s.slug for s in subscription.sectors],
             len(keywords))
    return subscription


def _active_subscriptions() -> list[Subscription]:
    """Every subscription of an active account, with its user and sectors."""
    return list(db.session.scalars(
        sa.select(Subscription)
        .join(Subscription.user)
        .where(User.active.is_(True))
        .options(so.contains_eager(Subscription.user), so.selectinload(Subscription.sectors))
        .order_by(Subscription.id)
    ))


@contextmanager
def _url_context() -> Iterator[None]:
    """Lets ``url_for`` work outside a request too (CLI, import), against ``BASE_URL``."""
    if has_request_context():
        yield
        return
    with url_context():
        yield


# --- In-app notifications -------------------------------------------------------------------------

def _already_notified(links: list[str]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for start in range(0, len(links), 500):  # keep the IN list short on big imports
        found.update(db.session.execute(
            sa.select(Notification.user_id, Notification.link).where(
                Notification.kind == NEW_TECHNOLOGY, Notification.link.in_(links[start:start + 500])
            )
        ).tuples())
    return found


def notify_subscribers(technologies: Iterable[Technology]) -> int:
    """Notify (in-app) every active subscriber that a newly published technology fits what they follow.

    No mail is sent here: the digest (:func:`send_digests`) brings them together. A user is notified of a
    technology once, even if it is passed again (e.g. when an edit of a published listing is approved).
    Works outside a request too (links are built against ``BASE_URL``).

    :param technologies: just published; those not published are skipped.
    :returns: how many notifications were created.
    """
    published = [t for t in technologies if t.status == TechnologyStatus.PUBLISHED]
    if not published:
        return 0
    subscriptions = _active_subscriptions()
    if not subscriptions:
        return 0
    with _url_context():
        links = {technology.id: technology_url(technology) for technology in published}
    interests = [_Interest(subscription) for subscription in subscriptions]
    done = _already_notified(list(links.values()))
    count = 0
    for technology in published:
        text = _TechnologyText(technology)
        link = links[technology.id]
        for interest in interests:
            user = interest.subscription.user
            if (user.id, link) in done or not interest.fits(text):
                continue
            notifications.notify(user, NEW_TECHNOLOGY, link=link, mail=False, title=technology.title)
            done.add((user.id, link))
            count += 1
    log.info("%d subscription notifications for %d technologies", count, len(published))
    return count


# --- Digest ---------------------------------------------------------------------------------------

@dataclass
class DigestItem:
    """One technology in a digest, in the reader's language."""

    title: str
    institute: str
    trl: int
    url: str


def _digest_item(technology: Technology, locale: str) -> DigestItem:
    english = locale == "en"
    institute = technology.institute
    return DigestItem(
        title=(technology.title_en if english and technology.title_en else technology.title),
        institute=(institute.name_en if english and institute.name_en else institute.display_name),
        trl=technology.trl,
        url=external_url(technology_url(technology)),
    )


def send_digests(now: datetime | None = None) -> tuple[int, int]:
    """Mail each active subscriber the technologies published since their last digest that fit what they follow.

    Each subscription covers the technologies published in (``last_digest_at``, ``now``], still published now; one
    mail per subscriber, in their language, none when nothing fits. Either way ``last_digest_at`` moves to ``now``,
    so a second run lists nothing twice. Works outside a request (links are built against ``BASE_URL``).

    :param now: the end of the period, timezone-aware (default: the current time).
    :returns: (mails queued, technologies listed in them all).
    """
    now = now or utcnow()
    subscriptions = _active_subscriptions()
    if not subscriptions:
        return 0, 0
    since = min(subscription.last_digest_at for subscription in subscriptions)
    technologies = db.session.scalars(
        sa.select(Technology)
        .where(Technology.status == TechnologyStatus.PUBLISHED, Technology.published_at > since,
               Technology.published_at <= now)
        .options(so.selectinload(Technology.sectors), so.joinedload(Technology.institute))
        .order_by(Technology.published_at, Technology.id)
    ).all()
    texts = [(technology, _TechnologyText(technology)) for technology in technologies]
    mails = listed = 0
    with _url_context():
        manage_url = external_url(url_for("subscriptions.edit"))
        for subscription in subscriptions:
            user, interest = subscription.user, _Interest(subscription)
            fitting = [technology for technology, text in texts
                       if subscription.last_digest_at < technology.published_at and interest.fits(text)]
            if fitting:
                items = [_digest_item(technology, user.locale) for technology in fitting]
                queue_templated_mail(user, "digest", _l("New technologies that match what you follow"),
                                     items=items, manage_url=manage_url)
                mails += 1
                listed += len(items)
            # NOTE: never move backwards (a run with an earlier ``now`` would list the same technologies again).
            subscription.last_digest_at = max(subscription.last_digest_at, now)
    db.session.flush()
    log.info("digest: %d mails listing %d technologies", mails, listed)
    return mails, listed
