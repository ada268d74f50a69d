"""Error pages in the user's language; JSON for API clients."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from marketplace.errors import bp
from marketplace.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Sign-in required"), _l("Sign in to use this part of the site.")),
    403: (_l("Access denied"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    409: (_l("Changed in the meantime"), _l("Someone else changed this at the same moment, and their change was "
                                            "kept; nothing of yours was saved. Reload the page to see it as it is "
                                            "now, then try again if you still need to.")),
    413: (_l("File too large"), _l("What you sent is larger than the site accepts. Please send a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried too many times in a short while. Please wait a few minutes "
                                      "and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred on our side. It has been logged; please try "
                                         "again later.")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, detail: str | None = None):  # noqa: ANN202
    title, message = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return {"error": str(title), "message": str(detail or message)}, code
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):  # noqa: ANN201
    return _render(400, str(_l("The form has expired or was sent from elsewhere. Go back, reload the page and "
                               "send it again.")))


@bp.app_errorhandler(StaleDataError)
def changed_meanwhile(error: StaleDataError):  # noqa: ANN201
    # A versioned row (a match, a technology) was changed by another request between reading and saving it.
    db.session.rollback()
    return _render(409)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):  # noqa: ANN201
    code = error.code or 500
    if code not in MESSAGES:
        return error
    return _render(code)


@bp.app_errorhandler(500)
def internal_error(error: Exception):  # noqa: ANN201
    db.session.rollback()
    return _render(500)
