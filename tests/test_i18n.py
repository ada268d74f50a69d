"""Both catalogues are complete; the language choice is remembered; dates and money follow the locale."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from marketplace.i18n import format_day, format_moment, format_vnd, format_vnd_range

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "marketplace" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> set[str]:
    messages = set()
    for folder in ("marketplace", "templates"):
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHOD_MAP, keywords=KEYWORDS
        ):
            messages.add(message if isinstance(message, str) else message[0])
    return messages


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    return _source_messages()


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_catalogue_is_complete(locale, source_messages):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in source_messages if m not in catalog or not catalog[m].string)
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert missing == [], f"untranslated in {locale}: {missing[:10]}"
    assert fuzzy == [], f"fuzzy in {locale}: {fuzzy[:10]}"
    for message in catalog:
        if message.id and message.string:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid


def test_vietnamese_catalogue_is_really_translated(source_messages):
    with open(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    # Only names that read the same in both languages may stay untranslated.
    same_in_both = {"Email", "Logistics", "TRL %(level)d"}
    same = sorted(m.id for m in catalog if m.id and m.string == m.id and m.id not in same_in_both)
    assert same == []


def test_visitor_language_choice_is_remembered_in_the_session(client):
    assert "Trang chủ" in client.get("/").get_data(as_text=True)
    response = client.post("/language/en", data={"next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/").get_data(as_text=True)
    assert "Home" in page and 'lang="en"' in page
    client.post("/language/vi", data={"next": "/"})
    assert 'lang="vi"' in client.get("/").get_data(as_text=True)


def test_signed_in_language_choice_is_remembered_on_the_account(app, create_user, auth, client):
    user = create_user("firm", locale="vi")
    auth.login(user.email)
    client.post("/language/en", data={"next": "/dashboard"})
    auth.logout()
    other_device = app.test_client()
    other_device.post("/auth/login", data={"email": user.email, "password": user.password})
    assert "Dashboard" in other_device.get("/dashboard").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language/xx", data={"next": "/"})
    assert 'lang="vi"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("locale", "title"), [("vi", "Không tìm thấy trang"), ("en", "Page not found")])
def test_error_pages_in_both_languages(client, locale, title):
    client.post(f"/language/{locale}", data={"next": "/"})
    response = client.get("/no-such-page")
    assert response.status_code == 404 and title in response.get_data(as_text=True)


def test_vnd_and_dates_follow_the_locale(app):
    moment = datetime(2026, 3, 5, 20, 30, tzinfo=UTC)  # 6 March 03:30 in Hai Phong
    with app.test_request_context():
        with force_locale("vi"):
            assert format_vnd(1500000) == "1.500.000\xa0₫"
            assert format_vnd_range(500000000, 2000000000) == "500.000.000\xa0₫ – 2.000.000.000\xa0₫"
            assert format_day(moment) == "06/03/2026"
            assert format_moment(moment) == "03:30 06/03/2026"
        with force_locale("en"):
            assert format_vnd(1500000) == "₫1,500,000"
            assert format_day(moment) == "6 Mar 2026"
            assert format_moment(moment) == "6 Mar 2026, 03:30"


@pytest.mark.parametrize(("locale", "title"), [("vi", "Đã xảy ra lỗi"), ("en", "Something went wrong")])
def test_server_error_page_in_both_languages(make_app, locale, title):
    from marketplace import authz

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    @authz.permission(authz.PUBLIC)
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    client.post(f"/language/{locale}", data={"next": "/"})
    response = client.get("/boom")
    assert response.status_code == 500 and title in response.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "title"), [("vi", "Không có quyền truy cập"), ("en", "Access denied")])
def test_forbidden_page_in_both_languages(create_user, auth, client, locale, title):
    user = create_user("firm", locale=locale)
    auth.login(user.email)
    response = client.get("/admin/users")
    assert response.status_code == 403 and title in response.get_data(as_text=True)


def test_templates_translate_into_the_language_in_force(app):
    """Templates find the request's translations once; a message rendered under ``force_locale`` (a mail to someone
    who reads English, sent during a Vietnamese request) is still in that language, and so is the next one after."""
    from flask import render_template_string
    from flask_babel import refresh

    template = "{{ _('Search') }}|{{ ngettext('%(num)d technology', '%(num)d technologies', 2) }}"
    with app.test_request_context("/"):
        assert render_template_string(template) == "Tìm kiếm|2 công nghệ"
        with force_locale("en"):
            assert render_template_string(template) == "Search|2 technologies"
        assert render_template_string(template) == "Tìm kiếm|2 công nghệ"
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        try:
            refresh()  # the language chosen again, as after a change of language in the same request
            assert render_template_string(template) == "Search|2 technologies"
        finally:
            app.config["BABEL_DEFAULT_LOCALE"] = "vi"
    with app.app_context():  # outside a request (the CLI, mail from a job): the default language
        assert render_template_string(template) == "Tìm kiếm|2 công nghệ"
