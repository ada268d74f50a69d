"""The audit log as administrators read it: filtering events, checking the hash chain, exporting to CSV.

Read-only: events are written by :func:`marketplace.audit.record_event` and never changed here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from marketplace.audit import verify_chain
from marketplace.extensions import db
from marketplace.i18n import day_start
from marketplace.i18n_labels import MATCH_STATUS_LABELS, NEED_STATUS_LABELS, TECHNOLOGY_STATUS_LABELS
from marketplace.imports.importer import guard_formula
from marketplace.models import AuditEvent, User

#: Characters of the hash shown in the list (the CSV export has the whole hash).
HASH_PREFIX = 12

#: Labels of the states recorded for each kind of object; other states are shown as recorded.
_STATE_LABELS: dict[str, dict[Any, Any]] = {
    "match": MATCH_STATUS_LABELS,
    "need": NEED_STATUS_LABELS,
    "technology": TECHNOLOGY_STATUS_LABELS,
}


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list; every field comes from the page's GET parameters (None: no filter).

    ``date_from`` and ``date_to`` are local dates of the city (both included).
    """

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the hash chain: how many events there are, and which fail the check."""

    total: int
    broken: list[int] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.broken


def _contains(column: sa.ColumnElement[str], needle: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match with ``%`` and ``_`` in ``needle`` taken literally."""
    return sa.func.lower(column).contains(needle.lower(), autoescape=True)


def events(criteria: AuditFilter, zone: tzinfo) -> sa.Select:
    """Audit events matching ``criteria``, the newest first (ids follow the chain, so they order the events even
    when several share the same second).

    :param zone: the time zone of ``criteria.date_from`` / ``date_to`` (the city's, Asia/Ho_Chi_Minh).
    """
    stmt = sa.select(AuditEvent).options(so.joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    if criteria.actor:
        actor_ids = sa.select(User.id).where(sa.or_(_contains(User.full_name, criteria.actor),
                                                    _contains(User.email, criteria.actor)))
        stmt = stmt.where(AuditEvent.actor_id.in_(actor_ids))
    if criteria.action:
        stmt = stmt.where(AuditEvent.action == criteria.action)
    if criteria.object_type:
        stmt = stmt.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == criteria.object_id)
    # (The filter form's dates lie between the years 1900 and 2999: no overflow at either end.)
    if criteria.date_from is not None:
        stmt = stmt.where(AuditEvent.created_at >= day_start(criteria.date_from, zone))
    if criteria.date_to is not None:
        stmt = stmt.where(AuditEvent.created_at < day_start(criteria.date_to + timedelta(days=1), zone))
    if criteria.text:
        # NOTE: the JSON column is stored as serialized text with non-ASCII characters escaped ("\u1ea1"), so the
        # details are searched for the text both as typed and as JSON escapes it.
        escaped = json.dumps(criteria.text)[1:-1]
        details = sa.cast(AuditEvent.data, sa.Text)
        stmt = stmt.where(sa.or_(_contains(AuditEvent.note, criteria.text), _contains(details, criteria.text),
                                 _contains(details, escaped)))
    return stmt


def recorded_actions() -> list[str]:
    """The distinct actions recorded so far, in alphabetical order."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def recorded_object_types() -> list[str]:
    """The distinct kinds of object events were recorded about, in alphabetical order."""
    return list(db.session.scalars(sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)))


def check_chain() -> ChainCheck:
    """Check the whole hash chain, as ``flask audit verify`` does.

    NOTE: :func:`marketplace.audit.verify_chain` loads and hashes every event, so the cost grows with the table
    (linear time, and the events are held in the session meanwhile). Fine for an admin page at this project's
    volume; a cached result or a checkpointed hash would be the next step if the log grows to millions of rows.
    """
    broken = verify_chain()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
    return ChainCheck(total=total, broken=broken)


def state_label(object_type: str, state: str | None) -> str:
    """A recorded state in words (``approved`` → "Approved" for a match), or as recorded when it has no label."""
    if not state:
        return ""
    label = _STATE_LABELS.get(object_type, {}).get(state)
    return str(label) if label is not None else state


def details_text(data: dict[str, Any] | None) -> str:
    """An event's details as ``key: value`` pairs, or the empty string."""
    if not data:
        return ""
    return "; ".join(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value}"
                     for key, value in data.items())


def _local_time(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def csv_lines(stmt: sa.Select, zone: tzinfo) -> Iterator[str]:
    """The events of ``stmt`` as CSV text, line by line: a UTF-8 byte-order mark and a header first (so that
    spreadsheet programs read Vietnamese correctly), cells that a spreadsheet would run as formulas guarded.

    States and actions are written as recorded (codes), times in ``zone``, hashes in full.
    """
    out = io.StringIO()
    writer = csv.writer(out)

    def line(cells: list[Any]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow([guard_formula(cell) if isinstance(cell, str) else cell for cell in cells])
        return out.getvalue()

    yield "\ufeff" + line([_("Id"), _("Time (Hai Phong)"), _("Actor email"), _("Actor name"), _("Action"),
                           _("Object type"), _("Object id"), _("From state"), _("To state"), _("Note"),
                           _("Details"), _("Hash"), _("Previous hash")])
    for event in db.session.scalars(stmt.execution_options(yield_per=500)):
        actor = event.actor
        yield line([
            event.id, _local_time(event.created_at, zone),
            actor.email if actor else "", actor.full_name if actor else "",
            event.action, event.object_type, "" if event.object_id is None else event.object_id,
            event.from_state or "", event.to_state or "", event.note or "",
            json.dumps(event.data, ensure_ascii=False, sort_keys=True) if event.data else "",
            event.hash, event.prev_hash or "",
        ])
