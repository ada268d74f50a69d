"""Proposal rounds: staff open them with a legal reference and a deadline; submissions after it are refused."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Match, MatchOrigin, Need, Round
from marketplace.models.base import utcnow
from tests import test_needs
from tests.test_needs import NEED, need_titled, signed_in

catalogue = test_needs.catalogue  # the same fixture


def _local(moment) -> str:
    """A moment as the form's datetime-local field sends it, in Hai Phong time (UTC+7)."""
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")


ROUND = {"name": "Đợt 1 năm 2027 – công nghệ của Viện Hàn lâm", "legal_reference": "Công văn số 1234/SKHCN-QLCN",
         "scope": "Danh mục 48 công nghệ gửi kèm Công văn số 567/VHL-ƯDCN của Viện Hàn lâm KH&CN Việt Nam."}


def test_staff_open_a_round_and_firms_post_within_it(app, create_user, catalogue):
    staff, firm = create_user("staff"), create_user("firm")
    client = signed_in(app, staff)
    now = utcnow()
    # A deadline in the past is refused, what was typed is kept.
    response = client.post("/rounds/new", data={**ROUND, "opens_at": _local(now - timedelta(days=10)),
                                                 "deadline": _local(now - timedelta(days=1))})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The deadline is in the past" in page and ROUND["legal_reference"] in page
    for far in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post("/rounds/new", data={**ROUND, "opens_at": far, "deadline": far})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "Enter a date between the years 1900 and 2999." in page
    response = client.post("/rounds/new", data={**ROUND, "opens_at": _local(now - timedelta(hours=1)),
                                                "deadline": _local(now + timedelta(days=12, hours=2))})
    assert response.status_code == 302
    with app.app_context():
        proposal_round = db.session.scalar(sa.select(Round))
        round_id = proposal_round.id
        # Typed in Hai Phong time, stored in UTC.
        assert abs((proposal_round.deadline - (now + timedelta(days=12, hours=2))).total_seconds()) < 60
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_type == "round")) \
            == "round.create"
    visitor = app.test_client()
    visitor.post("/language/en", data={"next": "/"})
    listing = visitor.get("/rounds").get_data(as_text=True)
    assert ROUND["name"] in listing and "12 days left" in listing
    # The same name twice is refused.
    response = client.post("/rounds/new", data={**ROUND, "opens_at": _local(now), "deadline": _local(now + timedelta(
        days=3))})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)

    firm_client = signed_in(app, firm)
    form = firm_client.get(f"/my/needs/new?round={round_id}").get_data(as_text=True)
    assert f'<option selected value="{round_id}">' in form or f'value="{round_id}" selected' in form
    assert firm_client.post("/my/needs/new", data={**NEED, "round": str(round_id), "publish": "y"}).status_code == 302
    need = need_titled(app, NEED["title"])
    assert need.round_id == round_id
    with app.app_context():
        rounds = {m.round_id for m in db.session.scalars(sa.select(Match).where(Match.need_id == need.id))}
        assert rounds == {round_id}  # the suggestions carry the round, for the queue and the reports
    detail = visitor.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Needs posted" in detail and "Công văn số 1234/SKHCN-QLCN" in detail


def test_after_the_deadline_submissions_are_refused(app, create_user, catalogue):
    staff, firm = create_user("staff"), create_user("firm")
    with app.app_context():
        proposal_round = Round(name="Đợt đã hết hạn", legal_reference="Công văn số 99/SKHCN",
                               opens_at=utcnow() - timedelta(days=30), deadline=utcnow() + timedelta(days=1))
        db.session.add(proposal_round)
        db.session.commit()
        round_id = proposal_round.id
    firm_client = signed_in(app, firm)
    assert firm_client.post("/my/needs/new", data={**NEED, "round": str(round_id), "save": "y"}).status_code == 302
    draft = need_titled(app, NEED["title"])
    assert firm_client.post("/my/needs/new", data={**NEED, "title": "Nhu cầu đã gửi", "round": str(round_id),
                                                   "publish": "y"}).status_code == 302
    posted = need_titled(app, "Nhu cầu đã gửi")
    with app.app_context():
        db.session.get(Round, round_id).deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    # Posting the draft in the closed round: refused, nothing changed, the round named.
    page = firm_client.post(f"/my/needs/{draft.id}/edit", data={**NEED, "round": str(round_id), "publish": "y"},
                            follow_redirects=True).get_data(as_text=True)
    assert "The round “Đợt đã hết hạn” closed on" in page
    with app.app_context():
        assert db.session.get(Need, draft.id).status.value == "draft"
    # Nor through the page's "open" button.
    page = firm_client.post(f"/needs/{draft.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "The round “Đợt đã hết hạn” closed on" in page
    with app.app_context():
        assert db.session.get(Need, draft.id).status.value == "draft"
    # A need posted in time stays in its round and can still be edited.
    assert firm_client.post(f"/my/needs/{posted.id}/edit", data={**NEED, "title": "Nhu cầu đã gửi",
                                                                 "round": str(round_id), "timeline": "2027",
                                                                 "save": "y"}).status_code == 302
    # But no technology can be proposed for it any more.
    page = firm_client.post(f"/technologies/{catalogue['hull'].id}/propose", data={"need": str(posted.id)},
                            follow_redirects=True).get_data(as_text=True)
    assert "closed on" in page
    with app.app_context():
        assert db.session.scalar(sa.select(Match).where(Match.origin == MatchOrigin.FIRM)) is None
    # Closed, it cannot be reopened in the closed round either.
    assert firm_client.post(f"/needs/{posted.id}/close", data={}).status_code == 302
    page = firm_client.post(f"/needs/{posted.id}/open", follow_redirects=True).get_data(as_text=True)
    assert "The round “Đợt đã hết hạn” closed on" in page
    with app.app_context():
        assert db.session.get(Need, posted.id).status.value == "closed"
    # Staff see it closed; extending the deadline opens it again.
    assert "Closed" in signed_in(app, staff).get("/rounds").get_data(as_text=True)


def test_a_closed_round_can_be_corrected_without_touching_its_deadline(app, create_user):
    staff = create_user("staff")
    deadline = (utcnow() - timedelta(days=2)).replace(second=37, microsecond=120)
    with app.app_context():
        proposal_round = Round(name="Đợt đã đóng", legal_reference="Công văn số 9/SKHCN",
                               opens_at=deadline - timedelta(days=30), deadline=deadline)
        db.session.add(proposal_round)
        db.session.commit()
        round_id, opens_at = proposal_round.id, proposal_round.opens_at
    client = signed_in(app, staff)
    response = client.post(f"/rounds/{round_id}/edit", data={
        "name": "Đợt đã đóng", "legal_reference": "Công văn số 9/SKHCN-QLCN", "scope": "",
        "opens_at": _local(opens_at), "deadline": _local(deadline)})
    assert response.status_code == 302
    with app.app_context():
        corrected = db.session.get(Round, round_id)
        assert corrected.legal_reference == "Công văn số 9/SKHCN-QLCN"
        assert corrected.deadline == deadline.replace(microsecond=0) or corrected.deadline == deadline
    # Moving the deadline of a closed round into the past is still refused.
    response = client.post(f"/rounds/{round_id}/edit", data={
        "name": "Đợt đã đóng", "legal_reference": "Công văn số 9/SKHCN-QLCN", "scope": "",
        "opens_at": _local(opens_at), "deadline": _local(deadline - timedelta(hours=1))})
    assert response.status_code == 400 and "The deadline is in the past" in response.get_data(as_text=True)
