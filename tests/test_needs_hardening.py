"""Needs and suggestions under awkward conditions: proposals meeting re-matching, rollbacks, odd input, races."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Match, MatchOrigin, MatchStatus, Need, Technology
from tests import test_needs
from tests.test_needs import NEED, _post, need_titled, signed_in

catalogue = test_needs.catalogue  # the same fixture


def _proposal(app, need_id: int, technology_id: int) -> Match | None:
    with app.app_context():
        match = db.session.scalar(sa.select(Match).where(Match.need_id == need_id,
                                                         Match.technology_id == technology_id))
        db.session.expunge_all()
        return match


def test_a_pending_proposal_survives_edits_publication_and_rebuilds(app, runner, create_user, catalogue):
    from tests.test_catalogue import GOOD_REVIEW, LISTING

    firm, researcher, staff = create_user("firm"), create_user("researcher"), create_user("staff")
    need = _post(app, firm, "anonymous", NEED["title"])
    client = signed_in(app, firm)
    # The firm proposes the matcher's best suggestion and a technology the matcher would not have offered.
    for key in ("ocr", "hull"):
        assert client.post(f"/technologies/{catalogue[key].id}/propose",
                           data={"need": str(need.id), "note": key}).status_code == 302
    # Editing the need re-matches it: the pending proposals are not the matcher's to replace.
    assert client.post(f"/my/needs/{need.id}/edit", data={**NEED, "timeline": "Quý I/2027", "save": "y"}
                       ).status_code == 302
    # So does a technology published meanwhile, and a full rebuild.
    assert signed_in(app, researcher).post("/my/technologies/new",
                                           data={**LISTING, "save_and_submit": "y"}).status_code == 302
    with app.app_context():
        from marketplace.models import TechnologyRevision

        revision_id = db.session.scalar(sa.select(TechnologyRevision.id))
    assert signed_in(app, staff).post(f"/moderation/{revision_id}", data=GOOD_REVIEW).status_code == 302
    result = runner.invoke(args=["match", "rebuild"])
    assert result.exit_code == 0, result.output
    for key in ("ocr", "hull"):
        match = _proposal(app, need.id, catalogue[key].id)
        assert match.origin == MatchOrigin.FIRM and match.status == MatchStatus.SUGGESTED and match.note == key
    with app.app_context():
        pairs = db.session.execute(sa.select(Match.technology_id).where(Match.need_id == need.id)).scalars().all()
        assert len(pairs) == len(set(pairs))


def test_the_model_changes_only_when_the_transaction_commits(app, create_user, catalogue):
    from marketplace.suggestions import services

    hull = catalogue["hull"].id
    with app.app_context():
        services.current_model()  # fitted and saved
        path = Path(app.config["MATCH_MODEL_PATH"])
        saved = path.read_bytes()
        services.technology_withdrawn(db.session.get(Technology, hull))
        with pytest.raises(KeyError):  # this transaction already matches without it
            services.current_model().match_technology(hull, [])
        db.session.rollback()
        assert path.read_bytes() == saved
        assert services.current_model().match_technology(hull, []) == []  # still in the model
        services.technology_withdrawn(db.session.get(Technology, hull))
        commit()
        assert path.read_bytes() != saved
        with pytest.raises(KeyError):
            services.current_model().match_technology(hull, [])
        with pytest.raises(KeyError):  # and so does the file other processes load
            services.load_model().match_technology(hull, [])


def test_a_damaged_model_file_is_refitted(app, catalogue):
    from marketplace.suggestions import services

    with app.app_context():
        path = Path(app.config["MATCH_MODEL_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x80\x04not a model")
        assert services.load_model() is None
        assert services.current_model().size == len(catalogue)
        assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_odd_form_input_gets_messages_not_errors(app, create_user, catalogue):
    firm = create_user("firm")
    client = signed_in(app, firm, lang="vi")
    # A tampered choice in the coaching preview: the panel still renders.
    response = client.post("/my/needs/coach", data={**NEED, "visibility": "everyone"})
    assert response.status_code == 200 and "Hệ thống nhận dạng số container" in response.get_data(as_text=True)
    # Amounts as people write them are accepted; words are refused in Vietnamese, and what was typed is kept.
    page = client.post("/my/needs/new", data={**NEED, "budget_min": "hai tỷ", "budget_max": "5.000.000.000 đ",
                                              "publish": "y"}).get_data(as_text=True)
    assert "Nhập số tiền là số nguyên" in page and 'value="hai tỷ"' in page and "5.000.000.000 đ" in page
    assert client.post("/my/needs/new", data={**NEED, "budget_min": "2.000.000.000", "publish": "y"}
                       ).status_code == 302
    need = need_titled(app, NEED["title"])
    assert need.budget_min == 2_000_000_000 and need.budget_max == 5_000_000_000
    # A title of spaces, or of invisible characters, is no title, even for a draft; nor such a description.
    for invisible in ("   ", "\u200b", "\u2060\ufeff \u200b"):
        page = client.post("/my/needs/new", data={**NEED, "title": invisible, "save": "y"}).get_data(as_text=True)
        assert "Vui lòng nhập thông tin này." in page
        page = client.post("/my/needs/new", data={**NEED, "title": "Nhu cầu vô hình", "description": invisible,
                                                  "publish": "y"}).get_data(as_text=True)
        assert "Hãy mô tả vấn đề trước khi đăng nhu cầu" in page
    assert need_titled(app, "Nhu cầu vô hình") is None
    # A posted need cannot be emptied by a later save; what was typed is kept on the page.
    response = client.post(f"/my/needs/{need.id}/edit", data={**NEED, "description": " \u200b ", "timeline": "Quý IV",
                                                             "save": "y"})
    page = response.get_data(as_text=True)
    assert "không thể để trống" in page and 'value="Quý IV"' in page
    assert need_titled(app, NEED["title"]).description == NEED["description"]
    # Control characters (NUL is refused by PostgreSQL) are dropped from what was typed.
    assert client.post("/my/needs/new", data={**NEED, "title": "Cảm biến\x00 mặn\x07", "save": "y"}
                       ).status_code == 302
    assert need_titled(app, "Cảm biến mặn") is not None


def test_closing_with_a_note_too_long_keeps_the_note(app, create_user, catalogue):
    firm = create_user("firm")
    need = _post(app, firm, "anonymous", NEED["title"])
    client = signed_in(app, firm)
    note = "Đã có nhà cung cấp khác. " * 100
    response = client.post(f"/needs/{need.id}/close", data={"note": note})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Use at most 2000 characters." in page and note.strip() in page
    assert "<details class=\"close-need\" open>" in page
    with app.app_context():
        assert db.session.get(Need, need.id).status.value == "open"


def test_a_body_too_large_gets_the_error_page(make_app, create_user):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    firm = create_user("firm")
    client = signed_in(app, firm)
    response = client.post("/my/needs/coach", data={"title": "x" * 5000})
    assert response.status_code == 413 and "File too large" in response.get_data(as_text=True)


def test_a_code_taken_meanwhile_is_skipped(app, create_user, monkeypatch):
    from marketplace import codes
    from marketplace.needs import services

    firm = create_user("firm")
    with app.app_context():
        from marketplace.models import User

        user = db.session.get(User, firm.id)
        first = services.create_need(user, {"title": "Nhu cầu thứ nhất"}, publish=False)
        taken = first.code
        real = codes.next_code
        answers = iter([taken])  # another request took this number after we counted
        monkeypatch.setattr(codes, "next_code", lambda column, prefix: next(answers, None) or real(column, prefix))
        second = services.create_need(user, {"title": "Nhu cầu thứ hai"}, publish=False)
        commit()
        assert second.code != taken and second.code.startswith(services.code_prefix())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 2


def test_proposals_leave_what_staff_put_forward_or_decided_as_it_is(app, create_user, catalogue):
    firm = create_user("firm")
    need = _post(app, firm, "anonymous", NEED["title"])
    with app.app_context():
        db.session.execute(sa.delete(Match).where(Match.need_id == need.id))
        decided = Match(need_id=need.id, technology_id=catalogue["reefer"].id, origin=MatchOrigin.STAFF,
                        status=MatchStatus.APPROVED)
        put_forward = Match(need_id=need.id, technology_id=catalogue["ocr"].id, origin=MatchOrigin.STAFF,
                            status=MatchStatus.SUGGESTED)
        db.session.add_all([decided, put_forward])
        commit()
        before = {m.id: (m.score, m.version_id, m.origin, m.proposed_by_id)
                  for m in db.session.scalars(sa.select(Match))}
    client = signed_in(app, firm)
    # Proposing what staff already put forward is refused, and it stays theirs.
    page = client.post(f"/technologies/{catalogue['ocr'].id}/propose", data={"need": str(need.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "already put this technology forward" in page
    # Proposing another technology scores that proposal only: the decided pair keeps its score and version.
    assert client.post(f"/technologies/{catalogue['hull'].id}/propose", data={"need": str(need.id)}
                       ).status_code == 302
    with app.app_context():
        after = {m.id: (m.score, m.version_id, m.origin, m.proposed_by_id)
                 for m in db.session.scalars(sa.select(Match))}
    assert {key: after[key] for key in before} == before
    assert len(after) == len(before) + 1
