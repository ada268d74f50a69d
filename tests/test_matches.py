"""The staff review queue and the match lifecycle: introductions, answers, moves to a deal, reminders, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    DeclineReason,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Notification,
    OutgoingMail,
    PartyResponse,
)
from marketplace.models.base import utcnow
from tests import test_needs
from tests.conftest import PASSWORD
from tests.test_needs import NEED, _post, signed_in

catalogue = test_needs.catalogue  # the same fixture


@pytest.fixture
def scene(app, create_user, catalogue):
    """A firm's posted need with the matcher's suggestions, the researcher who owns the catalogue, staff."""
    from marketplace.models import Technology

    firm, staff, other_firm = create_user("firm"), create_user("staff"), create_user("firm", organization="Công ty B")
    with app.app_context():
        owner_id = db.session.get(Technology, catalogue["ocr"].id).owner_id
    need = _post(app, firm, "anonymous", NEED["title"])
    with app.app_context():
        suggestions = {m.technology_id: m.id for m in db.session.scalars(sa.select(Match).where(
            Match.need_id == need.id))}
    return {"firm": firm, "staff": staff, "other_firm": other_firm, "researcher_id": owner_id, "need": need,
            "ocr": suggestions[catalogue["ocr"].id], "reefer": suggestions[catalogue["reefer"].id],
            "catalogue": catalogue}


def _researcher_client(app, scene):
    from marketplace.models import User

    with app.app_context():
        user = db.session.get(User, scene["researcher_id"])
        email = user.email
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.post("/language/en", data={"next": "/"})
    return client


def _match(app, match_id: int) -> Match:
    with app.app_context():
        match = db.session.get(Match, match_id)
        db.session.expunge_all()
        return match


def test_staff_approve_from_the_queue_and_both_parties_are_introduced(app, scene):
    staff = signed_in(app, scene["staff"])
    page = staff.get("/review").get_data(as_text=True)
    assert NEED["title"] in page and "Hệ thống nhận dạng số container" in page
    # Best score first: the container-number system comes before the reefer monitoring.
    assert page.index(f'data-match="{scene["ocr"]}"') < page.index(f'data-match="{scene["reefer"]}"')
    response = staff.post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y",
                                                  "reason": "Phù hợp, đề nghị giới thiệu.", "next": "/review"})
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    match = _match(app, scene["ocr"])
    assert match.status == MatchStatus.APPROVED and match.decided_at is not None
    with app.app_context():
        assert db.session.get(Need, scene["need"].id).status == NeedStatus.MATCHED
        kinds = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
        assert (scene["firm"].id, "match.introduced") in kinds and (scene["researcher_id"], "match.introduced") in kinds
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) >= 2
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "match.approved"))
        assert (event.from_state, event.to_state, event.actor_id) == ("suggested", "approved", scene["staff"].id)
        assert event.note == "Phù hợp, đề nghị giới thiệu."
    # The parties see the introduction, with each other's contact.
    firm_page = signed_in(app, scene["firm"]).get(f"/matches/{scene['ocr']}").get_data(as_text=True)
    assert "The Department introduces you to each other" in firm_page
    researcher = _researcher_client(app, scene)
    assert "Hệ thống nhận dạng số container" in researcher.get("/my/matches").get_data(as_text=True)
    page = researcher.get(f"/matches/{scene['ocr']}").get_data(as_text=True)
    assert NEED["contact_email"] in page and "Your answer is awaited" not in page
    # Before approval the researcher does not see the suggestion at all; another firm never does.
    assert researcher.get(f"/matches/{scene['reefer']}").status_code == 404
    assert signed_in(app, scene["other_firm"]).get(f"/matches/{scene['ocr']}").status_code == 404


def test_a_bulk_decision_is_all_or_nothing(app, scene):
    staff = signed_in(app, scene["staff"])
    assert staff.post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y"}).status_code == 302
    # The approved one cannot be rejected with the other: nothing changes, the reason is said.
    page = staff.post("/review/decide", data={"match": [str(scene["ocr"]), str(scene["reefer"])], "reject": "y",
                                              "reason": "Không phù hợp"}, follow_redirects=True).get_data(as_text=True)
    assert "Nothing was changed" in page
    assert _match(app, scene["reefer"]).status == MatchStatus.SUGGESTED
    # Rejecting needs a reason.
    page = staff.post("/review/decide", data={"match": [str(scene["reefer"])], "reject": "y"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Give a reason for not pursuing the match" in page
    assert _match(app, scene["reefer"]).status == MatchStatus.SUGGESTED
    assert staff.post("/review/decide", data={"match": [str(scene["reefer"])], "reject": "y",
                                              "reason": "Công nghệ chưa đủ độ chín."}).status_code == 302
    match = _match(app, scene["reefer"])
    assert match.status == MatchStatus.REJECTED and match.decision_reason == "Công nghệ chưa đủ độ chín."
    # A rejected match is no longer shown to the firm.
    assert signed_in(app, scene["firm"]).get(f"/matches/{scene['reefer']}").status_code == 404


def test_parties_answer_and_a_decline_says_why(app, scene):
    staff = signed_in(app, scene["staff"])
    staff.post("/review/decide", data={"match": [str(scene["ocr"]), str(scene["reefer"])], "approve": "y"})
    firm = signed_in(app, scene["firm"])
    assert firm.post(f"/matches/{scene['ocr']}/respond", data={"accept": "y"}).status_code == 302
    assert _match(app, scene["ocr"]).firm_response == PartyResponse.ACCEPTED
    # Once is enough.
    page = firm.post(f"/matches/{scene['ocr']}/respond", data={"accept": "y"}, follow_redirects=True)
    assert "already answered" in page.get_data(as_text=True)
    # The researcher declines the other one: "other" needs a comment, then the match closes with the reason.
    researcher = _researcher_client(app, scene)
    response = researcher.post(f"/matches/{scene['reefer']}/respond", data={"decline": "y", "reason": "other"})
    assert response.status_code == 400 and "Explain the other reason" in response.get_data(as_text=True)
    assert _match(app, scene["reefer"]).status == MatchStatus.APPROVED
    assert researcher.post(f"/matches/{scene['reefer']}/respond",
                           data={"decline": "y", "reason": "not_ready", "comment": "Cần thêm 1 năm thử nghiệm."}
                           ).status_code == 302
    match = _match(app, scene["reefer"])
    assert match.status == MatchStatus.CLOSED_NO_DEAL and match.decline_reason == DeclineReason.NOT_READY
    assert match.researcher_response == PartyResponse.DECLINED
    page = staff.get(f"/matches/{scene['reefer']}").get_data(as_text=True)
    assert "The technology is not ready enough" in page and "Cần thêm 1 năm thử nghiệm." in page
    with app.app_context():
        kinds = [(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))]
        assert (scene["staff"].id, "match.researcher_declined") in kinds
        assert (scene["firm"].id, "match.researcher_declined") in kinds
        assert (scene["staff"].id, "match.firm_accepted") in kinds
    # Staff cannot answer for a party, and a party cannot move the match.
    assert staff.post(f"/matches/{scene['ocr']}/respond", data={"accept": "y"}).status_code == 403
    assert firm.post(f"/matches/{scene['ocr']}/move", data={"to": "contacted"}).status_code == 403


def test_staff_follow_a_match_to_a_signed_agreement(app, scene):
    staff = signed_in(app, scene["staff"])
    staff.post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y"})
    url = f"/matches/{scene['ocr']}/move"
    # A move the lifecycle does not allow, and a stage the form does not offer.
    page = staff.post(url, data={"to": "rejected"}).get_data(as_text=True)
    assert "Choose one of the options offered." in page
    for stage in ("contacted", "meeting_scheduled", "negotiating"):
        assert staff.post(url, data={"to": stage, "note": f"Đã chuyển sang {stage}"}).status_code == 302
    # Signing needs the deal's terms; what was typed stays in the form.
    response = staff.post(url, data={"to": "agreement_signed", "contract_value": "1.200.000.000"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "needs its transfer mode, contract value and date" in page
    assert 'value="1.200.000.000"' in page
    # Days are Hai Phong's (UTC+7): from 00:00 to 07:00 there, the UTC date is still yesterday's.
    hai_phong_today = (utcnow() + timedelta(hours=7)).date()
    tomorrow = (hai_phong_today + timedelta(days=1)).isoformat()
    page = staff.post(url, data={"to": "agreement_signed", "transfer_mode": "license",
                                 "contract_value": "1.200.000.000", "signed_on": tomorrow}).get_data(as_text=True)
    assert "cannot be in the future" in page
    today = hai_phong_today.isoformat()
    assert staff.post(url, data={"to": "agreement_signed", "transfer_mode": "license",
                                 "contract_value": "1.200.000.000", "signed_on": today}).status_code == 302
    match = _match(app, scene["ocr"])
    assert match.status == MatchStatus.AGREEMENT_SIGNED and match.contract_value == 1_200_000_000
    assert str(match.transfer_mode) == "license" and match.signed_on.isoformat() == today
    # A signed agreement is final: a move from a page left open says so.
    response = staff.post(url, data={"to": "negotiating"}, follow_redirects=True)
    assert "from which it moves no further" in response.get_data(as_text=True)
    assert _match(app, scene["ocr"]).status == MatchStatus.AGREEMENT_SIGNED
    with app.app_context():
        events = list(db.session.execute(sa.select(AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state)
                                         .where(AuditEvent.object_type == "match").order_by(AuditEvent.id)))
    assert [e[0] for e in events] == ["match.approved", "match.contacted", "match.meeting_scheduled",
                                      "match.negotiating", "match.agreement_signed"]
    assert events[-1][1:] == ("negotiating", "agreement_signed")
    page = signed_in(app, scene["firm"]).get(f"/matches/{scene['ocr']}").get_data(as_text=True)
    assert "Agreement signed" in page and "1,200,000,000" in page


def test_check_in_reminders_at_three_and_six_months_once_each(app, scene, runner):
    from marketplace.matches.lifecycle import send_check_in_reminders

    signed_in(app, scene["staff"]).post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y"})
    with app.app_context():
        approved = db.session.get(Match, scene["ocr"]).decided_at
        assert send_check_in_reminders(now=approved + timedelta(days=80)) == 0
        assert send_check_in_reminders(now=approved + timedelta(days=93)) == 1
        assert send_check_in_reminders(now=approved + timedelta(days=100)) == 0
        assert send_check_in_reminders(now=approved + timedelta(days=185)) == 1
        assert send_check_in_reminders(now=approved + timedelta(days=400)) == 0
        db.session.commit()
        reminders = list(db.session.scalars(sa.select(Notification).where(Notification.kind == "match.check_in")))
        assert [(n.user_id, n.params["months"]) for n in reminders] == [(scene["staff"].id, 3), (scene["staff"].id, 6)]
    result = runner.invoke(args=["match", "remind"])
    assert result.exit_code == 0 and "0 check-in reminders sent" in result.output


def test_queue_filters_and_bad_filter_values(app, scene):
    staff = signed_in(app, scene["staff"])
    ocr_row, reefer_row = f'data-match="{scene["ocr"]}"', f'data-match="{scene["reefer"]}"'
    page = staff.get("/review?sector=nong-nghiep").get_data(as_text=True)
    assert ocr_row not in page and reefer_row not in page
    page = staff.get("/review?sector=logistics").get_data(as_text=True)
    assert ocr_row in page and reefer_row in page
    page = staff.get("/review?min_score=5").get_data(as_text=True)
    assert ocr_row not in page and "No match fits these filters." in page
    staff.post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y"})
    assert ocr_row not in staff.get("/review").get_data(as_text=True)  # suggestions only, by default
    assert ocr_row in staff.get("/review?status=approved").get_data(as_text=True)
    assert ocr_row in staff.get("/review?status=all").get_data(as_text=True)
    response = staff.get("/review?status=bogus&institute=abc&round=999&min_score=nhiều&sector=%00")
    assert response.status_code == 200 and "Some filters named nothing known" in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["decide", "move"])
def test_a_change_made_meanwhile_by_someone_else_is_kept_and_said(app, scene, action):
    import sqlalchemy.orm as so

    staff = signed_in(app, scene["staff"])
    if action == "move":
        staff.post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y"})
    before = _match(app, scene["ocr"]).status
    table = Match.__table__

    def someone_else(session, _context, _instances):  # another request saves the match first
        for item in list(session.dirty):
            if isinstance(item, Match):
                session.connection().execute(sa.update(table).where(table.c.id == item.id)
                                             .values(version_id=table.c.version_id + 1))

    sa.event.listen(so.Session, "before_flush", someone_else)
    try:
        if action == "decide":
            response = staff.post("/review/decide", data={"match": [str(scene["ocr"])], "approve": "y"})
        else:
            response = staff.post(f"/matches/{scene['ocr']}/move", data={"to": "contacted"})
    finally:
        sa.event.remove(so.Session, "before_flush", someone_else)
    assert response.status_code == 409 and "Someone else changed this" in response.get_data(as_text=True)
    assert _match(app, scene["ocr"]).status == before
