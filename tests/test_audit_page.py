"""The audit log page: admins list and filter the events, see whether the hash chain holds, export them as CSV."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from marketplace import audit
from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from tests.conftest import PASSWORD


@dataclass
class Events:
    approved: int
    closed: int
    reminder: int
    staff_created: int
    hashes: dict[int, str]


def _at(moment: datetime):
    return lambda: moment


@pytest.fixture
def events(app, create_user, monkeypatch) -> Events:
    """Three events at known times around midnight in Hai Phong (UTC+7), besides the accounts' own events."""
    admin = create_user("admin", email="root@test.example")
    staff = create_user("staff", email="lan.staff@test.example")
    with app.app_context():
        admin_user, staff_user = db.session.get(User, admin.id), db.session.get(User, staff.id)
        # 23:30 on 5 March in Hai Phong.
        monkeypatch.setattr(audit, "utcnow", _at(datetime(2026, 3, 5, 16, 30, tzinfo=UTC)))
        approved = audit.record_event("match.approved", "match", 7, actor=staff_user, from_state="suggested",
                                      to_state="approved", note="Phù hợp nhu cầu của doanh nghiệp",
                                      data={"need": "NC-001", "title": "Giám sát container lạnh"})
        # 00:30 on 6 March in Hai Phong (still 5 March in UTC).
        monkeypatch.setattr(audit, "utcnow", _at(datetime(2026, 3, 5, 17, 30, tzinfo=UTC)))
        closed = audit.record_event("need.close", "need", 3, actor=admin_user, from_state="open", to_state="closed",
                                    note='=HYPERLINK("http://evil.example","click")')
        monkeypatch.setattr(audit, "utcnow", _at(datetime(2026, 3, 7, 2, 0, tzinfo=UTC)))
        reminder = audit.record_event("match.check_in_reminder", "match", 7, data={"months": 3})
        db.session.commit()
        hashes = {event.id: event.hash for event in (approved, closed, reminder)}
        staff_created = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "user.create",
                                                                         AuditEvent.object_id == staff.id))
        return Events(approved.id, closed.id, reminder.id, staff_created, hashes)


@pytest.fixture
def admin_client(app, events):
    client = app.test_client()
    assert client.post("/auth/login", data={"email": "root@test.example", "password": PASSWORD}).status_code == 302
    client.post("/language/en", data={"next": "/"})
    return client


def _rows(page: str) -> list[int]:
    """The ids of the events listed, in the page's order."""
    return [int(event_id) for event_id in re.findall(r'<tr id="event-(\d+)"', page)]


