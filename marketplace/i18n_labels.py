"""Translatable labels of enumerated values, for templates and forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.models import OrganizationKind, Role

ROLE_LABELS = {
    Role.FIRM: _l("Firm"),
    Role.RESEARCHER: _l("Researcher"),
    Role.STAFF: _l("Department staff"),
    Role.ADMIN: _l("Administrator"),
}

ORGANIZATION_KIND_LABELS = {
    OrganizationKind.INSTITUTE: _l("Institute"),
    OrganizationKind.FIRM: _l("Firm"),
    OrganizationKind.DEPARTMENT: _l("Department"),
}
