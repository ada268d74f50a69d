"""Transport and browser security: headers, cookie flags, CSRF on state-changing requests, proxies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, has_request_context, request
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.extensions import csrf

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws form controls with data: SVGs
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_checked_by_view(view: F) -> F:
    """Mark a view that checks the CSRF token itself, most through its ``FlaskForm``.

    Such a view re-renders the form with a clear message and the user's input when the token is missing or stale,
    instead of failing the whole request (or, like the language switch, decides when a token is needed). Every other
    state-changing request is checked before the view runs.
    """
    view.csrf_checked_by_view = True  # type: ignore[attr-defined]
    return view


class SecureCookieResponse(Response):
    """Marks every cookie Secure when the request came over HTTPS.

    The session and remember-me cookies are set by Flask and Flask-Login after our hooks run; doing it here covers
    both, and keeps plain-HTTP local runs working.
    """

    def set_cookie(self, key: str, *args: Any, secure: bool = False, **kwargs: Any) -> None:
        if has_request_context() and request.is_secure:
            secure = True
        super().set_cookie(key, *args, secure=secure, **kwargs)


def csrf_token_valid() -> bool:
    """Whether the request carries a valid CSRF token (always true while CSRF protection is off)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def _protect_against_csrf() -> None:
    if request.method not in UNSAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.routing_exception is not None:
        return  # no such page, or not that method: 404 or 405 as routing says, not a form error
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "csrf_checked_by_view", False):
        return
    csrf.protect()


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Pages can show personal data; keep them out of shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    # Checked here, not by Flask-WTF's own hook, so that form views can keep the user's input (see above).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_I18N_ENABLED"] = False  # WTForms has no Vietnamese catalogue; our forms carry their messages
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        # X-Forwarded-Host is not trusted: links are built from BASE_URL (see marketplace.web.external_url).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.response_class = SecureCookieResponse
    app.before_request(_protect_against_csrf)
    app.after_request(_add_security_headers)
