"""Every route, for every kind of visitor: the status each one gets.

The expected statuses live in the route tables ``tests/routes_*.py``; a route missing from all of them fails
``test_matrix_covers_every_route``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.access import REDIRECT, ROLES

ROUTE_TABLES = sorted(p.stem for p in Path(__file__).parent.glob("routes_*.py"))
MATRIX: dict[str, tuple[str, str, dict[str, int]]] = {}
for _name in ROUTE_TABLES:
    _table = importlib.import_module(f"tests.{_name}").ROUTES
    assert not set(_table) & set(MATRIX), f"{_name} repeats endpoints"
    MATRIX.update(_table)


@pytest.fixture
def places(app, create_user, create_technology):
    """The objects the route tables' placeholders point at (none of them belongs to the visitor)."""
    from datetime import date, timedelta

    from marketplace.catalogue import services
    from marketplace.extensions import db
    from marketplace.models import (
        Match,
        MatchmakingEvent,
        MatchOrigin,
        MatchStatus,
        Meeting,
        Need,
        NeedStatus,
        Round,
        Technology,
        User,
    )
    from marketplace.models.base import utcnow

    target = create_user("firm", email="target@test.example", organization="Công ty Cổ phần Cảng Mục Tiêu")
    owner = create_user("researcher", email="owner@test.example")
    published = create_technology(owner=owner, status="published", title="Hệ thống giám sát bãi container")
    draft = create_technology(owner=owner, status="draft", title="Bản nháp công nghệ đóng tàu")
    with app.app_context():
        revision = services.submit_technology(db.session.get(Technology, draft.id), db.session.get(User, owner.id))
        target_user = db.session.get(User, target.id)
        need = Need(code="NC-TEST-001", title="Giám sát container lạnh", description="Cần giám sát nhiệt độ.",
                    firm_id=target_user.organization_id, author=target_user, status=NeedStatus.OPEN)
        db.session.add(need)
        db.session.flush()
        # A suggestion between the two (neither party is the visitor), a round open for a month, a session.
        match = Match(need_id=need.id, technology_id=published.id, status=MatchStatus.SUGGESTED,
                      origin=MatchOrigin.MATCHER, score=0.5)
        proposal_round = Round(name="Đợt đề xuất thử nghiệm", legal_reference="Công văn số 1/SKHCN-QLCN",
                               opens_at=utcnow() - timedelta(days=1), deadline=utcnow() + timedelta(days=30))
        event = MatchmakingEvent(name="Phiên kết nối thử nghiệm", held_on=date.today() + timedelta(days=20),
                                 place="Trung tâm Hội nghị thành phố")
        meeting = Meeting(event=event, match=match)
        db.session.add_all([match, proposal_round, event, meeting])
        db.session.commit()
        revision_id, need_id = revision.id, need.id
        match_id, round_id, event_id, meeting_id = match.id, proposal_round.id, event.id, meeting.id
    return {"target": target.id, "tech_id": published.id, "tech_code": published.code, "tech_slug": published.slug,
            "draft_id": draft.id, "revision_id": revision_id, "need_id": need_id, "match_id": match_id,
            "round_id": round_id, "event_id": event_id, "meeting_id": meeting_id}


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert sorted(endpoints - set(MATRIX)) == [] and sorted(set(MATRIX) - endpoints) == []


def test_every_view_declares_an_access_rule(app):
    undeclared = [name for name, view in app.view_functions.items()
                  if name != "static" and getattr(view, "access_rule", None) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(app, create_user, places, role, endpoint):
    method, path, expected = MATRIX[endpoint]
    client = app.test_client()
    if role != "anonymous":
        user = create_user(role)
        assert client.post("/auth/login", data={"email": user.email, "password": user.password}).status_code == 302
    response = client.open(path.format(**places), method=method, data={"active": "0"})
    assert response.status_code == expected[role], f"{role} {method} {path}"
    if role == "anonymous" and response.status_code == REDIRECT and expected[role] != expected["firm"]:
        assert response.headers["Location"].startswith("/auth/login")


def test_admin_cannot_deactivate_themselves(app, create_user, auth, client):
    admin = create_user("admin")
    auth.login(admin.email)
    assert client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}).status_code == 403


def test_undeclared_view_is_denied(make_app):
    app = make_app()

    @app.route("/forgot-to-declare")
    def forgot():  # pragma: no cover - never reached
        return "open"

    assert app.test_client().get("/forgot-to-declare").status_code == 403
