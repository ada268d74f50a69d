"""Security headers, CSRF, cookie flags, rate limits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Need, NeedStatus, NeedVisibility, Organization, User
from marketplace.security import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD, csrf_token
from tests.test_auth import NEW_FIRM


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    page = response.get_data(as_text=True)
    # The policy forbids inline code and styles: the pages must not contain any.
    assert "<script>" not in page and " style=" not in page and " onclick=" not in page


def test_session_cookie_flags_over_http_and_https(make_app, create_user):
    app = make_app()
    user = create_user("firm")
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember_me": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" not in session_cookie

    secure_client = app.test_client()
    response = secure_client.post("/auth/login", base_url="https://localhost",
                                  data={"email": user.email, "password": PASSWORD, "remember_me": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_missing_csrf_token_on_login_keeps_what_was_typed(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = create_user("firm")
    client = app.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Phiên làm việc đã hết hạn hoặc biểu mẫu được gửi từ nơi khác." in page
    assert f'value="{user.email}"' in page
    assert client.get("/dashboard").status_code == 302  # not signed in

    # With the token from the page, the same form works.
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_missing_csrf_token_on_register_writes_nothing(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.post("/auth/register", data=NEW_FIRM).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn" in page and 'value="Công ty Cổ phần Cảng Xanh Hải Phòng"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 0


def test_missing_csrf_token_on_other_posts_is_refused_with_a_clear_page(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = create_user("firm")
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc được gửi từ nơi khác." in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200  # still signed in
    response = client.post("/language/en", data={"next": "/"})
    assert response.status_code == 302  # refused without a change (see below), not a failed request
    with app.app_context():
        assert db.session.get(User, user.id).locale != "en"


def test_visitors_browse_without_a_cookie_and_switch_language_without_a_token(make_app, create_user,
                                                                             create_technology):
    app = make_app(WTF_CSRF_ENABLED=True)
    technology = create_technology(title="Hệ thống giám sát bãi container")
    firm = create_user("firm")
    with app.app_context():
        need = Need(code="NC-TEST-001", title="Giám sát container lạnh", description="Cần giám sát nhiệt độ.",
                    firm_id=firm.organization_id, author_id=firm.id, status=NeedStatus.OPEN,
                    visibility=NeedVisibility.PUBLIC)
        db.session.add(need)
        db.session.commit()
        need_id = need.id
    client = app.test_client()
    for path in ("/", "/technologies", "/technologies?q=cang+bien&sort=newest", "/api/v1/technologies?q=cang",
                 f"/technologies/{technology.code}/{technology.slug}", "/needs", f"/needs/{need_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not response.headers.getlist("Set-Cookie"), path
        assert 'name="csrf_token"' not in response.get_data(as_text=True), path  # nothing to sign for a visitor

    response = client.post("/language/en", data={"next": "/technologies?q=cang+bien"})
    assert response.status_code == 302 and response.headers["Location"] == "/technologies?q=cang+bien"
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    page = client.get("/technologies?q=cang+bien").get_data(as_text=True)
    assert '<html lang="en"' in page and "Technology catalogue" in page


def test_signed_in_language_switch_needs_the_token_and_is_kept_on_the_account(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = create_user("firm")
    client = app.test_client()
    visitor_page = client.get("/technologies").get_data(as_text=True)  # shown before signing in: no token
    assert 'name="csrf_token"' not in visitor_page
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})

    # The old page's switch (or a forged one): nothing changes, and the user reads why on the page they came from.
    response = client.post("/language/en", data={"next": "/technologies"})
    assert response.status_code == 302 and response.headers["Location"] == "/technologies"
    page = client.get("/technologies").get_data(as_text=True)
    assert '<html lang="vi"' in page and "Chưa đổi được ngôn ngữ vì trang đã hết hạn. Vui lòng thử lại." in page
    with app.app_context():
        assert db.session.get(User, user.id).locale != "en"

    assert page.count('name="csrf_token"') == 2  # the language switch and sign-out
    response = client.post("/language/en", data={"next": "/", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_unknown_pages_and_methods_are_404_and_405_even_with_csrf_on(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert client.post("/no-such-page").status_code == 404
    assert client.put("/technologies").status_code == 405
    assert client.delete("/language/en").status_code == 405


def test_login_is_rate_limited(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT="100 per hour")
    user = create_user("firm")
    client = app.test_client()
    statuses = [client.post("/auth/login", data={"email": user.email, "password": "wrong-one-123"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Bạn đã thử quá nhiều lần trong thời gian ngắn." in response.get_data(as_text=True)
    assert client.get("/auth/login").status_code == 200  # only attempts are limited, not the page


def test_login_attempts_per_account_are_limited_across_addresses(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    user = create_user("firm")
    statuses = [
        app.test_client().post("/auth/login", data={"email": user.email, "password": "wrong-one-123"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_password_reset_requests_are_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/auth/reset", data={"email": "x@test.example"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_secret_key_is_required_outside_development(monkeypatch):
    import pytest

    from marketplace import create_app
    from marketplace.config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def _redis_available() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_rate_limits_are_shared_through_redis(make_app, create_user):
    import uuid

    import pytest

    if not _redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
                "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}", "LOGIN_RATE_LIMIT": "2 per minute"}
    user = create_user("firm")
    # Two apps stand for two gunicorn workers: the second sees the attempts made on the first.
    first, second = make_app(**settings), make_app(**settings)
    data = {"email": user.email, "password": "wrong-one-123"}
    assert first.test_client().post("/auth/login", data=data).status_code == 200
    assert first.test_client().post("/auth/login", data=data).status_code == 200
    assert second.test_client().post("/auth/login", data=data).status_code == 429


def test_reset_links_ignore_the_host_header(app, create_user):
    from marketplace.models import OutgoingMail

    user = create_user("firm")
    client = app.test_client()
    client.post("/auth/reset", data={"email": user.email}, headers={"Host": "evil.example"})
    client.post("/auth/reset", data={"email": user.email}, headers={"X-Forwarded-Host": "evil.example"})
    with app.app_context():
        bodies = list(db.session.scalars(sa.select(OutgoingMail.body)))
    assert len(bodies) == 2
    assert all("evil.example" not in body and app.config["BASE_URL"] + "/auth/reset/" in body for body in bodies)


def test_successful_sign_ins_do_not_count_against_the_limits(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    user = create_user("firm")
    for _ in range(4):
        client = app.test_client()
        assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_admin_account_list_ignores_foreign_query_parameters(app, create_user, auth, client):
    admin = create_user("admin")
    auth.login(admin.email)
    page = client.get("/admin/users?user_id=1&_external=1&role=admin").get_data(as_text=True)
    import re

    # The action keeps the list's own filter and nothing else, and stays a relative URL.
    actions = re.findall(r'action="([^"]*/active[^"]*)"', page)
    assert actions == [f"/admin/users/{admin.id}/active?role=admin"]


@pytest.mark.parametrize("base", ["https://sokhcn.haiphong.gov.vn/san-cong-nghe",
                                  "https://sokhcn.haiphong.gov.vn/san-cong-nghe/"])
def test_links_in_mail_carry_the_sites_path_once(make_app, base):
    from flask import url_for

    from marketplace.web import external_url, url_context

    app = make_app(BASE_URL=base)
    site = "https://sokhcn.haiphong.gov.vn/san-cong-nghe"
    with app.app_context():
        with url_context():  # a command: url_for builds paths under BASE_URL's path
            path = url_for("auth.login", next="/x")
            assert path.startswith("/san-cong-nghe/auth/")
            assert external_url(path) == "https://sokhcn.haiphong.gov.vn" + path
        with app.test_request_context("/"):  # a proxy that strips the path before the app
            assert external_url(url_for("auth.login")) == site + url_for("auth.login")
        assert external_url("/") == site + "/" and external_url("technologies?q=x") == site + "/technologies?q=x"
        assert external_url("/san-cong-nghe-khac") == site + "/san-cong-nghe-khac"


@pytest.mark.parametrize("path", ["/needs/{}", "/api/v1/needs/{}/matches", "/matches/{}", "/rounds/{}/edit",
                                  "/sessions/{}/schedule.csv", "/technologies/{}/propose", "/my/needs/{}/edit",
                                  "/my/technologies/{}/edit"])
def test_ids_no_table_can_hold_are_not_found(app, create_user, path):
    from tests.test_needs import signed_in

    for role in ("staff", "firm", "researcher"):
        client = signed_in(app, create_user(role))
        for number in (2**31, 2**63, 10**20):
            assert client.get(path.format(number)).status_code == 404, (role, number)


def test_messages_quoting_what_was_sent_are_escaped(app, create_user):
    from tests.test_needs import signed_in

    page = signed_in(app, create_user("staff")).get("/reports?start=<b>bold</b>").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


def test_every_value_of_a_repeated_parameter_loses_its_control_characters(app):
    with app.test_request_context("/technologies?sector=cang-bien&sector=a%00b&q=x%07y", method="POST",
                                  data={"match": ["1", "2\x00"]}):
        from flask import request

        assert request.args.getlist("sector") == ["cang-bien", "ab"] and request.args["q"] == "xy"
        assert request.form.getlist("match") == ["1", "2"]
