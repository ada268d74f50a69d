"""All models, importable from one place (Alembic's env imports this module)."""

from marketplace.models.attachment import AttachmentKind, TechnologyAttachment
from marketplace.models.audit import AuditEvent
from marketplace.models.mail import OutgoingMail
from marketplace.models.match import (
    INTRODUCED_STAGES,
    OPEN_STAGES,
    DeclineReason,
    Match,
    MatchOrigin,
    MatchStatus,
    PartyResponse,
)
from marketplace.models.matchmaking import EventSlot, EventTable, MatchmakingEvent, Meeting, MeetingOutcome
from marketplace.models.need import Need, NeedStatus, NeedVisibility
from marketplace.models.notification import Notification, Subscription, subscription_sectors
from marketplace.models.organization import Organization, OrganizationKind
from marketplace.models.outbox import IndexTask
from marketplace.models.revision import OPEN_REVISION_STATUSES, RevisionStatus, TechnologyRevision
from marketplace.models.round import Round
from marketplace.models.sector import Sector, need_sectors, technology_sectors
from marketplace.models.technology import Technology, TechnologyStatus, TransferMode
from marketplace.models.user import SELF_SERVICE_ROLES, PasswordResetToken, Role, User

__all__ = [
    "AttachmentKind", "IndexTask", "Notification", "OPEN_REVISION_STATUSES", "RevisionStatus", "Subscription",
    "TechnologyAttachment", "TechnologyRevision", "subscription_sectors",
    "AuditEvent", "Match", "MatchOrigin", "MatchStatus", "Need", "NeedStatus", "NeedVisibility", "Organization",
    "OrganizationKind", "OutgoingMail", "PasswordResetToken", "Role", "SELF_SERVICE_ROLES", "Sector", "Technology",
    "TechnologyStatus", "TransferMode", "User", "need_sectors", "technology_sectors",
    "DeclineReason", "EventSlot", "EventTable", "MatchmakingEvent", "Meeting", "MeetingOutcome", "PartyResponse",
    "Round", "INTRODUCED_STAGES", "OPEN_STAGES",
]
