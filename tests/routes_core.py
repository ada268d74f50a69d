"""Authorization matrix: the foundation's routes."""

from tests.access import ADMIN_ONLY, EVERYONE, GUESTS_ONLY, REDIRECT, SIGNED_IN_ONLY, but, everyone

ROUTES = {
    "main.index": ("GET", "/", EVERYONE),
    "main.healthz": ("GET", "/healthz", EVERYONE),
    "main.dashboard": ("GET", "/dashboard", SIGNED_IN_ONLY),
    "main.set_language": ("POST", "/language/en", everyone(REDIRECT)),
    "auth.register": ("GET", "/auth/register", GUESTS_ONLY),
    "auth.login": ("GET", "/auth/login", GUESTS_ONLY),
    "auth.logout": ("POST", "/auth/logout", everyone(REDIRECT)),
    "auth.reset_request": ("GET", "/auth/reset", EVERYONE),
    "auth.reset_password": ("GET", "/auth/reset/not-a-valid-token", everyone(REDIRECT)),
    "account.profile": ("GET", "/account/profile", SIGNED_IN_ONLY),
    "account.password": ("GET", "/account/password", SIGNED_IN_ONLY),
    "admin.users": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.set_user_active": ("POST", "/admin/users/{target}/active", but(ADMIN_ONLY, admin=REDIRECT)),
    # No request waiting: said, back to the list.
    "admin.decide_membership": ("POST", "/admin/users/{target}/membership", but(ADMIN_ONLY, admin=REDIRECT)),
    "admin.audit": ("GET", "/admin/audit", ADMIN_ONLY),
    "admin.audit_csv": ("GET", "/admin/audit.csv", ADMIN_ONLY),
}
