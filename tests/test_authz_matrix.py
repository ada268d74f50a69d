"""Every route, for every kind of visitor: the status each one gets.

Adding a route without adding it here fails ``test_matrix_covers_every_route``.
"""

from __future__ import annotations

import pytest

ROLES = ("anonymous", "firm", "researcher", "staff", "admin")

# endpoint: (method, path, {role: expected status})
OK, REDIRECT, FORBIDDEN = 200, 302, 403
SIGNED_IN_ONLY = {"anonymous": REDIRECT, "firm": OK, "researcher": OK, "staff": OK, "admin": OK}
GUESTS_ONLY = {"anonymous": OK, "firm": REDIRECT, "researcher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT}
EVERYONE = {role: OK for role in ROLES}
ADMIN_ONLY = {"anonymous": REDIRECT, "firm": FORBIDDEN, "researcher": FORBIDDEN, "staff": FORBIDDEN, "admin": OK}

MATRIX = {
    "main.index": ("GET", "/", EVERYONE),
    "main.healthz": ("GET", "/healthz", EVERYONE),
    "main.dashboard": ("GET", "/dashboard", SIGNED_IN_ONLY),
    "main.set_language": ("POST", "/language/en", {role: REDIRECT for role in ROLES}),
    "auth.register": ("GET", "/auth/register", GUESTS_ONLY),
    "auth.login": ("GET", "/auth/login", GUESTS_ONLY),
    "auth.logout": ("POST", "/auth/logout", {role: REDIRECT for role in ROLES}),
    "auth.reset_request": ("GET", "/auth/reset", EVERYONE),
    "auth.reset_password": ("GET", "/auth/reset/not-a-valid-token", {role: REDIRECT for role in ROLES}),
    "account.profile": ("GET", "/account/profile", SIGNED_IN_ONLY),
    "account.password": ("GET", "/account/password", SIGNED_IN_ONLY),
    "admin.users": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.set_user_active": ("POST", "/admin/users/{target}/active",
                              {**ADMIN_ONLY, "admin": REDIRECT}),
}


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX)


def test_every_view_declares_an_access_rule(app):
    undeclared = [name for name, view in app.view_functions.items()
                  if name != "static" and getattr(view, "access_rule", None) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(app, create_user, role, endpoint):
    method, path, expected = MATRIX[endpoint]
    target = create_user("firm", email="target@test.example")
    client = app.test_client()
    if role != "anonymous":
        user = create_user(role)
        assert client.post("/auth/login", data={"email": user.email, "password": user.password}).status_code == 302
    response = client.open(path.format(target=target.id), method=method, data={"active": "0"})
    assert response.status_code == expected[role], f"{role} {method} {path}"
    if response.status_code == REDIRECT and role == "anonymous" and expected is not GUESTS_ONLY:
        location = response.headers["Location"]
        assert location.startswith(("/auth/login", "/", "/dashboard"))


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
