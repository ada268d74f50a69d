"""Matchmaking sessions in the app: an event, invited matches, the automatic plan, staff moves, outcomes."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Match, MatchmakingEvent, MatchStatus, Meeting, MeetingOutcome
from tests import test_matches, test_needs
from tests.test_needs import signed_in

catalogue = test_needs.catalogue  # the same fixtures
scene = test_matches.scene

EVENT = {"name": "Phiên kết nối cung – cầu công nghệ Techfest Hải Phòng 2026", "place": "Cung Văn hóa Lao động "
         "hữu nghị Việt – Tiệp", "first_start": "08:30", "minutes": "30", "break_minutes": "5", "slots": "3",
         "tables": "2", "round": "0"}


@pytest.fixture
def approved(app, scene):
    """The scene's two suggestions approved (same firm, so never at the same time)."""
    staff = signed_in(app, scene["staff"])
    assert staff.post("/review/decide", data={"match": [str(scene["ocr"]), str(scene["reefer"])],
                                              "approve": "y"}).status_code == 302
    return staff


def _event_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(MatchmakingEvent.id))


def test_staff_plan_a_session_without_double_booking(app, scene, approved):
    staff = approved
    # A date in the past is refused, nothing is created.
    response = staff.post("/sessions/new", data={**EVENT, "held_on": (date.today() - timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "in the past" in response.get_data(as_text=True)
    assert _event_id(app) is None
    held_on = (date.today() + timedelta(days=14)).isoformat()
    assert staff.post("/sessions/new", data={**EVENT, "held_on": held_on}).status_code == 302
    event_id = _event_id(app)
    page = staff.get(f"/sessions/{event_id}").get_data(as_text=True)
    assert "08:30 – 09:00" in page and "Table 2" in page and "Hệ thống nhận dạng số container" in page
    assert staff.post(f"/sessions/{event_id}/invite", data={"match": [str(scene["ocr"]), str(scene["reefer"])]}
                      ).status_code == 302
    assert staff.post(f"/sessions/{event_id}/plan").status_code == 302
    with app.app_context():
        meetings = list(db.session.scalars(sa.select(Meeting).where(Meeting.event_id == event_id)))
        assert len(meetings) == 2 and all(m.slot_id for m in meetings)
        # One firm, two meetings: never in the same slot.
        assert meetings[0].slot_id != meetings[1].slot_id
        assert {db.session.get(Match, m.match_id).status for m in meetings} == {MatchStatus.MEETING_SCHEDULED}
        first, second = meetings
        first_id, second_id, second_slot = first.id, second.id, second.slot_id
    # Moving the first meeting into the second one's slot would double-book the firm: refused, nothing changed.
    response = staff.post(f"/sessions/{event_id}/meetings/{first_id}/place",
                          data={"slot": str(second_slot), "table": "0"})
    assert response.status_code == 400
    with app.app_context():
        tables = [t.id for t in db.session.get(MatchmakingEvent, event_id).tables]
        slots = [s.id for s in db.session.get(MatchmakingEvent, event_id).slots]
    response = staff.post(f"/sessions/{event_id}/meetings/{first_id}/place",
                          data={"slot": str(second_slot), "table": str(tables[0])})
    assert response.status_code == 400 and "already has a meeting at that time" in response.get_data(as_text=True)
    free_slot = next(s for s in slots if s != second_slot and s)
    assert staff.post(f"/sessions/{event_id}/meetings/{first_id}/place",
                      data={"slot": str(free_slot), "table": str(tables[1])}).status_code == 302
    with app.app_context():
        moved = db.session.get(Meeting, first_id)
        assert (moved.slot_id, moved.table_id, moved.pinned) == (free_slot, tables[1], True)
    # Planning again keeps the meeting moved by hand.
    assert staff.post(f"/sessions/{event_id}/plan").status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, first_id).slot_id == free_slot
    # The schedules, printable and as CSV, per participant.
    page = staff.get(f"/sessions/{event_id}/schedule").get_data(as_text=True)
    assert "Công ty TNHH Thử Nghiệm" in page
    csv_text = staff.get(f"/sessions/{event_id}/schedule.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    assert csv_text.startswith("\ufeff") and rows[0][0] == "Participant"
    # The firm's own schedule: its two meetings, one after the other.
    firm_rows = [row for row in rows[1:] if row[0] == "Công ty TNHH Thử Nghiệm"]
    assert len(firm_rows) == 2 and firm_rows[0][1] < firm_rows[1][1]
    # "With": whom the firm meets, not the firm itself.
    assert rows[0][6] == "With" and all(row[6].endswith("(Viện Thử Nghiệm)") for row in firm_rows)
    # Outcomes move the matches: a signed agreement needs its terms.
    url = f"/sessions/{event_id}/meetings/{second_id}/outcome"
    response = staff.post(url, data={"result": "agreement_signed"})
    assert response.status_code == 400 and "transfer mode, contract value" in response.get_data(as_text=True)
    assert staff.post(url, data={"result": "agreement_signed", "transfer_mode": "license",
                                 "contract_value": "900.000.000", "signed_on": date.today().isoformat(),
                                 "note": "Ký tại phiên kết nối"}).status_code == 302
    assert staff.post(f"/sessions/{event_id}/meetings/{first_id}/outcome",
                      data={"result": "negotiating"}).status_code == 302
    with app.app_context():
        second = db.session.get(Meeting, second_id)
        assert second.outcome == MeetingOutcome.AGREEMENT_SIGNED
        assert second.match.status == MatchStatus.AGREEMENT_SIGNED and second.match.contract_value == 900_000_000
        assert db.session.get(Meeting, first_id).match.status == MatchStatus.NEGOTIATING


def test_only_introduced_matches_are_invited(app, scene):
    staff = signed_in(app, scene["staff"])
    held_on = (date.today() + timedelta(days=3)).isoformat()
    assert staff.post("/sessions/new", data={**EVENT, "held_on": held_on}).status_code == 302
    event_id = _event_id(app)
    page = staff.post(f"/sessions/{event_id}/invite", data={"match": [str(scene["ocr"])]},
                      follow_redirects=True).get_data(as_text=True)
    assert "Only introduced matches without an outcome can be invited" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_odd_ids_and_filters_are_refused_cleanly(app, scene):
    staff = signed_in(app, scene["staff"])
    held_on = (date.today() + timedelta(days=3)).isoformat()
    assert staff.post("/sessions/new", data={**EVENT, "held_on": held_on}).status_code == 302
    event_id = _event_id(app)
    for odd in ("²", "99999999999", "-1", "1 OR 1=1"):
        response = staff.post(f"/sessions/{event_id}/invite", data={"match": odd}, follow_redirects=True)
        assert response.status_code == 200 and "Only introduced matches" in response.get_data(as_text=True)
        assert staff.post("/review/decide", data={"match": odd, "approve": "y"}).status_code == 302
    for args in ("round=99999999999", "institute=²", "sector=x%00"):
        response = staff.get(f"/review?{args}")
        assert response.status_code == 200 and "Some filters named nothing known" in response.get_data(as_text=True)
    # A control character is dropped from the query like from forms: an empty filter, no error.
    assert staff.get("/review?sector=%00&round=%00").status_code == 200


def test_a_session_stays_within_its_day_and_its_years(app, scene):
    staff = signed_in(app, scene["staff"])
    held_on = (date.today() + timedelta(days=3)).isoformat()
    # 23:00 + 3 × (30 + 5) minutes ends after midnight: refused, nothing created, what was typed kept.
    response = staff.post("/sessions/new", data={**EVENT, "held_on": held_on, "first_start": "23:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "would end after midnight" in page and EVENT["place"] in page
    assert _event_id(app) is None
    for far in ("9999-12-31", "0001-01-01"):
        response = staff.post("/sessions/new", data={**EVENT, "held_on": far, "first_start": "23:00", "slots": "48",
                                                     "minutes": "240"})
        assert response.status_code == 400 and "between the years 1900 and 2999" in response.get_data(as_text=True)
    assert _event_id(app) is None
    # The last meeting may end at midnight exactly.
    assert staff.post("/sessions/new", data={**EVENT, "held_on": held_on, "first_start": "22:15"}).status_code == 302


def test_a_meeting_whose_match_ended_elsewhere_is_taken_off_the_plan(app, scene, approved):
    staff = approved
    held_on = (date.today() + timedelta(days=14)).isoformat()
    assert staff.post("/sessions/new", data={**EVENT, "held_on": held_on}).status_code == 302
    event_id = _event_id(app)
    assert staff.post(f"/sessions/{event_id}/invite", data={"match": [str(scene["ocr"]), str(scene["reefer"])]}
                      ).status_code == 302
    assert staff.post(f"/sessions/{event_id}/plan").status_code == 302
    # Before the session, one of the two matches ends without a deal.
    assert staff.post(f"/matches/{scene['reefer']}/move", data={"to": "closed_no_deal", "reason": "already_solved",
                                                                 "note": "Doanh nghiệp đã có giải pháp khác"}
                      ).status_code == 302
    assert staff.post(f"/sessions/{event_id}/plan").status_code == 302
    with app.app_context():
        placed = {m.match_id: m.slot_id for m in db.session.scalars(sa.select(Meeting))}
    assert placed[scene["ocr"]] is not None and placed[scene["reefer"]] is None
    csv_text = staff.get(f"/sessions/{event_id}/schedule.csv").get_data(as_text=True)
    assert "Kho lạnh" not in csv_text and "Hệ thống nhận dạng số container" in csv_text
