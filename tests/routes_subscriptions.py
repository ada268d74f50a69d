"""Authorization matrix: subscriptions and notifications."""

from tests.access import FIRM_ONLY, REDIRECT, SIGNED_IN_ONLY, everyone

ROUTES = {
    "subscriptions.edit": ("GET", "/subscriptions", FIRM_ONLY),
    "subscriptions.notifications": ("GET", "/notifications", SIGNED_IN_ONLY),
    # Signed in: marks all read and goes back; anonymous: sent to sign in.
    "subscriptions.mark_read": ("POST", "/notifications/read", everyone(REDIRECT)),
}
