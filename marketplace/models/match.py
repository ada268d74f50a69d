"""A pairing of a need with a technology, from suggestion to deal."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime, str_enum
from marketplace.models.need import Need
from marketplace.models.round import Round
from marketplace.models.technology import Technology, TransferMode
from marketplace.models.user import User


class MatchStatus(StrEnum):
    SUGGESTED = "suggested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONTACTED = "contacted"
    MEETING_SCHEDULED = "meeting_scheduled"
    NEGOTIATING = "negotiating"
    AGREEMENT_SIGNED = "agreement_signed"
    CLOSED_NO_DEAL = "closed_no_deal"


#: Stages of a match that staff still follow (an introduction made, no outcome yet).
OPEN_STAGES = (MatchStatus.APPROVED, MatchStatus.CONTACTED, MatchStatus.MEETING_SCHEDULED, MatchStatus.NEGOTIATING)
#: Stages from the introduction on, a deal included (the parties know each other).
INTRODUCED_STAGES = (*OPEN_STAGES, MatchStatus.AGREEMENT_SIGNED)


class MatchOrigin(StrEnum):
    MATCHER = "matcher"  # suggested by the TF-IDF matcher
    FIRM = "firm"  # proposed by a firm from the catalogue
    STAFF = "staff"


class PartyResponse(StrEnum):
    """A party's answer to an introduction."""

    ACCEPTED = "accepted"
    DECLINED = "declined"


class DeclineReason(StrEnum):
    """Why a party declined an introduction, or why a match closed without a deal: fixed categories, so that
    researchers and staff can count them."""

    NOT_RELEVANT = "not_relevant"
    TOO_EXPENSIVE = "too_expensive"
    NOT_READY = "not_ready"
    TIMING = "timing"
    ALREADY_SOLVED = "already_solved"
    OTHER = "other"


class Match(TimestampMixin, db.Model):
    __tablename__ = "match"
    __table_args__ = (sa.UniqueConstraint("need_id", "technology_id", name="uq_match_need_technology"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    need_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("need.id", ondelete="CASCADE"), index=True)
    technology_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("technology.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[MatchStatus] = so.mapped_column(
        str_enum(MatchStatus, 24), default=MatchStatus.SUGGESTED, index=True
    )
    origin: so.Mapped[MatchOrigin] = so.mapped_column(str_enum(MatchOrigin, 16), default=MatchOrigin.MATCHER)
    score: so.Mapped[float | None] = so.mapped_column()
    explanation: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    proposed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    round_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposal_round.id", ondelete="SET NULL"),
                                                       index=True)
    # The introduction: each party accepts or declines it.
    firm_response: so.Mapped[PartyResponse | None] = so.mapped_column(
        str_enum(PartyResponse, 16, name="firm_response"))
    firm_responded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    researcher_response: so.Mapped[PartyResponse | None] = so.mapped_column(
        str_enum(PartyResponse, 16, name="researcher_response"))
    researcher_responded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Why it ended without a deal: a party's decline or staff closing it.
    decline_reason: so.Mapped[DeclineReason | None] = so.mapped_column(str_enum(DeclineReason, 24))
    decline_comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    declined_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # The deal.
    transfer_mode: so.Mapped[TransferMode | None] = so.mapped_column(str_enum(TransferMode, 24))
    contract_value: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    signed_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    status_changed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime(), index=True)
    #: Check-in reminders sent to staff since the approval (3 and 6 months after it).
    reminders_sent: so.Mapped[int] = so.mapped_column(default=0)
    version_id: so.Mapped[int] = so.mapped_column(default=1)

    need: so.Mapped[Need] = so.relationship()
    round: so.Mapped[Round | None] = so.relationship()
    declined_by: so.Mapped[User | None] = so.relationship(foreign_keys=[declined_by_id])
    technology: so.Mapped[Technology] = so.relationship()
    proposed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[proposed_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version_id}

    def __repr__(self) -> str:
        return f"<Match need={self.need_id} technology={self.technology_id} {self.status}>"
