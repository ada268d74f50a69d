"""User journeys in a real headless Chromium."""

from __future__ import annotations

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
