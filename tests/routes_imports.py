"""Authorization matrix: the import of the Academy's list and the catalogue's download (staff only).

Without an upload waiting in the session, the preview, confirm and cancel steps send staff back to the upload page.
"""

from tests.access import REDIRECT, STAFF_ONLY, but

ROUTES = {
    "imports.upload": ("GET", "/catalogue/import/", STAFF_ONLY),
    "imports.preview": ("GET", "/catalogue/import/preview", but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)),
    "imports.confirm": ("POST", "/catalogue/import/confirm", but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)),
    "imports.cancel": ("POST", "/catalogue/import/cancel", but(STAFF_ONLY, staff=REDIRECT, admin=REDIRECT)),
    "imports.export": ("GET", "/catalogue/import/export.csv", STAFF_ONLY),
}
