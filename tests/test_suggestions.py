"""``flask match rebuild`` and ``export`` on the demo catalogue: suggestions stored, decisions kept."""

from __future__ import annotations

import json

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Match, MatchStatus, Need, Technology


def _codes(app, need_code: str, status: MatchStatus | None = MatchStatus.SUGGESTED) -> list[str]:
    with app.app_context():
        need = db.session.scalar(sa.select(Need).where(Need.code == need_code))
        stmt = (sa.select(Technology.code).join(Match, Match.technology_id == Technology.id)
                .where(Match.need_id == need.id).order_by(Match.score.desc()))
        if status is not None:
            stmt = stmt.where(Match.status == status)
        return list(db.session.scalars(stmt))


def test_rebuild_suggests_export_lists_and_decisions_survive(app, runner):
    app.config["DEMO_PASSWORD"] = "demo-password-for-tests"
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    result = runner.invoke(args=["match", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "48 technologies" in result.output
    # The container-number need finds the container-number recognition system first; the demo's staff approved
    # that pair, and the rebuild kept their decision.
    assert _codes(app, "NC-2026-001", status=None)[0] == "VAST-IOIT-01"
    assert _codes(app, "NC-2026-001", status=MatchStatus.APPROVED) == ["VAST-IOIT-01"]
    assert "VAST-IOIT-01" not in _codes(app, "NC-2026-001")
    with app.app_context():
        match = db.session.scalar(sa.select(Match).join(Need).where(
            Need.code == "NC-2026-001", Match.status == MatchStatus.SUGGESTED).order_by(Match.score.desc()))
        explanation = match.explanation
        assert "container" in explanation["shared_terms"] and explanation["model"]
        assert 0 < match.score <= 2
        # Staff decide: one approved, one rejected.
        ranked = db.session.scalars(sa.select(Match).join(Need).where(
            Need.code == "NC-2026-001", Match.status == MatchStatus.SUGGESTED).order_by(Match.score.desc())).all()
        ranked[0].status, ranked[1].status = MatchStatus.APPROVED, MatchStatus.REJECTED
        approved_score = ranked[0].score
        rejected_id = ranked[1].technology_id
        db.session.commit()
    assert runner.invoke(args=["match", "rebuild"]).exit_code == 0
    with app.app_context():
        need_id = db.session.scalar(sa.select(Need.id).where(Need.code == "NC-2026-001"))
        rows = db.session.scalars(sa.select(Match).where(Match.need_id == need_id)).all()
        statuses = [(m.technology_id, m.status) for m in rows]
        assert statuses.count((rejected_id, MatchStatus.REJECTED)) == 1  # kept, never suggested again
        assert len({m.technology_id for m in rows}) == len(rows)  # no duplicate pair
        assert any(m.status == MatchStatus.APPROVED and m.score == approved_score for m in rows)

    result = runner.invoke(args=["match", "export", "--format", "jsonl"])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 36 and lines[0]["need"] == "NC-2026-001"
    first = lines[0]["matches"]
    assert first[0]["technology"] == "VAST-IOIT-01" and len(first) <= 20
    assert all(a["score"] >= b["score"] for a, b in zip(first, first[1:], strict=False))
