"""Language selection and locale-aware formatting (dates come from Flask-Babel's filters, money from here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations, ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

SESSION_KEY = "locale"


def supported(locale: str | None) -> bool:
    return locale in current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The signed-in user's language, else the visitor's session choice, else Vietnamese (also for the CLI)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and supported(current_user.locale):
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if supported(chosen):
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def city_zone() -> ZoneInfo:
    """The city's time zone (``BABEL_DEFAULT_TIMEZONE``, Asia/Ho_Chi_Minh): dates people type and read are in it."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def day_start(day: date, zone: tzinfo | None = None) -> datetime:
    """Midnight at the start of ``day`` in ``zone`` (the city's by default), as a UTC moment."""
    return datetime.combine(day, time.min, tzinfo=zone or city_zone()).astimezone(UTC)


def city_today() -> date:
    """Today in Hai Phong (from 00:00 to 07:00 there, the UTC date is still yesterday's)."""
    return datetime.now(city_zone()).date()


def format_vnd(amount: int | float | None) -> str:
    """An amount in Vietnamese dong in the current locale: ``1.500.000 ₫`` (vi), ``₫1,500,000`` (en)."""
    if amount is None:
        return ""
    return format_currency(amount, "VND", locale=_locale())


def format_vnd_range(low: int | None, high: int | None) -> str:
    """A VND range, or one bound, or the empty string."""
    if low is not None and high is not None and low != high:
        return f"{format_vnd(low)} – {format_vnd(high)}"
    return format_vnd(low if low is not None else high)


# How an official letter writes dates in each language; times are shown in Hai Phong's time zone.
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}


def _locale() -> str:
    return str(get_locale() or "vi")


def format_day(value: datetime | None) -> str:
    """A date: ``06/03/2026`` (vi), ``6 Mar 2026`` (en)."""
    return "" if value is None else format_date(value, DATE_PATTERNS.get(_locale(), DATE_PATTERNS["en"]))


def format_moment(value: datetime | None) -> str:
    """A date and time in Hai Phong's time zone: ``03:30 06/03/2026`` (vi), ``6 Mar 2026, 03:30`` (en)."""
    return "" if value is None else format_datetime(value, DATETIME_PATTERNS.get(_locale(), DATETIME_PATTERNS["en"]))


def format_clock(value: datetime | None) -> str:
    """A time of day in Hai Phong's time zone: ``08:30``."""
    return "" if value is None else format_datetime(value, "HH:mm")


def format_time_left(value: timedelta | None) -> str:
    """A time still to run, counted in days down to two, then hours, then minutes: ``12 ngày``, ``5 giờ`` (vi);
    ``12 days`` (en). Weeks or months would be too coarse for a deadline."""
    if value is None:
        return ""
    if value >= timedelta(days=2):
        return ngettext("%(num)d day", "%(num)d days", value.days)
    if value >= timedelta(hours=2):
        return ngettext("%(num)d hour", "%(num)d hours", int(value.total_seconds() // 3600))
    return ngettext("%(num)d minute", "%(num)d minutes", max(1, int(value.total_seconds() // 60)))


def _lazy_string_as_text(self: LazyString) -> Markup:
    return escape(str(self))


# NOTE: Flask-Babel's lazy strings present themselves to templates as ready HTML (`__html__` returns the text as it
# is), so a message built as `lazy_gettext("… “%(value)s” …", value=…)` from what a user sent reached pages
# unescaped. None of our messages holds markup: they are escaped like any text.
LazyString.__html__ = _lazy_string_as_text


def _translations() -> NullTranslations:
    """Flask-Babel's translations for the request's language, found once per request and language.

    Flask-Babel finds them again for every message (context, domain, locale and cache lookups: ~10 µs), and a page
    shows 30 to 60 messages. Keyed by the locale object Flask-Babel holds for the request, which ``force_locale``
    and ``refresh`` replace, so a message rendered under another language is still translated into it."""
    if not has_app_context():
        return get_translations()
    request_globals = g._get_current_object()  # type: ignore[attr-defined]
    locale = getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None)
    found = getattr(request_globals, "_translations", None)
    if locale is not None and found is not None and found[0] is locale:
        return found[1]
    translations = get_translations()  # (also makes Flask-Babel hold the request's locale)
    request_globals._translations = (request_globals._flask_babel.babel_locale, translations)
    return translations


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda message: _translations().ugettext(message),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, message: _translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(context, singular, plural, n),
        newstyle=True)
    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["vnd_range"] = format_vnd_range
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["time_left"] = format_time_left
    app.jinja_env.filters["clock"] = format_clock

    from marketplace import i18n_labels

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {
            "languages": app.config["LANGUAGES"],
            "current_locale": _locale(),
            "role_labels": i18n_labels.ROLE_LABELS,
            "organization_kind_labels": i18n_labels.ORGANIZATION_KIND_LABELS,
            "technology_status_labels": i18n_labels.TECHNOLOGY_STATUS_LABELS,
            "revision_status_labels": i18n_labels.REVISION_STATUS_LABELS,
            "transfer_mode_labels": i18n_labels.TRANSFER_MODE_LABELS,
            "trl_labels": i18n_labels.TRL_LABELS,
            "need_status_labels": i18n_labels.NEED_STATUS_LABELS,
            "need_visibility_labels": i18n_labels.NEED_VISIBILITY_LABELS,
            "match_status_labels": i18n_labels.MATCH_STATUS_LABELS,
            "match_origin_labels": i18n_labels.MATCH_ORIGIN_LABELS,
            "decline_reason_labels": i18n_labels.DECLINE_REASON_LABELS,
            "party_response_labels": i18n_labels.PARTY_RESPONSE_LABELS,
            "meeting_outcome_labels": i18n_labels.MEETING_OUTCOME_LABELS,
        }
