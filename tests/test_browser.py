"""User journeys in a real headless Chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium_page, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture
def server(make_app, app):
    require_chromium()
    # CSRF on, as in production; `app` empties the tables afterwards.
    live_app = make_app(WTF_CSRF_ENABLED=True)
    with live_server(live_app) as url:
        yield url


def test_register_logout_login_and_switch_language(server):
    with chromium_page() as (page, problems):
        page.goto(server + "/")
        assert page.locator("html").get_attribute("lang") == "vi"
        page.get_by_role("link", name="Đăng ký").first.click()

        page.get_by_label("Doanh nghiệp có nhu cầu tìm kiếm công nghệ").check()
        page.get_by_label("Họ và tên").fill("Vũ Thị Hồng Nhung")
        page.get_by_label("Email").fill("nhung.vu@haiauport.example")
        page.get_by_label("Điện thoại").fill("0225 3765 432")
        # The new-organization fields show because "not listed" is the default choice.
        page.get_by_label("Tên tổ chức mới").fill("Công ty TNHH Cảng Hải Âu")
        page.get_by_label("Mã số thuế (đối với doanh nghiệp)").fill("0209876543")
        page.get_by_label("Mật khẩu", exact=True).fill("hai-au-port-2026")
        page.get_by_label("Nhập lại mật khẩu").fill("hai-au-port-2026")
        page.get_by_role("button", name="Tạo tài khoản").click()

        page.wait_for_url("**/dashboard")
        assert "Chào mừng Vũ Thị Hồng Nhung!" in page.content()
        assert page.get_by_text("Công ty TNHH Cảng Hải Âu").is_visible()

        page.locator("#account-menu").click()
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_load_state()
        assert "Bạn đã đăng xuất." in page.content()

        page.get_by_role("link", name="Đăng nhập").first.click()
        page.get_by_label("Email").fill("nhung.vu@haiauport.example")
        page.get_by_label("Mật khẩu").fill("hai-au-port-2026")
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/dashboard")
        assert page.get_by_role("heading", name="Xin chào, Vũ Thị Hồng Nhung").is_visible()

        page.get_by_role("button", name="English").click()
        page.wait_for_url("**/dashboard")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Hello, Vũ Thị Hồng Nhung").is_visible()
        assert page.get_by_role("link", name="Dashboard").is_visible()
        assert problems == []


def test_registration_error_keeps_input_in_the_browser(server):
    with chromium_page() as (page, problems):
        page.goto(server + "/auth/register")
        page.get_by_label("Họ và tên").fill("Lê Văn Tâm")
        page.get_by_label("Email").fill("tam.le@logistics.example")
        page.get_by_label("Mật khẩu", exact=True).fill("short")
        page.get_by_label("Nhập lại mật khẩu").fill("short")
        page.get_by_role("button", name="Tạo tài khoản").click()
        page.wait_for_load_state()
        assert "Mật khẩu phải có ít nhất 10 ký tự." in page.content()
        assert page.get_by_label("Họ và tên").input_value() == "Lê Văn Tâm"
        assert page.get_by_label("Email").input_value() == "tam.le@logistics.example"
        assert page.get_by_label("Mật khẩu", exact=True).input_value() == ""
        assert problems == []


def test_researcher_lists_staff_publishes_visitor_finds_it(server, create_user):
    researcher, staff = create_user("researcher"), create_user("staff")

    def sign_in(page, user):
        page.goto(server + "/auth/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Mật khẩu").fill(user.password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/dashboard")

    with chromium_page() as (page, problems):
        sign_in(page, researcher)
        page.get_by_role("link", name="Công nghệ của tôi").click()
        page.get_by_role("link", name="Đăng công nghệ mới").click()
        page.get_by_label("Tên công nghệ (tiếng Việt)").fill("Cảm biến ăn mòn cho kết cấu thép cảng biển")
        page.get_by_label("Tóm tắt").fill("Theo dõi tốc độ ăn mòn cọc thép bến cảng theo thời gian thực.")
        page.get_by_label("Mô tả (tiếng Việt)").fill("Đầu đo điện hóa gắn trên cọc thép, truyền dữ liệu qua mạng IoT.")
        page.get_by_label("Cảng biển ★").check()
        page.get_by_label("Từ khóa").fill("ăn mòn; cảng biển; IoT")
        page.get_by_label("Mức độ sẵn sàng của công nghệ (TRL)").select_option("6")
        page.get_by_label("Chuyển giao quyền sử dụng").check()
        page.get_by_role("button", name="Lưu và gửi thẩm định").click()
        page.wait_for_load_state()
        assert "Công nghệ đã được gửi." in page.content()
        assert page.get_by_text("Đang thẩm định").first.is_visible()
        page.locator("#account-menu").click()
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_load_state()

        sign_in(page, staff)
        page.get_by_role("button", name="Nghiệp vụ").click()  # the staff's menu
        page.get_by_role("link", name="Thẩm định").click()
        page.get_by_role("link", name="Thẩm định").last.click()
        for criterion in ("completeness", "clarity", "readiness", "transfer_fit"):
            page.locator(f"#{criterion}").select_option("4")
        page.get_by_label("Công bố").check()
        page.get_by_role("button", name="Ghi nhận quyết định").click()
        page.wait_for_load_state()
        assert "Đã ghi nhận quyết định" in page.content()
        page.locator("#account-menu").click()
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_load_state()

        page.get_by_role("link", name="Công nghệ", exact=True).click()
        page.get_by_role("link", name="Cảm biến ăn mòn cho kết cấu thép cảng biển").click()
        assert page.get_by_role("heading", name="Cảm biến ăn mòn cho kết cấu thép cảng biển").is_visible()
        assert "Lĩnh vực ưu tiên" in page.content()
        assert problems == []


def test_visitor_finds_a_technology_typing_without_accents(server, create_technology):
    create_technology(title="Hệ thống nhận dạng số container", code="VAST-IOIT-01", sectors=("cang-bien", "logistics"),
                      summary="Camera đọc số container tại cổng cảng.", keywords=["container", "AI"])
    create_technology(title="Máy sấy nông sản bằng năng lượng mặt trời", code="VAST-IES-02", sectors=("nong-nghiep",))
    with chromium_page() as (page, problems):
        page.goto(server + "/")
        box = page.locator("#nav-search")
        # Autocomplete: titles completing the typed words (unaccented, the last one partial) fill the box's list.
        box.press_sequentially("nhan dang contai")
        page.locator('#nav-suggestions option[value="Hệ thống nhận dạng số container"]').wait_for(state="attached")
        assert page.locator("#nav-suggestions option").count() == 1
        box.fill("nhan dang container")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/technologies\?q=nhan\+dang\+container$"))
        results = page.get_by_role("region", name="Kết quả")
        assert results.get_by_role("link", name="Hệ thống nhận dạng số container").is_visible()
        assert "Máy sấy" not in results.inner_text()
        marks = results.locator("mark").all_inner_texts()
        assert {"nhận", "dạng", "container"} <= set(marks)
        filters = page.get_by_role("complementary", name="Bộ lọc")
        assert filters.get_by_label("Cảng biển ★ (1)").is_visible()
        # A facet narrows the results and stays in the (shareable) address.
        filters.get_by_label("Logistics ★ (1)").check()
        page.wait_for_url(re.compile(r"sector=logistics"))
        assert results.get_by_role("link", name="Hệ thống nhận dạng số container").is_visible()
        assert problems == []


def test_firm_posts_a_need_with_coaching_and_reads_explained_suggestions(server, create_user, create_technology):
    create_technology(title="Hệ thống nhận dạng số container", code="VAST-IOIT-01", sectors=("cang-bien", "logistics"),
                      summary="Camera và phần mềm đọc số container, biển số xe tại cổng cảng.", trl=8,
                      keywords=["container", "nhận dạng"])
    create_technology(title="Máy sấy nông sản bằng năng lượng mặt trời", code="VAST-IES-02", sectors=("nong-nghiep",),
                      summary="Sấy nông sản sau thu hoạch.")
    firm = create_user("firm")
    with chromium_page() as (page, problems):
        page.goto(server + "/auth/login")
        page.get_by_label("Email").fill(firm.email)
        page.get_by_label("Mật khẩu").fill(firm.password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/dashboard")
        page.get_by_role("link", name="Nhu cầu của tôi", exact=True).click()
        page.get_by_role("link", name="Đăng nhu cầu").click()
        page.get_by_label("Tên nhu cầu").fill("Đọc số container tự động ở cổng cảng")
        page.get_by_label("Vấn đề doanh nghiệp đang gặp").fill(
            "Nhân viên cổng đọc số container bằng mắt, xe phải chờ lâu.")
        # The coaching panel follows the typing: what is missing, and the best technologies already.
        panel = page.locator("#coach-panel")
        panel.get_by_role("link", name="Hệ thống nhận dạng số container").wait_for()
        assert "Hãy chọn ít nhất một lĩnh vực" in panel.inner_text()
        assert "Máy sấy" not in panel.inner_text()
        page.get_by_label("Cảng biển ★").check()
        page.get_by_role("button", name="Đăng nhu cầu").click()
        page.wait_for_url(re.compile(r"/needs/\d+$"))
        suggestions = page.locator("#suggestions")
        assert suggestions.get_by_role("link", name="Hệ thống nhận dạng số container").is_visible()
        text = suggestions.inner_text()
        assert "Cùng đề cập đến:" in text and "Cùng lĩnh vực với nhu cầu (Cảng biển)" in text
        assert "Máy sấy" not in text
        assert problems == []
