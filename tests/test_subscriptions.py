"""Subscriptions: matching rules, in-app notifications, the digest, and the pages."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import template_rendered

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Notification, OutgoingMail, Sector, Subscription, Technology, User
from marketplace.models.base import utcnow
from marketplace.notifications import notify
from marketplace.subscriptions import services
from tests.conftest import csrf_token


def _sectors(*slugs: str) -> list[Sector]:
    return list(db.session.scalars(sa.select(Sector).where(Sector.slug.in_(slugs))))


@pytest.fixture
def subscribe(app):
    """``subscribe(user_info, sectors=("cang-bien",), keywords=["IoT"], since=datetime)`` (committed)."""

    def create(user, *, sectors=(), keywords=(), since=None) -> None:
        with app.app_context():
            subscription = services.update_subscription(db.session.get(User, user.id), _sectors(*sectors), keywords)
            if since is not None:
                subscription.last_digest_at = since
            commit()

    return create


def _published_at(app, technology, when) -> None:
    with app.app_context():
        db.session.get(Technology, technology.id).published_at = when
        commit()


def _english(client) -> None:
    client.post("/language/en", data={"next": "/"})


def _checked(page: str) -> set[int]:
    """The sector ids ticked in the subscription form."""
    return {int(value) for value in re.findall(r'<input checked [^>]*name="sectors" [^>]*value="(\d+)"', page)}


# --- Matching -------------------------------------------------------------------------------------

def _fits(followed: list[str], **technology) -> bool:
    technology.setdefault("title", "Công nghệ thử nghiệm")
    return services.subscription_matches(Subscription(keywords=followed, sectors=[]), Technology(**technology))


def test_a_shared_sector_matches(app):
    with app.app_context():
        port, farming = _sectors("cang-bien")[0], _sectors("nong-nghiep")[0]
        subscription = Subscription(keywords=["vắc xin"], sectors=[port])
        assert services.subscription_matches(subscription, Technology(title="X", sectors=[farming, port]))
        assert not services.subscription_matches(subscription, Technology(title="X", sectors=[farming]))


@pytest.mark.parametrize(("keyword", "field", "text"), [
    ("cảng biển", "title", "Hệ thống giám sát cảng biển thông minh"),
    ("CANG BIEN", "title", "Hệ thống giám sát Cảng Biển thông minh"),  # case and marks
    ("dong tau", "summary", "Quy trình đóng tàu vỏ thép"),  # đ/d and marks
    ("Đóng tàu", "description", "Quy trinh dong tau vo thep"),  # a text typed without marks
    ("dóng tàu", "title", "Đóng tàu vỏ thép"),  # đ/d never matters
    ("thủy sản", "title", "Chế biến thuỷ sản đông lạnh"),  # the other place of the tone mark
    ("container", "title_en", "Container yard monitoring"),
    ("IoT", "keywords", ["iot", "cảm biến"]),
    ("công nghiệp 4.0", "description", "Giải pháp cho công nghiệp 4.0 tại Hải Phòng"),
    ("tàu", "description_en", "Tàu ship hull"),
])
def test_a_keyword_matches_whole_words_whatever_the_case_and_marks(app, keyword, field, text):
    assert _fits([keyword], **{field: text})


@pytest.mark.parametrize(("keyword", "text"), [
    ("cảng", "Năng suất ngày càng cao"),  # marks on both sides must agree: port ≠ "the more"
    ("port", "Transport of goods"),  # whole words only
    ("tau", "Hệ thống tauy"),
    ("cang bien", "Cảng nội địa và vùng biển"),  # a phrase, not scattered words
    ("logistics", "Công nghệ xử lý nước thải"),
])
def test_a_keyword_does_not_match_parts_or_other_words(app, keyword, text):
    assert not _fits([keyword], title=text, summary="Tóm tắt.")


def test_a_phrase_does_not_span_two_fields(app):
    assert not _fits(["xử lý nước"], title="Công nghệ xử lý", summary="Nước thải sinh hoạt")


# --- Saving a subscription ------------------------------------------------------------------------

def test_keywords_are_trimmed_and_deduplicated_and_nothing_deletes(app, create_user):
    firm = create_user("firm")
    with app.app_context():
        user = db.session.get(User, firm.id)
        typed = [" cảng  biển ", "Cảng Biển", "", "...", "IoT", unicodedata.normalize("NFD", "cảng biển")]
        subscription = services.update_subscription(user, _sectors("logistics"), typed)
        commit()
        assert subscription.keywords == ["cảng biển", "IoT"]
        assert services.update_subscription(user, [], ["  ", ";"]) is None
        commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_too_many_or_too_long_keywords_are_refused(app, create_user):
    firm = create_user("firm")
    with app.app_context():
        user = db.session.get(User, firm.id)
        with pytest.raises(services.SubscriptionError):
            services.update_subscription(user, [], [f"từ khóa {n}" for n in range(services.MAX_KEYWORDS + 1)])
        with pytest.raises(services.SubscriptionError):
            services.update_subscription(user, [], ["x" * (services.MAX_KEYWORD_LENGTH + 1)])


# --- In-app notifications -------------------------------------------------------------------------

def test_notify_subscribers_notifies_only_matching_active_users_once(app, create_user, create_technology, subscribe):
    by_sector, by_keyword, other = create_user("firm"), create_user("firm"), create_user("firm")
    inactive = create_user("firm", active=False)
    subscribe(by_sector, sectors=("cang-bien",))
    subscribe(by_keyword, keywords=["giám sát container"])
    subscribe(other, sectors=("y-sinh",), keywords=["vắc xin"])
    subscribe(inactive, sectors=("cang-bien",))
    technology = create_technology(title="Hệ thống giám sát container", sectors=("cang-bien",))
    draft = create_technology(title="Giám sát container bản nháp", status="draft", sectors=("cang-bien",))
    with app.app_context():
        batch = [db.session.get(Technology, technology.id), db.session.get(Technology, draft.id)]
        assert services.notify_subscribers(batch) == 2
        commit()
        rows = db.session.scalars(sa.select(Notification).order_by(Notification.user_id)).all()
        assert [row.user_id for row in rows] == sorted([by_sector.id, by_keyword.id])
        assert {row.link for row in rows} == {f"/technologies/{technology.code}/{technology.slug}"}
        assert rows[0].kind == "subscription.new_technology"
        assert rows[0].params == {"title": "Hệ thống giám sát container"}
        # Passing the same technology again (e.g. an approved edit) notifies nobody twice.
        assert services.notify_subscribers(batch) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0  # mail: the digest


# --- Digest ---------------------------------------------------------------------------------------

def test_digest_lists_exactly_the_new_matching_technologies_once(app, create_user, create_technology, subscribe):
    now = utcnow()
    firm, idle, inactive = create_user("firm"), create_user("firm"), create_user("firm", active=False)
    subscribe(firm, sectors=("logistics",), keywords=["nước thải"], since=now - timedelta(days=7))
    subscribe(idle, sectors=("y-sinh",), since=now - timedelta(days=7))
    subscribe(inactive, sectors=("logistics",), since=now - timedelta(days=7))
    old = create_technology(title="Kho lạnh logistics thế hệ cũ", sectors=("logistics",))
    _published_at(app, old, now - timedelta(days=8))
    by_sector = create_technology(title="Điều phối xe tải logistics", sectors=("logistics",), trl=8)
    by_keyword = create_technology(title="Xử lý nước thải tàu biển", sectors=("moi-truong",))
    create_technology(title="Vật liệu composite", sectors=("vat-lieu",))
    create_technology(title="Logistics bản nháp", sectors=("logistics",), status="draft")
    later = create_technology(title="Logistics xuất bản sau kỳ này", sectors=("logistics",))
    _published_at(app, later, now + timedelta(hours=1))
    for info in (by_sector, by_keyword):
        _published_at(app, info, now - timedelta(days=1))
    with app.app_context():
        assert services.send_digests(now) == (1, 2)
        commit()
        mails = db.session.scalars(sa.select(OutgoingMail)).all()
        assert [mail.recipient for mail in mails] == [firm.email]
        body = mails[0].body
        base = app.config["BASE_URL"].rstrip("/")
        assert "Điều phối xe tải logistics" in body and "Xử lý nước thải tàu biển" in body
        assert f"{base}/technologies/{by_sector.code}/{by_sector.slug}" in body and f"{base}/subscriptions" in body
        for title in ("thế hệ cũ", "composite", "bản nháp", "sau kỳ này"):
            assert title not in body
        assert body.index("Điều phối xe tải") < body.index("Xử lý nước thải")  # in order of publication
        assert {s.last_digest_at for s in db.session.scalars(sa.select(Subscription).join(Subscription.user)
                                                              .where(User.active.is_(True)))} == {now}
        # The next run starts where this one ended: nothing is sent twice.
        assert services.send_digests(now + timedelta(minutes=5)) == (0, 0)
        # ... and a technology published since then comes in the run after.
        assert services.send_digests(now + timedelta(hours=2)) == (1, 1)
        commit()
        assert "sau kỳ này" in db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id.desc())).first().body


def test_digest_is_written_in_the_subscribers_language(app, create_user, create_technology, subscribe):
    since = utcnow() - timedelta(days=1)
    english, vietnamese = create_user("firm", locale="en"), create_user("firm", locale="vi")
    subscribe(english, sectors=("cang-bien",), since=since)
    subscribe(vietnamese, sectors=("cang-bien",), since=since)
    create_technology(title="Hệ thống giám sát cảng biển", title_en="Seaport monitoring system",
                      sectors=("cang-bien",), trl=6)
    with app.app_context():
        assert services.send_digests() == (2, 2)
        commit()
        mails = {mail.recipient: mail for mail in db.session.scalars(sa.select(OutgoingMail))}
        assert mails[english.email].subject == "New technologies that match what you follow"
        body = mails[english.email].body
        assert body.startswith("Hello ") and "Seaport monitoring system" in body
        assert "Technology readiness level 6 of 9" in body and "Hệ thống giám sát cảng biển" not in body
        body = mails[vietnamese.email].body
        assert body.startswith("Kính gửi ") and "Hệ thống giám sát cảng biển" in body
        assert "Seaport monitoring system" not in body


def test_digest_command(runner, create_user, create_technology, subscribe):
    firm = create_user("firm")
    subscribe(firm, keywords=["container"], since=utcnow() - timedelta(days=1))
    create_technology(title="Hệ thống giám sát bãi container")
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0, result.output
    assert "queued 1 digests listing 1 technologies" in result.output
    assert "queued 0 digests" in runner.invoke(args=["notify", "digest"]).output


# --- Subscription page ----------------------------------------------------------------------------

def test_firm_saves_what_it_follows(app, client, auth, create_user):
    firm = create_user("firm")
    auth.login(firm.email)
    _english(client)
    page = client.get("/subscriptions").get_data(as_text=True)
    assert "Follow new technologies" in page and "Priority sector" in page
    assert page.index("Seaports") < page.index("Biomedicine")  # priority sectors first
    with app.app_context():
        ids = {s.slug: s.id for s in _sectors("cang-bien", "logistics")}
    response = client.post("/subscriptions", data={"sectors": list(ids.values()),
                                                   "keywords": "cảng biển; logistics\nIoT;Cảng biển"})
    assert response.status_code == 302 and response.headers["Location"] == "/subscriptions"
    page = client.get("/subscriptions").get_data(as_text=True)
    assert "Saved." in page and "cảng biển\nlogistics\nIoT" in page
    assert _checked(page) == set(ids.values())
    with app.app_context():
        subscription = db.session.scalar(sa.select(Subscription).where(Subscription.user_id == firm.id))
        assert sorted(s.slug for s in subscription.sectors) == ["cang-bien", "logistics"]
        assert subscription.keywords == ["cảng biển", "logistics", "IoT"]
    response = client.post("/subscriptions", data={"keywords": " ; "}, follow_redirects=True)
    assert "You no longer follow any sector or keyword." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_invalid_keywords_keep_the_input(app, client, auth, create_user):
    firm = create_user("firm")
    auth.login(firm.email)
    _english(client)
    with app.app_context():
        sector_id = _sectors("logistics")[0].id
    typed = ";".join(f"kw{n}" for n in range(21))
    response = client.post("/subscriptions", data={"sectors": [sector_id], "keywords": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Follow at most 20 keywords." in page and typed in page
    assert _checked(page) == {sector_id}
    page = client.post("/subscriptions", data={"keywords": "a" * 61}).get_data(as_text=True)
    assert "is too long: a keyword has at most 60 characters." in page
    page = client.post("/subscriptions", data={"sectors": ["999999"], "keywords": "IoT"}).get_data(as_text=True)
    assert "Choose one of the options offered." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


@pytest.mark.parametrize("role", ["researcher", "staff"])
def test_only_firms_subscribe(client, auth, create_user, role):
    auth.login(create_user(role).email)
    assert client.get("/subscriptions").status_code == 403
    assert client.post("/subscriptions", data={"keywords": "IoT"}).status_code == 403


# --- Notifications page ---------------------------------------------------------------------------

@pytest.fixture
def noticed(app, create_user):
    """A firm with two unread notifications (the newest with a link), and another user with one."""
    firm, other = create_user("firm"), create_user("researcher")
    with app.app_context():
        user = db.session.get(User, firm.id)
        first = notify(user, "subscription.new_technology", mail=False, title="Công nghệ thứ nhất")
        second = notify(user, "subscription.new_technology", link="/technologies/T-2/cong-nghe-2", mail=False,
                        title="Công nghệ thứ hai")
        second.created_at = first.created_at + timedelta(minutes=1)
        theirs = notify(db.session.get(User, other.id), "technology.published", mail=False, title="Của người khác")
        commit()
        return firm, other, first.id, second.id, theirs.id


def _unread(app, notification_id: int) -> bool:
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at is None


def test_notifications_page_shows_the_users_notifications_newest_first(app, client, auth, noticed):
    firm, _other, first, second, _theirs = noticed
    auth.login(firm.email)
    _english(client)
    contexts = []

    def record(sender, template, context, **extra):  # noqa: ANN001, ARG001
        contexts.append(context)

    with template_rendered.connected_to(record, app):
        page = client.get("/notifications").get_data(as_text=True)
    assert contexts[-1]["unread_notifications"] == 2
    assert page.index("Công nghệ thứ hai") < page.index("Công nghệ thứ nhất")
    assert "A newly published technology matches what you follow" in page
    assert 'href="/technologies/T-2/cong-nghe-2"' in page and "Của người khác" not in page
    assert page.count("Unread</span>") == 2 and "Mark all as read" in page


def test_mark_one_then_all_read(app, client, auth, noticed):
    firm, _other, first, second, theirs = noticed
    auth.login(firm.email)
    _english(client)
    response = client.post("/notifications/read", data={"notification_id": second, "next": "/notifications?page=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications?page=1"
    assert not _unread(app, second) and _unread(app, first)
    # Someone else's notification cannot be touched.
    client.post("/notifications/read", data={"notification_id": theirs})
    assert _unread(app, theirs)
    # An id no table holds is a bad request, not an error (nothing is marked).
    assert client.post("/notifications/read", data={"notification_id": str(10**20)}).status_code == 400
    assert _unread(app, first)
    response = client.post("/notifications/read", data={"next": "https://elsewhere.example/"})
    assert response.headers["Location"] == "/notifications"
    page = client.get("/notifications").get_data(as_text=True)
    assert "All notifications are marked as read." in page
    assert "Unread</span>" not in page and "Mark all as read" not in page
    assert not _unread(app, first) and _unread(app, theirs)


def test_notifications_are_paginated(app, client, auth, create_user):
    firm = create_user("firm")
    with app.app_context():
        user = db.session.get(User, firm.id)
        for n in range(23):
            notify(user, "technology.published", mail=False, title=f"Công nghệ {n:02d}")
        commit()
    auth.login(firm.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('class="list-group-item') == 20 and "/notifications?page=2" in page
    page = client.get("/notifications?page=2").get_data(as_text=True)
    assert page.count('class="list-group-item') == 3


def test_visitors_have_no_unread_count(app, client):
    contexts = []

    def record(sender, template, context, **extra):  # noqa: ANN001, ARG001
        contexts.append(context)

    with template_rendered.connected_to(record, app):
        client.get("/")
    assert contexts[-1]["unread_notifications"] == 0


def test_mark_read_with_a_stale_form_changes_nothing(make_app, create_user, noticed):
    firm, _other, first, _second, _theirs = noticed
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": firm.email, "password": firm.password, "csrf_token": token})
    response = client.post("/notifications/read", data={"csrf_token": "stale"})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert _unread(app, first)
    token = csrf_token(client.get("/notifications").get_data(as_text=True))
    client.post("/notifications/read", data={"csrf_token": token})
    assert not _unread(app, first)
