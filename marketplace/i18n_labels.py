"""Translatable labels of enumerated values, for templates and forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.models import OrganizationKind, RevisionStatus, Role, TechnologyStatus, TransferMode

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

TECHNOLOGY_STATUS_LABELS = {
    TechnologyStatus.DRAFT: _l("Draft"),
    TechnologyStatus.SUBMITTED: _l("Under review"),
    TechnologyStatus.PUBLISHED: _l("Published"),
    TechnologyStatus.REJECTED: _l("Not accepted"),
    TechnologyStatus.ARCHIVED: _l("Archived"),
}

REVISION_STATUS_LABELS = {
    RevisionStatus.DRAFT: _l("Change not yet submitted"),
    RevisionStatus.SUBMITTED: _l("Change under review"),
    RevisionStatus.RETURNED: _l("Returned for changes"),
    RevisionStatus.PUBLISHED: _l("Published"),
    RevisionStatus.REJECTED: _l("Not accepted"),
}

TRANSFER_MODE_LABELS = {
    TransferMode.LICENSE: _l("License"),
    TransferMode.TURNKEY: _l("Turnkey transfer"),
    TransferMode.CONSULTING: _l("Consulting"),
    TransferMode.JOINT_VENTURE: _l("Joint venture"),
    TransferMode.TRAINING: _l("Training"),
}

#: Technology readiness levels, in words a firm understands.
TRL_LABELS = {
    1: _l("TRL 1 – basic principles observed"),
    2: _l("TRL 2 – technology concept formulated"),
    3: _l("TRL 3 – proof of concept in the laboratory"),
    4: _l("TRL 4 – validated in the laboratory"),
    5: _l("TRL 5 – validated in a relevant environment"),
    6: _l("TRL 6 – prototype demonstrated in a relevant environment"),
    7: _l("TRL 7 – prototype demonstrated in operation"),
    8: _l("TRL 8 – complete system qualified"),
    9: _l("TRL 9 – proven in commercial operation"),
}
