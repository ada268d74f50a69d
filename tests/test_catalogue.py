"""The life of a listing: create, submit, review with the rubric, publish, edit while published, confirm, archive;
who sees the confidential part; attachments; the public catalogue."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Match,
    MatchStatus,
    Need,
    Notification,
    Organization,
    OutgoingMail,
    RevisionStatus,
    Technology,
    TechnologyAttachment,
    TechnologyRevision,
    TechnologyStatus,
    User,
)
from marketplace.models.base import utcnow

LISTING = {
    "code": "",
    "title": "Hệ thống giám sát bãi container bằng IoT",
    "title_en": "IoT monitoring of container yards",
    "summary": "Theo dõi vị trí và trạng thái container trên bãi theo thời gian thực.",
    "description": "Cảm biến gắn trên xe nâng và cổng bãi truyền dữ liệu về máy chủ; phần mềm hiển thị sơ đồ bãi.",
    "sectors": ["cang-bien", "logistics"],
    "keywords": "container; IoT; cảng biển",
    "trl": "7",
    "transfer_modes": ["license", "training"],
    "price_min": "500000000",
    "price_max": "900000000",
    "ip_status": "Đã nộp đơn đăng ký sáng chế",
    "contact_name": "TS. Nguyễn Văn An",
    "contact_email": "an.nguyen@vast.example",
    "confidential_details": "Sơ đồ mạch và mã nguồn bộ thu.",
    "confidential_price_terms": "Phí bản quyền 3% doanh thu trong 5 năm.",
}
GOOD_REVIEW = {"completeness": "4", "clarity": "4", "readiness": "4", "transfer_fit": "4", "decision": "publish",
               "comment": ""}


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/auth/login", data={"email": user.email, "password": user.password}).status_code == 302
    client.post("/language/en", data={"next": "/"})
    return client


def technology_named(app, title: str) -> Technology:
    with app.app_context():
        technology = db.session.scalar(sa.select(Technology).where(Technology.title == title))
        db.session.expunge_all()
        return technology


def test_researcher_submits_staff_publishes_and_the_catalogue_shows_it(app, create_user):
    researcher, staff = create_user("researcher"), create_user("staff")
    owner = signed_in(app, researcher)
    response = owner.post("/my/technologies/new", data={**LISTING, "save_and_submit": "y"})
    assert response.status_code == 302
    technology = technology_named(app, LISTING["title"])
    assert technology.status == TechnologyStatus.SUBMITTED and technology.owner_id == researcher.id
    assert technology.code.endswith("-001") and technology.slug == "he-thong-giam-sat-bai-container-bang-iot"
    detail = f"/technologies/{technology.code}/{technology.slug}"
    assert owner.get(detail).status_code == 200  # the owner sees it while under review
    visitor = app.test_client()
    assert visitor.get(detail).status_code == 404
    assert LISTING["title"] not in visitor.get("/technologies").get_data(as_text=True)

    reviewer = signed_in(app, staff)
    queue = reviewer.get("/moderation/").get_data(as_text=True)
    assert LISTING["title"] in queue and "New listing" in queue
    with app.app_context():
        revision_id = db.session.scalar(sa.select(TechnologyRevision.id))
    assert reviewer.post(f"/moderation/{revision_id}", data=GOOD_REVIEW).status_code == 302

    page = visitor.get("/technologies").get_data(as_text=True)
    assert LISTING["title"] in page
    page = visitor.get(detail).get_data(as_text=True)
    assert "IoT monitoring of container yards" in page
    assert LISTING["confidential_details"] not in page
    with app.app_context():
        technology = db.session.get(Technology, technology.id)
        assert technology.status == TechnologyStatus.PUBLISHED and technology.published_at is not None
        assert technology.keywords == ["container", "IoT", "cảng biển"] and technology.price_max == 900000000
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "technology").order_by(AuditEvent.id)))
        assert actions == ["technology.create", "technology.submit", "technology.publish"]
        notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == researcher.id)).all()
        assert [n.kind for n in notes] == ["technology.published"]
        mail = db.session.scalar(sa.select(OutgoingMail).where(OutgoingMail.recipient == researcher.email))
        assert mail is not None and LISTING["title"] in mail.body
        revision = db.session.get(TechnologyRevision, revision_id)
        assert revision.status == RevisionStatus.PUBLISHED and revision.score_total == 16


def test_invalid_listing_keeps_what_was_typed_and_creates_nothing(app, create_user):
    owner = signed_in(app, create_user("researcher"))
    response = owner.post("/my/technologies/new", data={**LISTING, "title": "", "trl": "12", "price_min": "900",
                                                         "price_max": "100", "save": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in page and "Choose one of the options offered." in page
    assert "The upper price must not be lower than the lower one." in page
    assert LISTING["summary"] in page and 'value="container; IoT; cảng biển"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Technology)) == 0


def test_duplicate_code_is_refused(app, create_user, create_technology):
    create_technology(code="VAST-IMER-01")
    owner = signed_in(app, create_user("researcher"))
    page = owner.post("/my/technologies/new", data={**LISTING, "code": "VAST-IMER-01", "save": "y"})
    assert "The code VAST-IMER-01 is already used by another technology." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Technology)) == 1


def test_firms_and_staff_cannot_list_technologies(app, create_user):
    for role in ("firm", "staff"):
        client = signed_in(app, create_user(role))
        assert client.post("/my/technologies/new", data={**LISTING, "save": "y"}).status_code == 403


def test_incomplete_draft_cannot_be_submitted(app, create_user):
    from marketplace.catalogue import services

    researcher = create_user("researcher")
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        user = db.session.get(User, researcher.id)
        technology = services.create_technology(user, {"title": "Bản nháp", "summary": "", "trl": 5})
        with pytest.raises(services.CatalogueError, match="Fill in these fields before submitting: Summary, Descr"):
            services.submit_technology(technology, user)
        db.session.rollback()


def test_edit_of_a_published_listing_stays_offline_until_approved(app, create_user, create_technology):
    researcher, staff = create_user("researcher"), create_user("staff")
    tech = create_technology(owner=researcher, title="Công nghệ cũ", keywords=["cũ"])
    owner = signed_in(app, researcher)
    response = owner.post(f"/my/technologies/{tech.id}/edit",
                          data={**LISTING, "title": "Công nghệ mới", "save_and_submit": "y"})
    assert response.status_code == 302
    visitor = app.test_client()
    old_url = f"/technologies/{tech.code}/{tech.slug}"
    page = visitor.get(old_url).get_data(as_text=True)
    assert "Công nghệ cũ" in page and "Công nghệ mới" not in page
    # Under review, the owner cannot edit again.
    assert owner.get(f"/my/technologies/{tech.id}/edit").status_code == 403

    reviewer = signed_in(app, staff)
    with app.app_context():
        revision_id = db.session.scalar(sa.select(TechnologyRevision.id))
    review = reviewer.get(f"/moderation/{revision_id}").get_data(as_text=True)
    assert "Change of a published listing" in review and "Công nghệ cũ" in review and "changed" in review
    reviewer.post(f"/moderation/{revision_id}", data=GOOD_REVIEW)

    response = visitor.get(old_url)
    assert response.status_code == 301 and response.headers["Location"].endswith(
        f"/technologies/{tech.code}/cong-nghe-moi")
    assert "Công nghệ mới" in visitor.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        technology = db.session.get(Technology, tech.id)
        assert technology.status == TechnologyStatus.PUBLISHED and technology.keywords == ["container", "IoT",
                                                                                          "cảng biển"]
        # A change to a listing already published is no news for subscribers.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.kind == "subscription.new_technology")) == 0


def test_rubric_thresholds_and_comments(app, create_user):
    researcher, staff = create_user("researcher"), create_user("staff")
    owner = signed_in(app, researcher)
    owner.post("/my/technologies/new", data={**LISTING, "save_and_submit": "y"})
    reviewer = signed_in(app, staff)
    with app.app_context():
        revision_id = db.session.scalar(sa.select(TechnologyRevision.id))
    url = f"/moderation/{revision_id}"

    low = {"completeness": "1", "clarity": "2", "readiness": "1", "transfer_fit": "1"}
    page = reviewer.post(url, data={**low, "decision": "publish", "comment": ""}).get_data(as_text=True)
    assert "A total of 5 does not allow this decision" in page
    mid = {"completeness": "3", "clarity": "3", "readiness": "2", "transfer_fit": "2"}
    page = reviewer.post(url, data={**mid, "decision": "reject", "comment": "Thiếu số liệu."}).get_data(as_text=True)
    assert "A total of 10 does not allow this decision" in page
    for blank_comment in (" ", "\u200b \ufeff"):
        page = reviewer.post(url, data={**mid, "decision": "return", "comment": blank_comment}).get_data(as_text=True)
        assert "Write a comment" in page
    with app.app_context():
        assert db.session.get(TechnologyRevision, revision_id).status == RevisionStatus.SUBMITTED

    reviewer.post(url, data={**low, "decision": "reject", "comment": "Chưa có bằng chứng thử nghiệm."})
    technology = technology_named(app, LISTING["title"])
    assert technology.status == TechnologyStatus.REJECTED
    page = owner.get(f"/technologies/{technology.code}/{technology.slug}").get_data(as_text=True)
    assert "Chưa có bằng chứng thử nghiệm." in page
    # A decided submission cannot be decided again.
    page = reviewer.post(url, data={**GOOD_REVIEW}).get_data(as_text=True)
    assert "This submission has already been decided." in page

    # The owner edits the rejected listing (back to a draft) and submits again; staff return it for changes.
    owner.post(f"/my/technologies/{technology.id}/edit", data={**LISTING, "save_and_submit": "y"})
    with app.app_context():
        second = db.session.scalar(sa.select(TechnologyRevision.id).order_by(TechnologyRevision.id.desc()))
    reviewer.post(f"/moderation/{second}", data={**mid, "decision": "return", "comment": "Bổ sung giá."})
    assert technology_named(app, LISTING["title"]).status == TechnologyStatus.DRAFT


def _approved_match(app, technology_id: int, firm_user) -> None:
    with app.app_context():
        need = Need(title="Nhu cầu giám sát bãi", firm_id=firm_user.organization_id, author_id=firm_user.id)
        db.session.add(need)
        db.session.flush()
        db.session.add(Match(need_id=need.id, technology_id=technology_id, status=MatchStatus.APPROVED))
        db.session.commit()


def test_confidential_part_is_shown_only_to_staff_owner_and_match_parties(app, create_user, create_technology):
    researcher = create_user("researcher")
    tech = create_technology(owner=researcher, confidential_details="Bí quyết: nhiệt độ nung 850 °C",
                             confidential_price_terms="Phí 3% doanh thu")
    url, print_url = f"/technologies/{tech.code}/{tech.slug}", f"/technologies/{tech.code}/{tech.slug}/print"
    secret = "Bí quyết: nhiệt độ nung 850 °C"

    def sees(client) -> bool:
        pages = [client.get(url).get_data(as_text=True), client.get(print_url).get_data(as_text=True)]
        assert (secret in pages[0]) == (secret in pages[1])
        return secret in pages[0]

    firm, partner, other_researcher = create_user("firm"), create_user("firm", organization="Cảng Đối Tác"), \
        create_user("researcher")
    assert not sees(app.test_client())
    assert not sees(signed_in(app, firm))
    assert not sees(signed_in(app, other_researcher))
    assert sees(signed_in(app, create_user("staff")))
    assert sees(signed_in(app, researcher))
    _approved_match(app, tech.id, partner)
    assert sees(signed_in(app, partner))
    with app.app_context():
        db.session.execute(sa.update(Match).values(status=MatchStatus.SUGGESTED))
        db.session.commit()
    assert not sees(signed_in(app, partner))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_are_checked_stored_and_served(app, create_user, create_technology):
    import io

    researcher = create_user("researcher")
    tech = create_technology(owner=researcher, status="draft")
    owner = signed_in(app, researcher)
    upload = f"/my/technologies/{tech.id}/attachments"
    assert owner.post(upload, data={"file": (io.BytesIO(PDF), "brochure.pdf")},
                      content_type="multipart/form-data").status_code == 302
    assert owner.post(upload, data={"file": (io.BytesIO(PNG), "../../etc/pho\x00to\x07.png")},
                      content_type="multipart/form-data").status_code == 302
    page = owner.post(upload, data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf")},
                      content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Only PDF brochures and PNG, JPEG or WebP images can be attached" in page
    with app.app_context():
        items = db.session.scalars(sa.select(TechnologyAttachment).order_by(TechnologyAttachment.id)).all()
        assert [(i.content_type, i.original_name) for i in items] == [("application/pdf", "brochure.pdf"),
                                                                       ("image/png", "photo.png")]
        assert all(i.stored_name not in ("brochure.pdf", "photo.png") for i in items)
        stored = [app.config["UPLOAD_DIR"] + "/" + i.stored_name for i in items]
        ids = [i.id for i in items]
    response = owner.get(f"/technologies/{tech.code}/files/{ids[0]}")
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # A draft's files are not public.
    assert app.test_client().get(f"/technologies/{tech.code}/files/{ids[0]}").status_code == 404

    app.config["UPLOAD_MAX_BYTES"] = 1024
    page = owner.post(upload, data={"file": (io.BytesIO(PDF + b"0" * 2048), "big.pdf")},
                      content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "The file is larger than" in page
    assert owner.post(f"/my/technologies/{tech.id}/attachments/{ids[1]}/delete").status_code == 302
    import os

    assert os.path.exists(stored[0]) and not os.path.exists(stored[1])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TechnologyAttachment)) == 1


def test_reconfirmation_reminders_and_out_of_date_listings(app, create_user, create_technology, runner):
    researcher = create_user("researcher")
    create_technology(owner=researcher, title="Công nghệ mới xác nhận", trl=5)
    due_soon = create_technology(owner=researcher, title="Công nghệ sắp đến hạn", trl=6)
    old = create_technology(owner=researcher, title="Công nghệ quá hạn", trl=9)
    with app.app_context():
        now = utcnow()
        db.session.get(Technology, due_soon.id).confirmed_at = now - timedelta(days=350)
        db.session.get(Technology, old.id).confirmed_at = now - timedelta(days=400)
        db.session.commit()
    result = runner.invoke(args=["catalogue", "remind"])
    assert result.exit_code == 0 and "reminded 1, marked out of date 1" in result.output
    assert "reminded 0, marked out of date 0" in runner.invoke(args=["catalogue", "remind"]).output
    with app.app_context():
        kinds = sorted(db.session.scalars(sa.select(Notification.kind)))
        assert kinds == ["technology.confirm_due", "technology.stale"]

    # Out of date listings sink: by readiness, TRL 9 would come first.
    page = app.test_client().get("/technologies?sort=readiness").get_data(as_text=True)
    assert page.index("Công nghệ sắp đến hạn") < page.index("Công nghệ mới xác nhận") < page.index(
        "Công nghệ quá hạn")
    owner = signed_in(app, researcher)
    assert owner.post(f"/technologies/{old.id}/confirm").status_code == 302
    page = app.test_client().get("/technologies?sort=readiness").get_data(as_text=True)
    assert page.index("Công nghệ quá hạn") < page.index("Công nghệ sắp đến hạn")


def test_catalogue_pagination_sorting_filter_and_related(app, create_user, create_technology):
    researcher = create_user("researcher")
    for n in range(23):
        create_technology(owner=researcher, title=f"Công nghệ {n:02d}", trl=3 + n % 7,
                          sectors=("nong-nghiep",) if n % 2 else ("cang-bien", "logistics"),
                          keywords=["container"] if n % 3 == 0 else [])
    client = app.test_client()
    first = client.get("/technologies?sort=title").get_data(as_text=True)
    assert "Công nghệ 00" in first and "Công nghệ 20" not in first and "page=2" in first
    second = client.get("/technologies?sort=title&page=2").get_data(as_text=True)
    assert "Công nghệ 20" in second and "Công nghệ 00" not in second
    farm = client.get("/technologies?sector=nong-nghiep").get_data(as_text=True)
    assert "Công nghệ 01" in farm and "Công nghệ 00" not in farm
    with app.app_context():
        target = db.session.scalar(sa.select(Technology).where(Technology.title == "Công nghệ 00"))
        code, slug = target.code, target.slug
    page = client.get(f"/technologies/{code}/{slug}").get_data(as_text=True)
    related = page[page.index('id="related-heading"'):]
    assert "Công nghệ 06" in related  # same sectors and the same keyword
    assert "Công nghệ 01" not in related  # another sector


def test_archive_takes_a_listing_out_of_the_catalogue(app, create_user, create_technology):
    researcher = create_user("researcher")
    tech = create_technology(owner=researcher, title="Công nghệ lưu trữ")
    assert signed_in(app, create_user("firm")).post(f"/technologies/{tech.id}/archive").status_code == 403
    assert signed_in(app, researcher).post(f"/technologies/{tech.id}/archive").status_code == 302
    client = app.test_client()
    assert "Công nghệ lưu trữ" not in client.get("/technologies").get_data(as_text=True)
    assert client.get(f"/technologies/{tech.code}/{tech.slug}").status_code == 404
    with app.app_context():
        assert db.session.get(Technology, tech.id).status == TechnologyStatus.ARCHIVED
        assert db.session.scalar(sa.select(AuditEvent.to_state).where(AuditEvent.action == "technology.archive")) \
            == "archived"


def test_imported_listing_without_owner_can_be_confirmed_by_staff(app, create_user, create_technology):
    tech = create_technology()
    with app.app_context():
        db.session.get(Technology, tech.id).owner_id = None
        db.session.commit()
    staff = signed_in(app, create_user("staff"))
    assert staff.post(f"/technologies/{tech.id}/confirm").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) >= 1
        assert db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "technology.confirm"


def test_published_listing_attachments_change_only_through_review(app, create_user, create_technology):
    import io

    researcher = create_user("researcher")
    published = create_technology(owner=researcher)
    owner = signed_in(app, researcher)
    response = owner.post(f"/my/technologies/{published.id}/attachments",
                          data={"file": (io.BytesIO(PNG), "new.png")}, content_type="multipart/form-data")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TechnologyAttachment)) == 0


def test_unpublished_attachments_are_never_cached_publicly(app, create_user, create_technology):
    import io

    researcher = create_user("researcher")
    draft = create_technology(owner=researcher, status="draft")
    owner = signed_in(app, researcher)
    owner.post(f"/my/technologies/{draft.id}/attachments", data={"file": (io.BytesIO(PDF), "b.pdf")},
               content_type="multipart/form-data")
    with app.app_context():
        attachment_id = db.session.scalar(sa.select(TechnologyAttachment.id))
    response = owner.get(f"/technologies/{draft.code}/files/{attachment_id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"


def test_a_submission_is_decided_once_even_by_two_reviewers(app, create_user):
    from marketplace.moderation import services as moderation

    researcher, first, second = create_user("researcher"), create_user("staff"), create_user("staff")
    signed_in(app, researcher).post("/my/technologies/new", data={**LISTING, "save_and_submit": "y"})
    scores = {"completeness": 4, "clarity": 4, "readiness": 4, "transfer_fit": 4}
    with app.test_request_context():
        revision = db.session.scalar(sa.select(TechnologyRevision))
        moderation.decide(revision, db.session.get(User, first.id), scores, moderation.Decision.PUBLISH, "")
        db.session.commit()
        revision.status = RevisionStatus.SUBMITTED  # what the second reviewer's page still showed
        with pytest.raises(moderation.ModerationError):
            moderation.decide(revision, db.session.get(User, second.id), scores, moderation.Decision.RETURN,
                              "Sửa lại")
        db.session.rollback()
        decisions = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["technology.publish", "technology.return"])))
        assert decisions == 1


def test_listing_codes_must_be_usable_in_addresses(app, create_user):
    owner = signed_in(app, create_user("researcher"))
    page = owner.post("/my/technologies/new", data={**LISTING, "code": "ABC/2024?x#y", "save": "y"})
    assert "Use letters, digits, dots, dashes and underscores only." in page.get_data(as_text=True)


def test_home_page_counts_published_technologies_per_sector_and_keeps_them_a_while(make_app, create_technology):
    from marketplace.main import services

    cached_app = make_app(OVERVIEW_CACHE_SECONDS=3600)
    create_technology(sectors=("cang-bien", "logistics"))
    create_technology(sectors=("cang-bien",))
    create_technology(status="draft", sectors=("cang-bien",))
    services._overview_cache = None
    with cached_app.app_context():
        overview = services.public_overview()
        by_slug = {row.sector.slug: row.technologies for row in overview.sectors}
        assert overview.technologies == 2 and by_slug["cang-bien"] == 2 and by_slug["logistics"] == 1
        assert by_slug["nong-nghiep"] == 0 and overview.sectors[0].sector.is_priority
        # A new listing shows after the cache's lifetime, not at once (one read per process and interval).
        create_technology(sectors=("logistics",))
        assert services.public_overview() is overview
        services._overview_cache = (*services._overview_cache[:1], services._overview_cache[1] - 3601,
                                    services._overview_cache[2])
        assert services.public_overview().technologies == 3
    page = cached_app.test_client().get("/").get_data(as_text=True)
    assert "Cảng biển" in page and ">3<" in page


def test_a_first_submission_returned_then_published_leaves_no_old_edit_behind(app, create_user):
    researcher, staff = create_user("researcher"), create_user("staff")
    owner, reviewer = signed_in(app, researcher), signed_in(app, staff)
    owner.post("/my/technologies/new", data={**LISTING, "save_and_submit": "y"})
    technology = technology_named(app, LISTING["title"])
    with app.app_context():
        first = db.session.scalar(sa.select(TechnologyRevision.id))
    mid = {"completeness": "3", "clarity": "3", "readiness": "2", "transfer_fit": "2"}
    reviewer.post(f"/moderation/{first}", data={**mid, "decision": "return", "comment": "Bổ sung giá."})
    owner.post(f"/my/technologies/{technology.id}/edit",
               data={**LISTING, "title": "Tiêu đề mới V2", "save_and_submit": "y"})
    with app.app_context():
        second = db.session.scalar(sa.select(TechnologyRevision.id).order_by(TechnologyRevision.id.desc()))
    assert reviewer.post(f"/moderation/{second}", data=GOOD_REVIEW).status_code == 302
    # The owner's form shows the published text, and there is nothing to submit.
    form = owner.get(f"/my/technologies/{technology.id}/edit").get_data(as_text=True)
    assert 'value="Tiêu đề mới V2"' in form and f'value="{LISTING["title"]}"' not in form
    page = owner.post(f"/my/technologies/{technology.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "There is nothing to submit for this technology." in page
    assert technology_named(app, "Tiêu đề mới V2").status == TechnologyStatus.PUBLISHED
