"""Registration, sign-in, sign-out, password reset, profile and password change."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Organization, OrganizationKind, OutgoingMail, PasswordResetToken, Role, User
from marketplace.models.base import utcnow
from tests.conftest import PASSWORD

NEW_FIRM = {
    "role": "firm",
    "full_name": "Đỗ Văn Minh",
    "email": "Minh.Do@CangXanh.example",
    "phone": "0225 3812 345",
    "organization": "0",
    "org_name": "Công ty Cổ phần Cảng Xanh Hải Phòng",
    "org_short_name": "Cảng Xanh",
    "tax_code": "0201987654",
    "org_address": "KCN Đình Vũ, phường Đông Hải, thành phố Hải Phòng",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_register_firm_with_new_organization_signs_in(app, client):
    response = client.post("/auth/register", data=NEW_FIRM)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Đỗ Văn Minh" in page and "Cảng Xanh" in page
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "minh.do@cangxanh.example"))
        assert user.role == Role.FIRM and user.locale == "vi"
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
        assert user.organization.kind == OrganizationKind.FIRM and user.organization.tax_code == "0201987654"
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == user.id,
                                                                     AuditEvent.object_type == "user")) == "user.create"


def test_register_researcher_joins_existing_institute(app, client):
    with app.app_context():
        institute = Organization(kind=OrganizationKind.INSTITUTE, name="Viện Hóa học", short_name="IOC")
        db.session.add(institute)
        db.session.commit()
        institute_id = institute.id
    data = {**NEW_FIRM, "role": "researcher", "email": "an@ioc.example", "organization": str(institute_id),
            "org_name": "", "tax_code": ""}
    client.post("/language/en", data={"next": "/"})
    assert client.post("/auth/register", data=data).status_code == 302
    # Anyone could claim to work there: the membership waits for an admin, and the account acts for no one meanwhile.
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "an@ioc.example"))
        assert user.role == Role.RESEARCHER and user.organization_id is None
        assert user.requested_organization_id == institute_id
        user_id = user.id
    assert count(app, Organization) == 1
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="membership-pending"' in page and "IOC" in page
    from tests.test_catalogue import LISTING

    page = client.post("/my/technologies/new", data={**LISTING, "save": "y"}, follow_redirects=True
                       ).get_data(as_text=True)
    assert "awaits the Department&#39;s approval" in page or "awaits the Department's approval" in page
    # An admin approves: now a member.

    with app.app_context():
        from marketplace.auth.services import create_user

        create_user(email="admin@sokhcn.example", password=PASSWORD, full_name="Quản trị", role=Role.ADMIN)
        db.session.commit()
    admin_client = app.test_client()
    admin_client.post("/auth/login", data={"email": "admin@sokhcn.example", "password": PASSWORD})
    listing = admin_client.get("/admin/users").get_data(as_text=True)
    assert f'data-membership="{user_id}"' in listing
    assert admin_client.post(f"/admin/users/{user_id}/membership", data={"approve": "1"}).status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.organization_id, user.requested_organization_id) == (institute_id, None)
    # Nothing left to decide.
    admin_client.post(f"/admin/users/{user_id}/membership", data={"approve": "0"})
    with app.app_context():
        assert db.session.get(User, user_id).organization_id == institute_id


def test_a_stranger_cannot_act_for_a_firm_by_registering_into_it(app, create_user):
    from marketplace.auth.services import AccountError, decide_membership, register_user

    member = create_user("firm", organization="Cảng Xanh")
    with app.app_context():
        user = register_user(email="la@test.example", password=PASSWORD, full_name="Người lạ",
                             role=Role.FIRM, locale="vi", phone=None, organization_id=member.organization_id,
                             new_organization=None)
        db.session.commit()
        assert user.organization_id is None and user.requested_organization_id == member.organization_id
        # Typing the firm's name as a "new" organization joins nothing either.
        from marketplace.auth.services import NewOrganization

        other = register_user(email="la2@test.example", password=PASSWORD, full_name="Người lạ 2",
                              role=Role.FIRM, locale="vi", phone=None, organization_id=None,
                              new_organization=NewOrganization(name="CẢNG XANH"))
        db.session.commit()
        assert other.organization_id is None and other.requested_organization_id == member.organization_id
        decide_membership(other, False, actor=other)
        db.session.commit()
        assert other.organization_id is None and other.requested_organization_id is None
        try:
            decide_membership(other, True, actor=other)
        except AccountError:
            pass
        else:
            raise AssertionError("a declined request cannot be approved afterwards")


def test_register_refuses_organization_of_the_wrong_kind(app, client):
    with app.app_context():
        firm = Organization(kind=OrganizationKind.FIRM, name="Công ty TNHH Sao Biển")
        db.session.add(firm)
        db.session.commit()
        firm_id = firm.id
    data = {**NEW_FIRM, "role": "researcher", "organization": str(firm_id)}
    page = client.post("/auth/register", data=data).get_data(as_text=True)
    assert "Hãy chọn tổ chức đúng loại" in page or "Choose an organization of the right kind" in page
    assert count(app, User) == 0


def test_register_with_taken_email_keeps_input_and_writes_nothing(app, client, create_user):
    create_user("firm", email="minh.do@cangxanh.example")
    users, organizations, events = count(app, User), count(app, Organization), count(app, AuditEvent)
    response = client.post("/auth/register", data=NEW_FIRM)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Địa chỉ email này đã được dùng cho một tài khoản khác." in page
    # What was typed is still there, except the passwords.
    assert 'value="Đỗ Văn Minh"' in page and 'value="Công ty Cổ phần Cảng Xanh Hải Phòng"' in page
    assert 'value="0201987654"' in page and PASSWORD not in page
    assert (count(app, User), count(app, Organization), count(app, AuditEvent)) == (users, organizations, events)


def test_register_with_weak_password_is_refused_in_both_languages(app, client):
    data = {**NEW_FIRM, "password": "short", "password_confirm": "short"}
    page = client.post("/auth/register", data=data).get_data(as_text=True)
    assert "Mật khẩu phải có ít nhất 10 ký tự." in page
    assert 'value="Minh.Do@CangXanh.example"' in page
    client.post("/language/en", data={"next": "/"})
    page = client.post("/auth/register", data={**data, "password": "aaaaaaaaaaaa", "password_confirm": "aaaaaaaaaaaa"})
    assert "The password is too easy to guess" in page.get_data(as_text=True)
    assert count(app, User) == 0


def test_register_firm_requires_a_valid_tax_code(client, app):
    page = client.post("/auth/register", data={**NEW_FIRM, "tax_code": "12345"}).get_data(as_text=True)
    assert "Mã số thuế gồm 10 chữ số" in page
    page = client.post("/auth/register", data={**NEW_FIRM, "tax_code": ""}).get_data(as_text=True)
    assert "Doanh nghiệp phải khai báo mã số thuế." in page
    assert count(app, User) == 0 and count(app, Organization) == 0


def test_register_cannot_create_staff_accounts(client, app):
    page = client.post("/auth/register", data={**NEW_FIRM, "role": "staff"}).get_data(as_text=True)
    assert "Not a valid choice" not in page  # our own message, in Vietnamese
    assert count(app, User) == 0


def test_login_logout_and_remember_me(app, client, create_user, auth):
    user = create_user("researcher")
    response = auth.login(user.email.upper(), remember_me="y")
    assert response.status_code == 302
    assert any(cookie.startswith("remember_token=") for cookie in response.headers.getlist("Set-Cookie"))
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_login_failure_message_is_the_same_for_unknown_and_wrong(client, create_user, auth):
    user = create_user("firm")
    wrong = auth.login(user.email, "not-the-password").get_data(as_text=True)
    unknown = auth.login("nobody@test.example", "not-the-password").get_data(as_text=True)
    message = "Email hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa."
    assert message in wrong and message in unknown
    assert f'value="{user.email}"' in wrong


def test_inactive_account_cannot_sign_in_and_is_signed_out(app, client, create_user, auth):
    user = create_user("firm")
    auth.login(user.email)
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/dashboard").status_code == 302
    assert "tài khoản đã bị khóa" in auth.login(user.email).get_data(as_text=True)


def test_login_redirects_only_to_local_next(client, create_user, auth):
    user = create_user("firm")
    response = client.post("/auth/login?next=https://evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"
    client.post("/auth/logout")
    response = client.post("/auth/login?next=/account/profile", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/profile"


def _reset_link(app, email: str) -> str:
    with app.app_context():
        mail = db.session.scalars(
            sa.select(OutgoingMail).where(OutgoingMail.recipient == email).order_by(OutgoingMail.id.desc())
        ).first()
        assert mail is not None and mail.sent_at is not None  # logged, since MAIL_SERVER is unset
        # Links in mail are built from BASE_URL, never from the request's Host header.
        return re.search(re.escape(app.config["BASE_URL"]) + r"(/auth/reset/\S+)", mail.body).group(1)


def test_password_reset_flow_is_single_use(app, client, create_user, auth):
    user = create_user("firm")
    response = client.post("/auth/reset", data={"email": user.email})
    assert response.status_code == 302
    link = _reset_link(app, user.email)
    assert client.get(link).status_code == 200
    new_password = "a-new-password-2026"
    response = client.post(link, data={"password": new_password, "password_confirm": new_password})
    assert response.status_code == 302
    assert auth.login(user.email, PASSWORD).status_code == 200  # old password refused
    assert auth.login(user.email, new_password).status_code == 302
    auth.logout()
    # The same link a second time: refused with a clear message, password unchanged.
    response = client.post(link, data={"password": "third-password-2026", "password_confirm": "third-password-2026"},
                           follow_redirects=True)
    assert "Liên kết đặt lại mật khẩu không hợp lệ hoặc đã được sử dụng." in response.get_data(as_text=True)
    assert auth.login(user.email, new_password).status_code == 302


def test_password_reset_expired_and_bad_tokens(app, client, create_user):
    user = create_user("firm")
    client.post("/auth/reset", data={"email": user.email})
    link = _reset_link(app, user.email)
    with app.app_context():
        db.session.execute(sa.update(PasswordResetToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Liên kết đặt lại mật khẩu đã hết hạn. Vui lòng yêu cầu liên kết mới." in page
    page = client.get("/auth/reset/not-a-token", follow_redirects=True).get_data(as_text=True)
    assert "không hợp lệ hoặc đã được sử dụng" in page


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(app, client):
    page = client.post("/auth/reset", data={"email": "nobody@test.example"}, follow_redirects=True)
    assert "Nếu địa chỉ này thuộc về một tài khoản" in page.get_data(as_text=True)
    assert count(app, OutgoingMail) == 0


def test_password_reset_with_mismatched_passwords_keeps_token_valid(app, client, create_user):
    user = create_user("firm")
    client.post("/auth/reset", data={"email": user.email})
    link = _reset_link(app, user.email)
    page = client.post(link, data={"password": "a-new-password-2026", "password_confirm": "different-2026-x"})
    assert "Hai mật khẩu không khớp nhau." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(PasswordResetToken.used_at)) is None


def test_profile_update_changes_language(app, client, create_user, auth):
    user = create_user("firm")
    auth.login(user.email)
    response = client.post("/account/profile", data={"full_name": "Phạm Thu Trang", "phone": "0912 000 111",
                                                     "locale": "en"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your profile has been saved." in page and "Phạm Thu Trang" in page
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.full_name, saved.phone, saved.locale) == ("Phạm Thu Trang", "0912 000 111", "en")


def test_password_change_signs_out_other_sessions(app, create_user):
    user = create_user("researcher")
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    page = first.post("/account/password", data={
        "current_password": "wrong-password-1", "password": "brand-new-pass-1", "password_confirm": "brand-new-pass-1"
    })
    assert "Mật khẩu hiện tại không đúng." in page.get_data(as_text=True)
    response = first.post("/account/password", data={"current_password": PASSWORD, "password": "brand-new-pass-1",
                                                     "password_confirm": "brand-new-pass-1"})
    assert response.status_code == 302
    assert first.get("/dashboard").status_code == 200  # this session stays signed in
    assert second.get("/dashboard").status_code == 302  # the other one is signed out


def test_remember_me_restores_the_session_until_the_password_changes(app, create_user):
    user = create_user("firm")
    browser = app.test_client()
    browser.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember_me": "y"})
    remember = browser.get_cookie("remember_token")
    assert remember is not None

    def restarted_browser():
        client = app.test_client()
        client.set_cookie("remember_token", remember.value)
        return client

    assert restarted_browser().get("/dashboard").status_code == 200
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    other.post("/account/password", data={"current_password": PASSWORD, "password": "brand-new-pass-1",
                                          "password_confirm": "brand-new-pass-1"})
    assert restarted_browser().get("/dashboard").status_code == 302


def test_deactivation_kills_remember_me_even_after_reactivation(app, create_user, runner):
    user = create_user("firm")
    browser = app.test_client()
    browser.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember_me": "y"})
    remember = browser.get_cookie("remember_token").value
    runner.invoke(args=["users", "set-active", user.email, "--inactive"])
    runner.invoke(args=["users", "set-active", user.email, "--active"])
    client = app.test_client()
    client.set_cookie("remember_token", remember)
    assert client.get("/dashboard").status_code == 302


def test_new_password_must_not_be_the_email_on_change_and_reset(app, create_user, auth, client):
    user = create_user("firm", email="hoang.minh@test.example")
    auth.login(user.email)
    page = client.post("/account/password", data={"current_password": PASSWORD, "password": user.email,
                                                  "password_confirm": user.email}).get_data(as_text=True)
    assert "Mật khẩu không được trùng với địa chỉ email." in page


def test_register_refuses_a_known_organization_name_with_another_tax_code(app, client):
    with app.app_context():
        db.session.add(Organization(kind=OrganizationKind.FIRM, name="Công ty Cổ phần Cảng Xanh Hải Phòng",
                                    tax_code="0201111111"))
        db.session.commit()
    page = client.post("/auth/register", data=NEW_FIRM).get_data(as_text=True)
    assert "đã được đăng ký với mã số thuế khác" in page
    assert count(app, User) == 0


def test_concurrent_registration_with_the_same_email_is_a_message_not_a_crash(app):
    from marketplace.auth import services

    with app.test_request_context():
        services.create_user(email="race@test.example", password=PASSWORD, full_name="A", role=Role.FIRM)
        db.session.commit()
        # The check-then-insert race, forced: the second insert hits the unique index.
        original = services.find_user_by_email
        services.find_user_by_email = lambda email: None
        try:
            import pytest

            with pytest.raises(services.EmailTaken):
                services.create_user(email="race@test.example", password=PASSWORD, full_name="B", role=Role.FIRM)
        finally:
            services.find_user_by_email = original
        db.session.rollback()


def test_the_accounts_search_takes_wildcards_literally(app, create_user):
    admin = create_user("admin")
    create_user("firm", email="an_nguyen@test.example")
    create_user("firm", email="binh@test.example")
    client = app.test_client()
    client.post("/auth/login", data={"email": admin.email, "password": admin.password})
    page = client.get("/admin/users?q=_").get_data(as_text=True)
    assert "an_nguyen@test.example" in page and "binh@test.example" not in page
    assert "binh@test.example" not in client.get("/admin/users?q=%25").get_data(as_text=True)
