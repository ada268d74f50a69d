"""Translatable labels of enumerated values, for templates and forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.models import (
    DeclineReason,
    MatchOrigin,
    MatchStatus,
    MeetingOutcome,
    NeedStatus,
    NeedVisibility,
    OrganizationKind,
    PartyResponse,
    RevisionStatus,
    Role,
    TechnologyStatus,
    TransferMode,
)

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

NEED_STATUS_LABELS = {
    NeedStatus.DRAFT: _l("Draft"),
    NeedStatus.OPEN: _l("Open"),
    NeedStatus.MATCHED: _l("Matched"),
    NeedStatus.CLOSED: _l("Closed"),
}

NEED_VISIBILITY_LABELS = {
    NeedVisibility.ANONYMOUS: _l("Anonymous: the need is shown without the firm's name until the Department approves "
                                 "an introduction"),
    NeedVisibility.PUBLIC: _l("Public: the need is shown with the firm's name"),
    NeedVisibility.STAFF: _l("Department only: only the Department's staff see the need"),
}

MATCH_STATUS_LABELS = {
    MatchStatus.SUGGESTED: _l("Awaiting the Department's review"),
    MatchStatus.APPROVED: _l("Introduction approved"),
    MatchStatus.REJECTED: _l("Not pursued"),
    MatchStatus.CONTACTED: _l("Parties in contact"),
    MatchStatus.MEETING_SCHEDULED: _l("Meeting scheduled"),
    MatchStatus.NEGOTIATING: _l("Negotiating"),
    MatchStatus.AGREEMENT_SIGNED: _l("Agreement signed"),
    MatchStatus.CLOSED_NO_DEAL: _l("Closed without a deal"),
}

MATCH_ORIGIN_LABELS = {
    MatchOrigin.MATCHER: _l("Suggested by the matcher"),
    MatchOrigin.FIRM: _l("Proposed by the firm"),
    MatchOrigin.STAFF: _l("Proposed by the Department"),
}

DECLINE_REASON_LABELS = {
    DeclineReason.NOT_RELEVANT: _l("Not relevant to our needs"),
    DeclineReason.TOO_EXPENSIVE: _l("Too expensive"),
    DeclineReason.NOT_READY: _l("The technology is not ready enough"),
    DeclineReason.TIMING: _l("Not the right time"),
    DeclineReason.ALREADY_SOLVED: _l("Already solved another way"),
    DeclineReason.OTHER: _l("Other reason"),
}

PARTY_RESPONSE_LABELS = {
    PartyResponse.ACCEPTED: _l("Accepted"),
    PartyResponse.DECLINED: _l("Declined"),
}

MEETING_OUTCOME_LABELS = {
    MeetingOutcome.NEGOTIATING: _l("Continue to negotiation"),
    MeetingOutcome.AGREEMENT_SIGNED: _l("Agreement signed"),
    MeetingOutcome.NO_DEAL: _l("No deal"),
    MeetingOutcome.ABSENT: _l("A party did not attend"),
}
