"""``flask users``, ``flask audit verify``, ``flask demo load``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditLogIsAppendOnly
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Need,
    Organization,
    OrganizationKind,
    Role,
    Sector,
    Technology,
    TechnologyStatus,
    User,
)
from marketplace.models.base import utcnow


def test_users_create_staff_and_admin(app, runner):
    result = runner.invoke(args=["users", "create", "--role", "staff", "--email", "CanBo@HaiPhong.example",
                                 "--name", "Nguyễn Thị Lan", "--password", "staff-password-1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "--role", "admin", "--email", "admin@haiphong.example",
                                 "--name", "Vũ Quang Huy"], input="admin-password-1\nadmin-password-1\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = dict(db.session.execute(sa.select(User.email, User.role)).all())
    assert roles == {"canbo@haiphong.example": Role.STAFF, "admin@haiphong.example": Role.ADMIN}
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "canbo@haiphong.example", "password": "staff-password-1"})
    assert response.status_code == 302


def test_users_create_refuses_weak_password_and_duplicates(app, runner, create_user):
    create_user("staff", email="taken@test.example")
    result = runner.invoke(args=["users", "create", "--role", "staff", "--email", "x@test.example", "--name", "X",
                                 "--password", "short"])
    assert result.exit_code != 0 and "ít nhất 10 ký tự" in result.output
    result = runner.invoke(args=["users", "create", "--role", "staff", "--email", "taken@test.example", "--name",
                                 "X", "--password", "long-enough-pass"])
    assert result.exit_code != 0 and "đã được dùng" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_users_set_active(app, runner, create_user):
    user = create_user("firm")
    assert runner.invoke(args=["users", "set-active", user.email, "--inactive"]).exit_code == 0
    with app.app_context():
        assert db.session.get(User, user.id).active is False


def test_audit_verify_detects_tampering(app, runner, create_user):
    create_user("firm")
    create_user("researcher")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    with app.app_context():
        # The app itself refuses to change a recorded event...
        first = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id))
        first.note = "edited afterwards"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.delete(first)
            db.session.flush()
        db.session.rollback()
        # ...and a change made behind it, in SQL, is detected.
        first_id = first.id
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == first_id).values(note="edited afterwards"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and str(first_id) in result.output


def test_demo_load_fills_the_catalogue_once(app, runner):
    app.config["DEMO_PASSWORD"] = "demo-password-for-tests"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    for email in ("doanhnghiep@demo.example", "nhakhoahoc@demo.example", "canbo@demo.example",
                  "quantri@demo.example"):
        assert email in result.output
    assert "demo-password-for-tests" in result.output

    def snapshot() -> dict[str, int]:
        with app.app_context():
            return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                    for model in (User, Organization, Technology, Need, AuditEvent)}

    before = snapshot()
    assert before["Technology"] >= 40 and before["Need"] >= 15 and before["User"] == 4
    with app.app_context():
        institutes = db.session.scalar(sa.select(sa.func.count()).select_from(Organization).where(
            Organization.kind == OrganizationKind.INSTITUTE))
        assert institutes >= 8
        for sector in db.session.scalars(sa.select(Sector)):
            published = [t for t in db.session.scalars(sa.select(Technology).where(Technology.sectors.contains(sector)))
                         if t.status == TechnologyStatus.PUBLISHED]
            assert len(published) >= (6 if sector.is_priority else 1), sector.slug
        roles = set(db.session.scalars(sa.select(User.role)))
        assert roles == set(Role)
        # The Department's work: matches at every stage, each step audited, rounds open and closed.
        from marketplace.models import Match, MatchStatus, Round

        stages = set(db.session.scalars(sa.select(Match.status).distinct()))
        assert stages == set(MatchStatus)
        actions = set(db.session.scalars(sa.select(AuditEvent.action).distinct()))
        assert {f"match.{stage.value}" for stage in MatchStatus if stage != MatchStatus.SUGGESTED} <= actions
        assert {"match.firm_accept", "match.firm_decline", "match.researcher_accept"} <= actions
        deadlines = [r.deadline for r in db.session.scalars(sa.select(Round))]
        assert len(deadlines) == 2 and min(deadlines) < utcnow() < max(deadlines)
        # An upcoming matchmaking session with its meetings planned, none double-booked.
        from marketplace.matchmaking import services as sessions
        from marketplace.models import MatchmakingEvent

        event = db.session.scalar(sa.select(MatchmakingEvent))
        assert event.meetings and all(m.slot_id is not None for m in event.meetings)
        assert sessions.clashes(event) == []
        assert {"session.create", "session.invite", "session.plan"} <= actions
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "nothing new" in result.output
    assert snapshot() == before
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "not loaded" in result.output

    client = app.test_client()
    response = client.post("/auth/login",
                           data={"email": "quantri@demo.example", "password": app.config["DEMO_PASSWORD"]})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_demo_password_is_random_unless_configured(app, runner):
    import re

    result = runner.invoke(args=["demo", "load"])
    password = re.search(r"password of each new one: (\S+)\)", result.output).group(1)
    assert len(password) >= 12
    client = app.test_client()
    assert client.post("/auth/login", data={"email": "canbo@demo.example", "password": password}).status_code == 302
