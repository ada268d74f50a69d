"""Authorization matrix: matchmaking sessions (staff only; the session has one invited meeting, not yet placed)."""

from tests.access import STAFF_ONLY, but

MEETING = "/sessions/{event_id}/meetings/{meeting_id}"

ROUTES = {
    "matchmaking.index": ("GET", "/sessions", STAFF_ONLY),
    "matchmaking.create": ("GET", "/sessions/new", STAFF_ONLY),
    "matchmaking.detail": ("GET", "/sessions/{event_id}", STAFF_ONLY),
    # Nothing chosen: refused with a message, back to the session.
    "matchmaking.invite": ("POST", "/sessions/{event_id}/invite", but(STAFF_ONLY, staff=302, admin=302)),
    # The invited match is only suggested (no meeting will take place): nothing to place, back to the session.
    "matchmaking.plan": ("POST", "/sessions/{event_id}/plan", but(STAFF_ONLY, staff=302, admin=302)),
    # Neither a slot nor a table: the meeting is taken off the plan.
    "matchmaking.place": ("POST", MEETING + "/place", but(STAFF_ONLY, staff=302, admin=302)),
    "matchmaking.remove": ("POST", MEETING + "/remove", but(STAFF_ONLY, staff=302, admin=302)),
    # No outcome chosen: the page again with the form's errors.
    "matchmaking.outcome": ("POST", MEETING + "/outcome", but(STAFF_ONLY, staff=400, admin=400)),
    "matchmaking.schedule": ("GET", "/sessions/{event_id}/schedule", STAFF_ONLY),
    "matchmaking.schedule_csv": ("GET", "/sessions/{event_id}/schedule.csv", STAFF_ONLY),
}
