"""Firms' needs: posting with the coaching form, suggestions at once, visibility, proposals, closing, the API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Match, MatchOrigin, MatchStatus, Need, NeedStatus, NeedVisibility, User
from tests.conftest import csrf_token

NEED = {
    "title": "Tự động đọc số container tại cổng cảng",
    "description": ("Nhân viên cổng vẫn đọc số container bằng mắt rồi nhập vào hệ thống, mỗi xe mất 3 đến 4 phút; "
                    "giờ cao điểm xe đầu kéo xếp hàng dài. Tỷ lệ nhập sai số container khoảng 0,5%, mất thời gian "
                    "đối soát với hãng tàu. Cảng cần nhận dạng tự động số container và biển số xe."),
    "desired_outcome": "Xe qua cổng dưới 1 phút, nhận dạng đúng từ 98% trở lên.",
    "sectors": ["cang-bien"],
    "budget_min": "2000000000",
    "budget_max": "5000000000",
    "timeline": "Quý IV/2026",
    "location": "KCN Đình Vũ, phường Đông Hải",
    "visibility": "anonymous",
    "contact_name": "Ông Phạm Quang Huy",
    "contact_email": "huy@cang.example",
    "contact_phone": "0225 3978 412",
}


@pytest.fixture
def catalogue(create_technology):
    """A few published technologies that a container-gate need tells apart."""
    return {
        "ocr": create_technology(
            title="Hệ thống nhận dạng số container và biển số xe tại cổng cảng", sectors=("cang-bien", "logistics"),
            trl=8, keywords=["container", "nhận dạng", "OCR"],
            summary="Camera và phần mềm nhận dạng tự động số container, số niêm phong và biển số xe tại cổng.",
            description="Rút ngắn thời gian xe qua cổng cảng; tích hợp với phần mềm quản lý khai thác."),
        "reefer": create_technology(
            title="Giám sát nhiệt độ container lạnh bằng IoT", sectors=("logistics",), trl=6,
            keywords=["container lạnh", "IoT"],
            summary="Cảm biến nhiệt độ gắn trên container lạnh gửi dữ liệu về trung tâm.",
            description="Cảnh báo khi nhiệt độ container lạnh vượt ngưỡng trong vận chuyển và tại bãi."),
        "compost": create_technology(
            title="Chế phẩm vi sinh xử lý rơm rạ thành phân bón hữu cơ", sectors=("nong-nghiep",), trl=7,
            keywords=["rơm rạ", "phân bón"],
            summary="Ủ rơm rạ và phụ phẩm trồng trọt thành phân hữu cơ vi sinh trong 30 ngày.",
            description="Giảm đốt rơm rạ ngoài đồng, tạo phân bón cho vụ sau."),
        "hull": create_technology(
            title="Robot hàn tự động cho phân đoạn vỏ tàu", sectors=("co-khi-dong-tau",), trl=6,
            keywords=["robot hàn", "đóng tàu"],
            summary="Robot hàn đường hàn dài trên phân đoạn vỏ tàu.",
            description="Nâng năng suất và chất lượng mối hàn ở nhà máy đóng tàu."),
    }


def signed_in(app, user, lang: str = "en"):
    client = app.test_client()
    assert client.post("/auth/login", data={"email": user.email, "password": user.password}).status_code == 302
    client.post(f"/language/{lang}", data={"next": "/"})
    return client


def need_titled(app, title: str) -> Need:
    with app.app_context():
        need = db.session.scalar(sa.select(Need).where(Need.title == title))
        db.session.expunge_all()
        return need


def suggested_codes(app, need_id: int, status: MatchStatus | None = MatchStatus.SUGGESTED) -> list[str]:
    from marketplace.models import Technology

    with app.app_context():
        stmt = (sa.select(Technology.code).join(Match, Match.technology_id == Technology.id)
                .where(Match.need_id == need_id).order_by(Match.score.desc()))
        if status is not None:
            stmt = stmt.where(Match.status == status)
        return list(db.session.scalars(stmt))


def test_a_posted_need_is_matched_at_once_and_the_firm_reads_why(app, create_user, catalogue):
    firm = create_user("firm")
    client = signed_in(app, firm)
    response = client.post("/my/needs/new", data={**NEED, "publish": "y"})
    assert response.status_code == 302
    need = need_titled(app, NEED["title"])
    assert need.status == NeedStatus.OPEN and need.author_id == firm.id and need.code.startswith("NC-")
    assert need.budget_min == 2_000_000_000 and need.visibility == NeedVisibility.ANONYMOUS
    codes = suggested_codes(app, need.id)
    assert codes[0] == catalogue["ocr"].code
    assert catalogue["compost"].code not in codes  # nothing in common

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The need is posted. The matcher found" in page
    assert "Hệ thống nhận dạng số container" in page
    # The explanation in words: shared terms, the shared sector, readiness.
    assert "Both speak of:" in page and "container" in page
    assert "Same sector as the need (Seaports): score raised by 20%." in page
    assert "Ready to deploy: demonstrated in operation (TRL 8 of 9)." in page
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "need")
                                          .order_by(AuditEvent.id)))
        assert actions == ["need.create", "need.open"]
        match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id).order_by(Match.score.desc()))
        assert match.origin == MatchOrigin.MATCHER and match.explanation["model"]
    # Listed in the firm's own needs with the count of suggestions.
    mine = client.get("/my/needs").get_data(as_text=True)
    assert NEED["title"] in mine and f"#suggestions\">{len(codes)}</a>" in mine


def test_a_draft_is_private_and_unmatched_until_posted(app, create_user, catalogue):
    firm, other = create_user("firm"), create_user("firm", organization="Công ty Khác")
    client = signed_in(app, firm)
    assert client.post("/my/needs/new", data={**NEED, "save": "y"}).status_code == 302
    need = need_titled(app, NEED["title"])
    assert need.status == NeedStatus.DRAFT and suggested_codes(app, need.id) == []
    assert signed_in(app, other).get(f"/needs/{need.id}").status_code == 404
    assert app.test_client().get(f"/needs/{need.id}").status_code == 404
    assert NEED["title"] not in app.test_client().get("/needs").get_data(as_text=True)
    # Posting the draft from its page opens and matches it.
    assert client.post(f"/needs/{need.id}/open").status_code == 302
    assert need_titled(app, NEED["title"]).status == NeedStatus.OPEN
    assert suggested_codes(app, need.id)[0] == catalogue["ocr"].code


def test_bad_input_keeps_what_was_typed_and_saves_nothing(app, create_user, catalogue):
    client = signed_in(app, create_user("firm"))
    bad = {**NEED, "description": "", "budget_min": "900", "budget_max": "100", "contact_email": "not-an-address",
           "title": "Giải pháp <b>đọc số</b> container", "publish": "y"}
    page = client.post("/my/needs/new", data=bad).get_data(as_text=True)
    assert "Describe the problem before posting the need" in page
    assert "The upper budget must not be lower than the lower one." in page
    assert "Giải pháp &lt;b&gt;đọc số&lt;/b&gt; container" in page  # kept, and escaped
    assert NEED["timeline"] in page and NEED["location"] in page
    too_long = client.post("/my/needs/new", data={**NEED, "description": "x" * 20001, "publish": "y"})
    assert too_long.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


def test_html_and_odd_text_are_shown_escaped_and_matched_sensibly(app, create_user, catalogue):
    import unicodedata

    client = signed_in(app, create_user("firm"))
    # Decomposed Unicode, no accents and markup: still matched, shown escaped.
    title = unicodedata.normalize("NFD", "Nhận dạng số container <script>alert(1)</script>")
    description = "Can nhan dang so container va bien so xe tai cong cang, giam thoi gian xe cho."
    assert client.post("/my/needs/new", data={**NEED, "title": title, "description": description,
                                              "sectors": [], "publish": "y"}).status_code == 302
    need = need_titled(app, title)
    assert suggested_codes(app, need.id)[0] == catalogue["ocr"].code
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    # Only function words: posted, nothing suggested, no error.
    response = client.post("/my/needs/new", data={**NEED, "title": "của và các những", "description": "là thì mà",
                                                  "desired_outcome": "", "publish": "y"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No technology of the catalogue fits it well yet" in page


def test_coaching_flags_missing_fields_and_previews_the_best_three(app, create_user, catalogue):
    client = signed_in(app, create_user("firm"))
    page = client.post("/my/needs/coach", data={"title": NEED["title"],
                                               "description": "Cần đọc số container tự động ở cổng."}).get_data(
        as_text=True)
    assert "Choose at least one sector" in page and "The description has 8 words." in page
    assert "An indicative budget" in page and "Say where the technology would be deployed" in page
    assert "technologies of the catalogue would match" in page or "technology of the catalogue would match" in page
    assert "Hệ thống nhận dạng số container" in page
    assert page.index("Hệ thống nhận dạng số container") < page.index("Giám sát nhiệt độ container lạnh")
    assert page.count("<li class=\"mb-2\">") <= 3
    complete = client.post("/my/needs/coach", data=NEED).get_data(as_text=True)
    assert "The need is complete." in complete
    # Without JavaScript the preview button shows the same panel in the page, and saves nothing.
    page = client.post("/my/needs/new", data={**NEED, "preview": "y"}).get_data(as_text=True)
    assert "Matching preview" in page and "Hệ thống nhận dạng số container" in page and NEED["title"] in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
    # An empty form previews nothing, without error.
    empty = client.post("/my/needs/coach", data={}).get_data(as_text=True)
    assert "0 technologies of the catalogue would match." in empty and "Give the need a short title" in empty


def _post(app, firm, visibility: str, title: str) -> Need:
    client = signed_in(app, firm)
    assert client.post("/my/needs/new", data={**NEED, "title": title, "visibility": visibility,
                                              "publish": "y"}).status_code == 302
    return need_titled(app, title)


def test_visibility_is_enforced_in_pages_and_api(app, create_user, catalogue):
    firm = create_user("firm", organization="Cảng Bạch Lam")
    other_firm = create_user("firm", organization="Công ty Vận tải Biển")
    researcher, staff = create_user("researcher"), create_user("staff")
    anonymous = _post(app, firm, "anonymous", "Nhu cầu ẩn danh về nhận dạng container")
    public = _post(app, firm, "public", "Nhu cầu công khai về nhận dạng container")
    hidden = _post(app, firm, "staff", "Nhu cầu chỉ Sở xem về nhận dạng container")
    visitor, other, staff_client = app.test_client(), signed_in(app, other_firm), signed_in(app, staff)
    visitor.post("/language/en", data={"next": "/"})

    for client in (visitor, other):
        listing = client.get("/needs").get_data(as_text=True)
        assert anonymous.title in listing and public.title in listing and hidden.title not in listing
        page = client.get(f"/needs/{anonymous.id}").get_data(as_text=True)
        assert "Anonymous firm" in page and "Cảng Bạch Lam" not in page and NEED["contact_email"] not in page
        page = client.get(f"/needs/{public.id}").get_data(as_text=True)
        assert "Cảng Bạch Lam" in page and NEED["contact_email"] in page
        assert client.get(f"/needs/{hidden.id}").status_code == 404
        # Suggestions are the firm's and the Department's business.
        assert "Suggested technologies" not in client.get(f"/needs/{anonymous.id}").get_data(as_text=True)
    assert visitor.get(f"/api/v1/needs/{anonymous.id}/matches").status_code == 401
    assert other.get(f"/api/v1/needs/{anonymous.id}/matches").status_code == 403
    assert other.get(f"/api/v1/needs/{hidden.id}/matches").status_code == 404

    page = staff_client.get(f"/needs/{hidden.id}").get_data(as_text=True)
    assert "Cảng Bạch Lam" in page and "Suggested technologies" in page
    assert hidden.title in staff_client.get("/needs").get_data(as_text=True)

    # A researcher sees the firm once staff approved an introduction to one of the researcher's technologies.
    owner = signed_in(app, researcher)
    assert "Cảng Bạch Lam" not in owner.get(f"/needs/{anonymous.id}").get_data(as_text=True)
    technology = create_technology_for(app, researcher)
    with app.app_context():
        db.session.add(Match(need_id=anonymous.id, technology_id=technology, status=MatchStatus.APPROVED,
                             origin=MatchOrigin.STAFF))
        db.session.commit()
    assert "Cảng Bạch Lam" in owner.get(f"/needs/{anonymous.id}").get_data(as_text=True)


def create_technology_for(app, researcher) -> int:
    from marketplace.models import Technology, TechnologyStatus

    with app.app_context():
        user = db.session.get(User, researcher.id)
        technology = Technology(code="OWN-001", title="Công nghệ riêng", slug="cong-nghe-rieng", trl=5,
                                institute_id=user.organization_id, owner_id=user.id,
                                status=TechnologyStatus.PUBLISHED, transfer_modes=["license"])
        db.session.add(technology)
        db.session.commit()
        return technology.id


def test_api_returns_ranked_suggestions_with_explanations(app, create_user, catalogue):
    firm, staff = create_user("firm"), create_user("staff")
    need = _post(app, firm, "anonymous", NEED["title"])
    client = signed_in(app, firm, lang="vi")
    data = client.get(f"/api/v1/needs/{need.id}/matches").get_json()
    assert data["need"]["code"] == need.code
    matches = data["matches"]
    assert matches[0]["technology"]["code"] == catalogue["ocr"].code
    assert [m["score"] for m in matches] == sorted((m["score"] for m in matches), reverse=True)
    first = matches[0]
    assert first["status"] == "suggested" and first["origin"] == "matcher"
    assert "container" in first["explanation"]["shared_terms"] and first["explanation"]["trl"] == 8
    assert any(line.startswith("Cùng lĩnh vực với nhu cầu (Cảng biển)") for line in first["reasons"])
    assert first["technology"]["url"].startswith("http")
    # Staff see the pairs they turned down; the firm no longer does.
    with app.app_context():
        match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id).order_by(Match.score.desc()))
        match.status = MatchStatus.REJECTED
        db.session.commit()
    assert catalogue["ocr"].code not in [m["technology"]["code"] for m in client.get(
        f"/api/v1/needs/{need.id}/matches").get_json()["matches"]]
    staff_view = signed_in(app, staff).get(f"/api/v1/needs/{need.id}/matches").get_json()["matches"]
    assert staff_view[0]["technology"]["code"] == catalogue["ocr"].code and staff_view[0]["status"] == "rejected"


def test_firm_proposes_a_catalogue_technology_for_its_need(app, create_user, catalogue):
    firm, other_firm = create_user("firm"), create_user("firm", organization="Công ty Khác")
    need = _post(app, firm, "anonymous", NEED["title"])
    client = signed_in(app, firm)
    page = client.get(f"/technologies/{catalogue['hull'].id}/propose").get_data(as_text=True)
    assert "Propose a technology for one of your needs" in page and need.title in page
    response = client.post(f"/technologies/{catalogue['hull'].id}/propose",
                           data={"need": str(need.id), "note": "Chúng tôi cũng cần hàn khung cổng."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/needs/{need.id}")
    with app.app_context():
        match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id,
                                                         Match.technology_id == catalogue["hull"].id))
        assert match.origin == MatchOrigin.FIRM and match.status == MatchStatus.SUGGESTED
        assert match.proposed_by_id == firm.id and match.note == "Chúng tôi cũng cần hàn khung cổng."
        assert match.score is not None and match.explanation["trl"] == 6  # staff compare it with the matcher's
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_type == "match")) \
            == "match.propose"
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Proposed by the firm" in page and "Chúng tôi cũng cần hàn khung cổng." in page
    # Twice: refused with a message, the note kept.
    page = client.post(f"/technologies/{catalogue['hull'].id}/propose",
                       data={"need": str(need.id), "note": "Lần hai"}, follow_redirects=True).get_data(as_text=True)
    assert "You already proposed this technology for this need." in page and "Lần hai" in page
    # A matcher suggestion the firm proposes becomes its proposal, keeping the score.
    with app.app_context():
        suggested = db.session.scalar(sa.select(Match).where(Match.need_id == need.id,
                                                             Match.technology_id == catalogue["ocr"].id))
        score = suggested.score
    assert client.post(f"/technologies/{catalogue['ocr'].id}/propose", data={"need": str(need.id)}).status_code == 302
    with app.app_context():
        proposed = db.session.scalar(sa.select(Match).where(Match.need_id == need.id,
                                                            Match.technology_id == catalogue["ocr"].id))
        assert proposed.origin == MatchOrigin.FIRM and proposed.score == score
    # A technology the matcher sees nothing in common with can still be proposed; it carries no score.
    assert client.post(f"/technologies/{catalogue['compost'].id}/propose",
                       data={"need": str(need.id)}).status_code == 302
    with app.app_context():
        proposed = db.session.scalar(sa.select(Match).where(Match.need_id == need.id,
                                                            Match.technology_id == catalogue["compost"].id))
        assert proposed.origin == MatchOrigin.FIRM and proposed.score is None and proposed.explanation is None
    assert "Chế phẩm vi sinh xử lý rơm rạ" in client.get(f"/needs/{need.id}").get_data(as_text=True)
    # Another firm cannot propose for this need: the need is not among its choices.
    other = signed_in(app, other_firm)
    page = other.post(f"/technologies/{catalogue['reefer'].id}/propose",
                      data={"need": str(need.id)}).get_data(as_text=True)
    assert "You have no open need yet." in page
    with app.app_context():
        assert db.session.scalar(sa.select(Match).where(Match.technology_id == catalogue["reefer"].id,
                                                        Match.origin == MatchOrigin.FIRM)) is None


def test_closing_withdraws_pending_suggestions_and_keeps_decisions(app, create_user, catalogue):
    firm = create_user("firm")
    need = _post(app, firm, "anonymous", NEED["title"])
    with app.app_context():
        ranked = db.session.scalars(sa.select(Match).where(Match.need_id == need.id)
                                    .order_by(Match.score.desc())).all()
        assert len(ranked) >= 2
        ranked[0].status = MatchStatus.APPROVED
        db.session.commit()
    client = signed_in(app, firm)
    assert client.post(f"/needs/{need.id}/close", data={"note": "Đã tự giải quyết."}).status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(Match).where(Match.need_id == need.id)).all()
        assert [m.status for m in rows] == [MatchStatus.APPROVED]
        assert db.session.get(Need, need.id).status == NeedStatus.CLOSED
    assert client.get(f"/my/needs/{need.id}/edit").status_code == 403  # reopen first
    assert NEED["title"] not in app.test_client().get("/needs").get_data(as_text=True)
    assert NEED["title"] in app.test_client().get("/needs?closed=1").get_data(as_text=True)
    assert client.post(f"/needs/{need.id}/open").status_code == 302
    assert len(suggested_codes(app, need.id, status=None)) == len(ranked)  # matched again, approved pair kept


def test_editing_a_need_rematches_it(app, create_user, catalogue):
    firm = create_user("firm")
    need = _post(app, firm, "anonymous", NEED["title"])
    client = signed_in(app, firm)
    form = client.get(f"/my/needs/{need.id}/edit").get_data(as_text=True)
    assert NEED["description"][:40] in form
    changed = {**NEED, "title": "Xử lý rơm rạ sau thu hoạch", "sectors": ["nong-nghiep"],
               "description": "Nông dân đốt rơm rạ ngoài đồng gây khói; cần biến rơm rạ thành phân bón hữu cơ.",
               "desired_outcome": "", "save": "y"}
    assert client.post(f"/my/needs/{need.id}/edit", data=changed).status_code == 302
    assert suggested_codes(app, need.id)[0] == catalogue["compost"].code
    assert catalogue["ocr"].code not in suggested_codes(app, need.id)


def test_published_and_archived_technologies_update_the_suggestions(app, create_user, catalogue):
    from tests.test_catalogue import GOOD_REVIEW, LISTING

    firm, researcher, staff = create_user("firm"), create_user("researcher"), create_user("staff")
    need = _post(app, firm, "anonymous", "Giám sát bãi container bằng cảm biến IoT")
    before = suggested_codes(app, need.id)
    # A researcher lists a yard-monitoring technology; once staff publish it, it is offered to the need at once.
    owner = signed_in(app, researcher)
    assert owner.post("/my/technologies/new", data={**LISTING, "save_and_submit": "y"}).status_code == 302
    reviewer = signed_in(app, staff)
    with app.app_context():
        from marketplace.models import Technology, TechnologyRevision

        revision_id = db.session.scalar(sa.select(TechnologyRevision.id))
        technology = db.session.scalar(sa.select(Technology).where(Technology.title == LISTING["title"]))
        technology_id, code = technology.id, technology.code
    assert reviewer.post(f"/moderation/{revision_id}", data=GOOD_REVIEW).status_code == 302
    after = suggested_codes(app, need.id)
    assert code in after and code not in before and after[0] == code
    # Archived, it is withdrawn from the suggestions (and from the model).
    assert reviewer.post(f"/technologies/{technology_id}/archive").status_code == 302
    assert code not in suggested_codes(app, need.id)
    page = client_page(app, firm, f"/needs/{need.id}")
    assert LISTING["title"] not in page


def client_page(app, user, path: str) -> str:
    return signed_in(app, user).get(path).get_data(as_text=True)


def test_only_firms_post_needs_and_staff_may_close_any(app, create_user, catalogue):
    researcher = create_user("researcher")
    assert signed_in(app, researcher).get("/my/needs/new").status_code == 403
    firm, staff = create_user("firm"), create_user("staff")
    need = _post(app, firm, "anonymous", NEED["title"])
    assert signed_in(app, staff).post(f"/needs/{need.id}/close").status_code == 302
    with app.app_context():
        assert db.session.get(Need, need.id).status == NeedStatus.CLOSED


def test_coach_form_works_with_csrf(make_app, create_user, catalogue):
    app = make_app(WTF_CSRF_ENABLED=True)
    firm = create_user("firm")
    client = app.test_client()
    login = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"email": firm.email, "password": firm.password,
                                     "csrf_token": csrf_token(login)})
    form = client.get("/my/needs/new").get_data(as_text=True)
    token = csrf_token(form)
    assert client.post("/my/needs/coach", data={"title": NEED["title"]}).status_code == 400
    page = client.post("/my/needs/coach", data={"title": NEED["title"], "csrf_token": token}).get_data(as_text=True)
    assert "Hệ thống nhận dạng số container" in page
