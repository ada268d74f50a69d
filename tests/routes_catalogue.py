"""Authorization matrix: the catalogue and moderation routes (objects belong to another researcher)."""

from tests.access import (
    EVERYONE,
    FORBIDDEN,
    NOT_FOUND,
    REDIRECT,
    RESEARCHER_ONLY,
    STAFF_ONLY,
    but,
    everyone,
)

# A researcher who does not own the listing gets 404 on it, like everyone without access: no existence leak.
OTHERS_LISTING = but(RESEARCHER_ONLY, researcher=NOT_FOUND)

ROUTES = {
    "catalogue.index": ("GET", "/technologies", EVERYONE),
    "catalogue.detail": ("GET", "/technologies/{tech_code}/{tech_slug}", EVERYONE),
    "catalogue.print_view": ("GET", "/technologies/{tech_code}/{tech_slug}/print", EVERYONE),
    "catalogue.attachment": ("GET", "/technologies/{tech_code}/files/999999", everyone(NOT_FOUND)),
    "catalogue.mine": ("GET", "/my/technologies", RESEARCHER_ONLY),
    "catalogue.create": ("GET", "/my/technologies/new", RESEARCHER_ONLY),
    "catalogue.edit": ("GET", "/my/technologies/{draft_id}/edit", OTHERS_LISTING),
    "catalogue.submit": ("POST", "/my/technologies/{draft_id}/submit", OTHERS_LISTING),
    "catalogue.upload": ("POST", "/my/technologies/{draft_id}/attachments", OTHERS_LISTING),
    "catalogue.delete_attachment": ("POST", "/my/technologies/{draft_id}/attachments/1/delete", OTHERS_LISTING),
    # Staff may archive and re-confirm any listing; others may not touch one that is not theirs.
    "catalogue.archive": ("POST", "/technologies/{tech_id}/archive",
                          {"anonymous": REDIRECT, "firm": FORBIDDEN, "researcher": FORBIDDEN, "staff": REDIRECT,
                           "admin": REDIRECT}),
    "catalogue.confirm": ("POST", "/technologies/{tech_id}/confirm",
                          {"anonymous": REDIRECT, "firm": FORBIDDEN, "researcher": FORBIDDEN, "staff": REDIRECT,
                           "admin": REDIRECT}),
    "moderation.queue": ("GET", "/moderation/", STAFF_ONLY),
    "moderation.review": ("GET", "/moderation/{revision_id}", STAFF_ONLY),
}
