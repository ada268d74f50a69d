"""Authorization matrix: needs, proposals and the needs API (the need belongs to another firm)."""

from tests.access import (
    EVERYONE,
    FIRM_ONLY,
    FORBIDDEN,
    OK,
    REDIRECT,
    STAFF_ONLY,
    but,
    everyone,
)

ROUTES = {
    "needs.index": ("GET", "/needs", EVERYONE),
    # An anonymous need is listed for everyone (without the firm's name).
    "needs.detail": ("GET", "/needs/{need_id}", EVERYONE),
    "needs.mine": ("GET", "/my/needs", FIRM_ONLY),
    "needs.create": ("GET", "/my/needs/new", FIRM_ONLY),
    # Only the firm member who wrote the need edits it.
    "needs.edit": ("GET", "/my/needs/{need_id}/edit", but(everyone(FORBIDDEN), anonymous=REDIRECT)),
    "needs.coach": ("POST", "/my/needs/coach", FIRM_ONLY),
    # Staff may open and close any need (this one is open already: told so, sent back); others may not.
    "needs.reopen": ("POST", "/needs/{need_id}/open", but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)),
    "needs.close": ("POST", "/needs/{need_id}/close", but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)),
    "needs.propose": ("GET", "/technologies/{tech_id}/propose", FIRM_ONLY),
    # The API answers 401 (JSON), never the sign-in page; the suggestions are the author's and staff's.
    "api.need_matches": ("GET", "/api/v1/needs/{need_id}/matches",
                         {"anonymous": 401, "firm": FORBIDDEN, "researcher": FORBIDDEN, "staff": OK, "admin": OK}),
}
