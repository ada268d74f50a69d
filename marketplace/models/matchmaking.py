"""Matchmaking sessions ("phiên kết nối cung – cầu công nghệ"): an event's time slots and tables, and the meetings
of approved matches placed on them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.models.base import TimestampMixin, UTCDateTime, str_enum
from marketplace.models.match import Match
from marketplace.models.round import Round


class MeetingOutcome(StrEnum):
    """What came of a meeting; each moves the match along its lifecycle (see ``marketplace.matches.lifecycle``)."""

    NEGOTIATING = "negotiating"
    AGREEMENT_SIGNED = "agreement_signed"
    NO_DEAL = "no_deal"
    ABSENT = "absent"


class MatchmakingEvent(TimestampMixin, db.Model):
    __tablename__ = "matchmaking_event"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    held_on: so.Mapped[date] = so.mapped_column(sa.Date, index=True)
    place: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    round_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("proposal_round.id", ondelete="SET NULL"))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    round: so.Mapped[Round | None] = so.relationship()
    slots: so.Mapped[list[EventSlot]] = so.relationship(back_populates="event", cascade="all, delete-orphan",
                                                        order_by="EventSlot.starts_at")
    tables: so.Mapped[list[EventTable]] = so.relationship(back_populates="event", cascade="all, delete-orphan",
                                                          order_by="EventTable.position")
    meetings: so.Mapped[list[Meeting]] = so.relationship(back_populates="event", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<MatchmakingEvent {self.name} {self.held_on}>"


class EventSlot(db.Model):
    __tablename__ = "event_slot"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("matchmaking_event.id", ondelete="CASCADE"),
                                                index=True)
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())

    event: so.Mapped[MatchmakingEvent] = so.relationship(back_populates="slots")


class EventTable(db.Model):
    __tablename__ = "event_table"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("matchmaking_event.id", ondelete="CASCADE"),
                                                index=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(60))
    position: so.Mapped[int] = so.mapped_column(default=0)

    event: so.Mapped[MatchmakingEvent] = so.relationship(back_populates="tables")


class Meeting(TimestampMixin, db.Model):
    """An approved match invited to an event; ``slot`` and ``table`` are None until it is placed."""

    __tablename__ = "meeting"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "match_id", name="uq_meeting_event_match"),
        # A backstop: the scheduler's check also catches slots that overlap in time.
        sa.UniqueConstraint("slot_id", "table_id", name="uq_meeting_slot_table"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("matchmaking_event.id", ondelete="CASCADE"),
                                                index=True)
    match_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), index=True)
    slot_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("event_slot.id", ondelete="SET NULL"))
    table_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("event_table.id", ondelete="SET NULL"))
    #: Kept where staff put it when the scheduler plans again.
    pinned: so.Mapped[bool] = so.mapped_column(default=False)
    outcome: so.Mapped[MeetingOutcome | None] = so.mapped_column(str_enum(MeetingOutcome, 24))
    outcome_note: so.Mapped[str | None] = so.mapped_column(sa.Text)

    event: so.Mapped[MatchmakingEvent] = so.relationship(back_populates="meetings")
    match: so.Mapped[Match] = so.relationship()
    slot: so.Mapped[EventSlot | None] = so.relationship()
    table: so.Mapped[EventTable | None] = so.relationship()
