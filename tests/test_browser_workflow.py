"""The Department's whole workflow in a real headless Chromium: staff approve a suggestion, both parties see the
introduction, the firm accepts, staff schedule the meeting at a matchmaking session and record the signed agreement,
and the reports and the parties' dashboards show it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import User
from tests import test_matches, test_needs
from tests.browser import chromium_page, live_server, require_chromium
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

catalogue = test_needs.catalogue  # the same fixtures
scene = test_matches.scene


@pytest.fixture
def server(make_app, app):
    require_chromium()
    live_app = make_app(WTF_CSRF_ENABLED=True)
    with live_server(live_app) as url:
        yield url


def _sign_in(page, server: str, email: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/dashboard")
    if page.locator("html").get_attribute("lang") != "vi":  # an account that chose English in an earlier visit
        page.get_by_role("button", name="Tiếng Việt").click()
        page.wait_for_function("document.documentElement.lang === 'vi'")


def _nav(page):
    return page.get_by_label("Thanh điều hướng chính")


def _staff_page(page, name: str) -> None:
    """Open a page of the staff's menu in the navigation bar."""
    _nav(page).get_by_role("button", name="Nghiệp vụ").click()
    _nav(page).get_by_role("link", name=name, exact=True).click()


def test_from_suggestion_to_signed_agreement(app, server, scene):
    firm, staff = scene["firm"], scene["staff"]
    with app.app_context():
        researcher_email = db.session.get(User, scene["researcher_id"]).email
    need_title = test_needs.NEED["title"]
    technology = "Hệ thống nhận dạng số container"
    with chromium_page() as (page, problems):
        # Staff approve the suggestion from the review queue.
        _sign_in(page, server, staff.email, staff.password)
        _staff_page(page, "Xét duyệt kết nối")
        page.locator(f"#m{scene['ocr']}").check()
        page.get_by_label("Lý do hoặc ghi chú").fill("Phù hợp với nhu cầu, đề nghị giới thiệu hai bên.")
        page.get_by_role("button", name="Phê duyệt và giới thiệu").click()
        page.wait_for_url("**/review**")
        assert page.locator(f"#m{scene['ocr']}").count() == 0  # decided: no longer selectable

        # The researcher sees the introduction on the dashboard and its matches.
        _sign_in(page, server, researcher_email, PASSWORD)
        assert technology in page.locator("#recent-matches").locator("..").inner_text()
        _nav(page).get_by_role("link", name="Kết nối của tôi").click()
        assert need_title in page.content()

        # The firm sees it too, and accepts the introduction.
        _sign_in(page, server, firm.email, firm.password)
        page.get_by_role("link", name=f"{need_title} ↔ {technology}").first.click()
        page.get_by_role("button", name="Đồng ý kết nối").click()
        page.wait_for_url(re.compile(r"/matches/\d+$"))
        assert "Đã đồng ý" in page.content()

        # Staff create a session, invite the match, plan it and record the signed agreement.
        _sign_in(page, server, staff.email, staff.password)
        _staff_page(page, "Phiên kết nối")
        page.get_by_role("link", name="Tạo phiên kết nối").click()
        page.get_by_label("Tên phiên kết nối").fill("Phiên kết nối cung – cầu công nghệ lĩnh vực cảng biển")
        page.get_by_label("Ngày", exact=True).fill((date.today() + timedelta(days=10)).isoformat())
        page.get_by_label("Địa điểm").fill("Trung tâm Hội nghị thành phố Hải Phòng")
        page.get_by_label("Giờ bắt đầu cuộc gặp đầu tiên").fill("08:30")
        page.get_by_role("button", name="Tạo phiên kết nối").click()
        page.wait_for_url(re.compile(r"/sessions/\d+$"))
        page.locator("#invite-form").get_by_role("checkbox", name="Chọn").first.check()
        page.get_by_role("button", name="Mời các cặp kết nối đã chọn").click()
        page.get_by_role("button", name="Xếp lịch tự động").click()
        page.wait_for_url(re.compile(r"/sessions/\d+$"))
        placed = page.locator("td[data-meeting]")
        assert placed.count() == 1 and "08:30" in page.locator("tr", has=placed).inner_text()
        page.locator("details summary").first.click()
        outcome = page.locator("details form")
        outcome.locator("select[name=result]").select_option("agreement_signed")
        outcome.locator("select[name=transfer_mode]").select_option("license")
        outcome.locator("input[name=contract_value]").fill("1.200.000.000")
        outcome.locator("input[name=signed_on]").fill(date.today().isoformat())
        outcome.get_by_role("button", name="Ghi nhận kết quả").click()
        page.wait_for_url(re.compile(r"/sessions/\d+$"))
        assert "Đã ghi nhận kết quả" in page.content()

        # The report shows the agreement and its value; the schedule prints per participant.
        _staff_page(page, "Báo cáo")
        assert re.sub(r"\s", "", page.locator("#contract-value").inner_text()).startswith("1.200.000.000")
        page.goto(page.url.split("/reports")[0] + "/reports/steering")
        assert technology in page.content()

        # The firm's dashboard shows the match at its last stage.
        _sign_in(page, server, firm.email, firm.password)
        recent = page.locator("#recent-matches").locator("..").inner_text()
        assert technology in recent and "Đã ký hợp đồng" in recent
        assert problems == []


def test_navigation_bar_fits_every_role(server, create_user):
    """Each role's menu fits the screen in Vietnamese, the longer language: no sideways scrolling."""
    with chromium_page() as (page, problems):
        for role in ("firm", "researcher", "staff", "admin"):
            user = create_user(role)
            _sign_in(page, server, user.email, user.password)
            for width in (1400, 1600, 1920, 1399, 992, 390):  # expanded bar, then the collapsed one
                page.set_viewport_size({"width": width, "height": 900})
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, f"{role} at {width}px: {overflow}px too wide"
        assert problems == []
