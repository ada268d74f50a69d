"""Keeping the search index in step with the database, without losing a change.

Every flush that creates, changes or deletes a technology writes an :class:`IndexTask` in the same transaction (a
rollback drops both). After the commit the tasks are applied (``drain``); when the engine is down they stay and
``flask search sync`` applies them later. The drain reloads each technology and sends its current state (or deletes
it when it is gone or no longer published), so applying a task twice does no harm, and the engine ignores a version
older than the one it has.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app

from marketplace.db import after_commit
from marketplace.extensions import db
from marketplace.models import IndexTask, Technology, TechnologyStatus
from marketplace.models.base import utcnow
from search.base import IndexDoc, SearchBackend, SearchUnavailable

log = logging.getLogger(__name__)
DOC_TYPE = "technology"


def _record_tasks(session: so.Session, flush_context: object) -> None:
    ids = {
        obj.id for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, Technology) and obj.id is not None
        and (obj in session.new or obj in session.deleted or session.is_modified(obj))
    }
    if ids:
        session.connection().execute(sa.insert(IndexTask.__table__), _task_rows(ids))


def _task_rows(ids: Iterable[int]) -> list[dict]:
    now = utcnow()
    return [{"doc_type": DOC_TYPE, "doc_id": doc_id, "attempts": 0, "created_at": now} for doc_id in sorted(set(ids))]


def enqueue(ids: Iterable[int]) -> None:
    """Record index tasks for technologies changed by bulk SQL (which the flush listener does not see)."""
    rows = _task_rows(ids)
    if rows:
        db.session.execute(sa.insert(IndexTask.__table__), rows)


def to_doc(technology: Technology) -> IndexDoc:
    """The indexed form of a published technology."""
    from marketplace.catalogue.services import is_stale

    return IndexDoc(
        id=technology.id, version=technology.version_id, code=technology.code, title=technology.title,
        title_en=technology.title_en or "", keywords=list(technology.keywords or []), summary=technology.summary or "",
        description=technology.description or "", description_en=technology.description_en or "",
        sectors=[sector.slug for sector in technology.sectors], institute_id=technology.institute_id,
        trl=technology.trl, transfer_modes=list(technology.transfer_modes or []),
        priority=any(sector.is_priority for sector in technology.sectors), stale=is_stale(technology),
        published_at=technology.published_at,
    )


def drain(backend: SearchBackend | None = None, limit: int = 500) -> tuple[int, int]:
    """Apply up to ``limit`` pending tasks; delete the ones the engine acknowledged.

    :returns: (tasks applied, tasks still pending)
    :raises SearchUnavailable: when the engine is down (the tasks stay, with the error noted).
    """
    from marketplace.searching.extension import current_search

    backend = backend or current_search
    db.session.commit()  # start the drain's own transaction with the lock below, not inside an older one
    _serialize_drains()
    tasks = db.session.scalars(sa.select(IndexTask).order_by(IndexTask.id).limit(limit)).all()
    if not tasks:
        db.session.rollback()
        return 0, 0
    ids = sorted({task.doc_id for task in tasks})
    technologies = {
        t.id: t for t in db.session.scalars(
            sa.select(Technology).where(Technology.id.in_(ids)).options(so.selectinload(Technology.sectors)))
    }
    published = [t for t in technologies.values() if t.status == TechnologyStatus.PUBLISHED]
    gone = [doc_id for doc_id in ids if doc_id not in technologies
            or technologies[doc_id].status != TechnologyStatus.PUBLISHED]
    try:
        backend.index(to_doc(t) for t in published)
        backend.delete(gone)
    except SearchUnavailable as exc:
        db.session.rollback()
        db.session.execute(sa.update(IndexTask).where(IndexTask.id.in_([t.id for t in tasks]))
                           .values(attempts=IndexTask.attempts + 1, last_error=str(exc)[:500]))
        db.session.commit()
        raise
    # Only the tasks that were read: a change committed meanwhile has its own task, applied next time.
    db.session.execute(sa.delete(IndexTask).where(IndexTask.id.in_([t.id for t in tasks])))
    db.session.commit()
    remaining = db.session.scalar(sa.select(sa.func.count()).select_from(IndexTask)) or 0
    return len(tasks), remaining


#: Missing technologies read from the database at a time by :func:`reconcile`.
RECONCILE_BATCH = 500


def reconcile(backend: SearchBackend | None = None) -> tuple[int, int]:
    """Make the index hold exactly the published technologies: remove what the database no longer publishes, add
    what is missing. ``flask search reindex`` runs it after the rebuild: a delete made by another process while the
    rebuild was loading that very technology can be undone by the load (deletes carry no version), and that
    process's task is already applied and gone.

    Drains wait meanwhile (their lock), so no task is applied between the two reads and the writes; a change
    committed meanwhile keeps its task, applied after. Versions make adding a technology twice harmless. (On SQLite
    the lock is the database's write lock: web commits wait while the index's ids are read, once per rebuild.)

    :returns: (removed, added)
    :raises SearchUnavailable: the engine failed (nothing in the database changed).
    """
    from marketplace.searching.extension import current_search

    backend = backend or current_search
    db.session.commit()  # a transaction of its own, with the drains' lock
    _serialize_drains()
    try:
        backend.refresh()  # what the index holds, as searches see it
        indexed = backend.indexed_ids()
        published = set(db.session.scalars(
            sa.select(Technology.id).where(Technology.status == TechnologyStatus.PUBLISHED)))
        stray, missing = sorted(indexed - published), sorted(published - indexed)
        backend.delete(stray)
        for start in range(0, len(missing), RECONCILE_BATCH):
            batch = missing[start:start + RECONCILE_BATCH]
            backend.index(to_doc(t) for t in db.session.scalars(
                sa.select(Technology).where(Technology.id.in_(batch)).options(so.selectinload(Technology.sectors))))
    finally:
        db.session.rollback()  # nothing to keep: releases the lock
    return len(stray), len(missing)


#: Key of the PostgreSQL advisory lock held by a drain.
DRAIN_LOCK = 4_242_002


def _serialize_drains() -> None:
    """Let one drain at a time read the database and write to the engine, until its commit.

    Two drains running at once could read a technology at different moments and reach the engine in the other
    order (a listing archived by the second could be put back by the first, whose delete carries no version).
    PostgreSQL: an advisory lock for the transaction. SQLite: a first write, which takes the database's write lock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": DRAIN_LOCK})
    else:
        db.session.execute(sa.text("UPDATE index_outbox SET attempts = attempts WHERE id = "
                                   "(SELECT min(id) FROM index_outbox)"))


def published_docs(batch: int = 500) -> Iterator[IndexDoc]:
    """Every published technology as an index document, read in batches."""
    stmt = (sa.select(Technology).where(Technology.status == TechnologyStatus.PUBLISHED)
            .options(so.selectinload(Technology.sectors)).order_by(Technology.id)
            .execution_options(yield_per=batch))
    for technology in db.session.scalars(stmt):
        yield to_doc(technology)


#: How long a request may spend applying index tasks after its commit; a large import leaves the rest to the
#: next commit or to `flask search sync`.
DRAIN_BUDGET_SECONDS = 10.0


def _drain_after_commit() -> None:
    if not current_app.config["SEARCH_SYNC_ON_REQUEST"]:
        return
    import time

    deadline = time.monotonic() + DRAIN_BUDGET_SECONDS
    try:
        while time.monotonic() < deadline:
            done, remaining = drain(limit=500)
            if not done or not remaining:
                return
    except SearchUnavailable as exc:
        log.warning("search engine unavailable; index tasks wait for `flask search sync`: %s", exc)


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    if not _listening:
        sa.event.listen(so.Session, "after_flush", _record_tasks)
        _listening = True
    after_commit(_drain_after_commit)
