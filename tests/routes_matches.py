"""Authorization matrix: the review queue, matches and rounds (the match is a suggestion between another firm's need
and another researcher's technology; the round is open)."""

from tests.access import (
    EVERYONE,
    FORBIDDEN,
    NOT_FOUND,
    REDIRECT,
    STAFF_ONLY,
    but,
)

PARTIES_ONLY = {"anonymous": REDIRECT, "firm": 200, "researcher": 200, "staff": FORBIDDEN, "admin": FORBIDDEN}

ROUTES = {
    "matches.queue": ("GET", "/review", STAFF_ONLY),
    # An empty decision is refused with a message and sent back to the queue.
    "matches.decide": ("POST", "/review/decide", but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)),
    # A suggestion is staff's business: to anyone else the match does not exist.
    "matches.detail": ("GET", "/matches/{match_id}", but(STAFF_ONLY, firm=NOT_FOUND, researcher=NOT_FOUND)),
    # An empty move form is shown again with its errors.
    "matches.move": ("POST", "/matches/{match_id}/move", but(STAFF_ONLY, staff=400, admin=400)),
    "matches.respond": ("POST", "/matches/{match_id}/respond",
                        but(PARTIES_ONLY, firm=NOT_FOUND, researcher=NOT_FOUND)),
    "matches.mine": ("GET", "/my/matches", PARTIES_ONLY),
    "rounds.index": ("GET", "/rounds", EVERYONE),
    "rounds.detail": ("GET", "/rounds/{round_id}", EVERYONE),
    "rounds.create": ("GET", "/rounds/new", STAFF_ONLY),
    "rounds.edit": ("GET", "/rounds/{round_id}/edit", STAFF_ONLY),
}