def _total(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_admin_sees_the_events_newest_first_with_an_intact_chain(app, admin_client, events):
    response = admin_client.get("/admin/audit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"The audit log is intact ({_total(app)} events)." in page and "alert-success" in page
    ids = _rows(page)
    assert len(ids) == _total(app) and ids == sorted(ids, reverse=True)
    assert ids.index(events.reminder) < ids.index(events.closed) < ids.index(events.approved)
    # Local time, actor, action, object, states in words, note, details and a short hash.
    assert "5 Mar 2026, 23:30" in page and "6 Mar 2026, 00:30" in page
    assert "lan.staff@test.example" in page and "match.approved" in page and "match #7" in page
    assert "Introduction approved" in page and "Phù hợp nhu cầu của doanh nghiệp" in page and "NC-001" in page
    assert events.hashes[events.approved][:12] in page and events.hashes[events.approved] not in page.replace(
        f'title="{events.hashes[events.approved]}"', "")
    assert "System" in page  # the reminder has no actor


@pytest.mark.parametrize(("query", "expected"), [
    ("action=need.close", {"closed"}),
    ("actor=LAN.STAFF", {"approved", "staff_created"}),
    ("actor=root%40test&action=need.close", {"closed"}),
    ("object_type=match&object_id=7", {"approved", "reminder"}),
    ("date_to=2026-03-05", {"approved"}),
    ("date_from=2026-03-06&date_to=2026-03-06", {"closed"}),
    ("date_from=2026-03-05&date_to=2026-03-07", {"approved", "closed", "reminder"}),
    ("q=doanh+nghi%E1%BB%87p", {"approved"}),       # in the note
    ("q=container+l%E1%BA%A1nh", {"approved"}),     # in the details, where JSON escapes the accents
    ("q=months", {"reminder"}),
    ("q=100%25", set()),                            # "%" is taken literally
])
def test_filters_narrow_the_list(admin_client, events, query, expected):
    response = admin_client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    names = {"approved": events.approved, "closed": events.closed, "reminder": events.reminder,
             "staff_created": events.staff_created}
    assert set(_rows(response.get_data(as_text=True))) == {names[name] for name in expected}


def test_actor_filter_matches_the_name(app, admin_client, events):
    with app.app_context():
        name = db.session.scalar(sa.select(User.full_name).where(User.email == "lan.staff@test.example"))
    page = admin_client.get("/admin/audit", query_string={"actor": name}).get_data(as_text=True)
    assert events.approved in _rows(page) and events.closed not in _rows(page)


@pytest.mark.parametrize(("query", "message"), [
    ("date_from=2026-02-30", "Enter a date, e.g. 2026-12-31."),
    ("date_from=yesterday", "Enter a date, e.g. 2026-12-31."),
    ("date_from=2026-03-07&date_to=2026-03-01", "The end date is before the start date."),
    ("action=user.delete_everything", "Choose one of the options offered."),
    ("object_id=abc", "Enter a whole number."),
    ("object_id=99999999999", "Enter an id of 1 or more."),
])
def test_bad_filters_give_a_message_and_list_nothing(admin_client, events, query, message):
    response = admin_client.get(f"/admin/audit?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "Some filters are not valid" in page and _rows(page) == []
    # The export sends back to the page, which says what is wrong.
    export = admin_client.get(f"/admin/audit.csv?{query}")
    assert export.status_code == 302 and export.headers["Location"].startswith("/admin/audit?")


def test_extreme_dates_do_not_break_the_page(app, admin_client, events):
    response = admin_client.get("/admin/audit?date_from=0001-01-01&date_to=9999-12-31")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Enter a date between the years 1900 and 2999." in page
    page = admin_client.get("/admin/audit?date_from=1900-01-01&date_to=2999-12-31").get_data(as_text=True)
    assert len(_rows(page)) == _total(app)


def test_banner_reports_an_event_changed_afterwards(app, admin_client, events, runner):
    assert "The audit log is intact" in admin_client.get("/admin/audit").get_data(as_text=True)
    with app.app_context():
        db.session.execute(sa.text("UPDATE audit_event SET note = :note WHERE id = :id"),
                           {"note": "Đã sửa lén", "id": events.closed})
        db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "The audit log is intact" not in page and "alert-danger" in page
    assert f"1 event fails the check: ids {events.closed}." in page
    # The command-line check agrees.
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and str(events.closed) in result.output


def test_csv_export_holds_the_filtered_rows(admin_client, events):
    response = admin_client.get("/admin/audit.csv?object_type=match")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    assert header[:3] == ["Id", "Time (Hai Phong)", "Actor email"]
    assert [int(row[0]) for row in rows] == [events.reminder, events.approved]
    approved = rows[1]
    assert approved[1] == "2026-03-05 23:30:00" and approved[2] == "lan.staff@test.example"
    assert approved[4:9] == ["match.approved", "match", "7", "suggested", "approved"]
    assert "Giám sát container lạnh" in approved[10] and approved[11] == events.hashes[events.approved]
    # A note that a spreadsheet would run as a formula is written as text.
    closed = list(csv.reader(io.StringIO(admin_client.get("/admin/audit.csv?action=need.close").get_data(
        as_text=True).lstrip("\ufeff"))))[1]
    assert closed[9] == '\'=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit.csv"])
def test_only_admins_see_the_audit_log(app, create_user, events, path):
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 302
    for role in ("firm", "researcher", "staff"):
        user = create_user(role)
        client = app.test_client()
        client.post("/auth/login", data={"email": user.email, "password": user.password})
        assert client.get(path).status_code == 403
