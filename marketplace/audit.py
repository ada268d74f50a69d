"""Recording audit events: append-only, each chained to the previous one by a SHA-256 hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from marketplace.models.base import utcnow

#: Key of the PostgreSQL advisory lock that serializes appends to the audit chain.
AUDIT_CHAIN_LOCK = 4_242_001


def _digest(event: AuditEvent) -> str:
    payload = {
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": event.note,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_event(
    action: str,
    object_type: str,
    object_id: int | None = None,
    *,
    actor: User | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event to the session (flushed, not committed).

    :param action: what happened, e.g. ``user.register`` or ``match.approve``.
    :param object_type: the kind of object it happened to (``user``, ``technology``, ...).
    """
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # One writer at a time appends to the chain, else two transactions would link to the same parent.
        # (SQLite serializes writers already: the flush above took the database's write lock.)
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    prev_hash = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        created_at=utcnow().replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
        prev_hash=prev_hash,
    )
    event.hash = _digest(event)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain() -> list[int]:
    """Return the ids of events whose hash or link to the previous event does not check out."""
    broken: list[int] = []
    prev_hash = None
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev_hash or event.hash != _digest(event):
            broken.append(event.id)
        prev_hash = event.hash
    return broken


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete a recorded audit event."""


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_changes(mapper: Any, connection: Any, event: AuditEvent) -> None:
    # The hash chain detects changes made behind the app; the app itself never makes one.
    raise AuditLogIsAppendOnly(f"audit event {event.id} cannot be changed or deleted")
