"""Expected access per role, shared by the route tables of the authorization matrix (tests/routes_*.py).

A route table maps endpoint -> (method, path, {role: expected status}). Paths may use the placeholders filled by
``tests/test_authz_matrix.py``: {target} (a firm user's id), {tech_id}, {tech_code}, {tech_slug} (a published
technology of another researcher), {need_id} (an open anonymous need of another firm), {draft_id} (a draft
technology of another researcher), {revision_id} (a submitted revision of that draft).
"""

from __future__ import annotations

ROLES = ("anonymous", "firm", "researcher", "staff", "admin")
OK, REDIRECT, BAD_REQUEST, FORBIDDEN, NOT_FOUND = 200, 302, 400, 403, 404

EVERYONE = {role: OK for role in ROLES}
SIGNED_IN_ONLY = {"anonymous": REDIRECT, "firm": OK, "researcher": OK, "staff": OK, "admin": OK}
GUESTS_ONLY = {"anonymous": OK, "firm": REDIRECT, "researcher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT}
ADMIN_ONLY = {"anonymous": REDIRECT, "firm": FORBIDDEN, "researcher": FORBIDDEN, "staff": FORBIDDEN, "admin": OK}
STAFF_ONLY = {"anonymous": REDIRECT, "firm": FORBIDDEN, "researcher": FORBIDDEN, "staff": OK, "admin": OK}
FIRM_ONLY = {"anonymous": REDIRECT, "firm": OK, "researcher": FORBIDDEN, "staff": FORBIDDEN, "admin": FORBIDDEN}
RESEARCHER_ONLY = {"anonymous": REDIRECT, "firm": FORBIDDEN, "researcher": OK, "staff": FORBIDDEN,
                   "admin": FORBIDDEN}


def everyone(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


def but(base: dict[str, int], **changes: int) -> dict[str, int]:
    """``base`` with some roles' statuses changed: ``but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)``."""
    return {**base, **changes}
