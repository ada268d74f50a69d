"""Fitting the matcher on the published catalogue and keeping the suggested matches of open needs up to date.

Staff decisions survive: a pair that was ever approved, rejected or taken further is never suggested again nor
overwritten; only rows still in the ``suggested`` state are replaced.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from marketplace.db import after_commit
from marketplace.extensions import db
from marketplace.models import Match, MatchOrigin, MatchStatus, Need, NeedStatus, Technology, TechnologyStatus
from marketplace.models.base import utcnow
from matching.tfidf import MatchingWeights, NeedText, Suggestion, TechnologyText, TfidfMatcher

log = logging.getLogger(__name__)

#: Configuration keys of the matcher's weights (see matching.tfidf.MatchingWeights for their meaning).
WEIGHT_SETTINGS = {name: f"MATCH_{name.upper()}" for name in MatchingWeights.__dataclass_fields__}


def weights_from_config() -> MatchingWeights:
    values = {name: current_app.config[key] for name, key in WEIGHT_SETTINGS.items() if key in current_app.config}
    return MatchingWeights(**values)


def technology_text(technology: Technology) -> TechnologyText:
    return TechnologyText(
        id=technology.id, title=technology.title, summary=technology.summary or "",
        description=technology.description or "", keywords=tuple(technology.keywords or []),
        title_en=technology.title_en or "", description_en=technology.description_en or "",
        sectors=tuple(s.slug for s in technology.sectors), priority=technology.is_priority, trl=technology.trl,
    )


def need_text(need: Need) -> NeedText:
    return NeedText(id=need.id, title=need.title, description=need.description or "",
                    desired_outcome=need.desired_outcome or "", sectors=tuple(s.slug for s in need.sectors))


#: Needs in these statuses take suggestions.
MATCHED_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED)
#: Above this many technologies at once (an import), every open need is re-matched instead of one technology at a
#: time.
BULK_CHANGE = 20


def fit_model() -> TfidfMatcher:
    """Fit a matcher on every published technology."""
    technologies = db.session.scalars(
        sa.select(Technology).where(Technology.status == TechnologyStatus.PUBLISHED)
        .options(so.selectinload(Technology.sectors)).order_by(Technology.id)
    ).all()
    priority = frozenset(s.slug for t in technologies for s in t.sectors if s.is_priority)
    version = f"{utcnow():%Y%m%dT%H%M%SZ}-{len(technologies)}"
    matcher = TfidfMatcher(weights=weights_from_config(), priority_sectors=priority, version=version)
    try:
        return matcher.fit([technology_text(t) for t in technologies])
    except ValueError:
        # An empty catalogue (or one with nothing but function words) has no vocabulary: nothing can match yet.
        return TfidfMatcher(weights=weights_from_config(), priority_sectors=priority, version=version)


def save_model(matcher: TfidfMatcher) -> Path:
    """Write the model atomically to ``MATCH_MODEL_PATH`` (readers never see half a file)."""
    path = Path(current_app.config["MATCH_MODEL_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(matcher.dumps())
    # A temporary file is private (0600); the web server and the CLI may run as different users.
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)
    return path


def load_model() -> TfidfMatcher | None:
    """The persisted model, or None when there is none or it cannot be read (an older format, a damaged file):
    the caller refits."""
    path = Path(current_app.config["MATCH_MODEL_PATH"])
    if not path.exists():
        return None
    try:
        return TfidfMatcher.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - whatever a damaged or foreign file raises, a refit repairs it
        log.warning("the matching model %s cannot be read; it will be refitted", path, exc_info=True)
        return None


_models: dict[str, tuple[tuple[int, int, int], TfidfMatcher]] = {}
_models_lock = threading.Lock()


def _file_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    # os.replace gives every save a new inode: two saves within the clock's resolution still differ.
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Serialise changes of the model file between processes (gunicorn workers, CLI)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remember(path: Path, key: tuple[int, int, int] | None, matcher: TfidfMatcher) -> TfidfMatcher:
    """Cache ``matcher`` as the content of ``path`` when its key was ``key`` (read before loading or after saving:
    should the file change in between, the next call sees another key and reloads)."""
    if key is not None:
        with _models_lock:
            _models[str(path)] = (key, matcher)
    return matcher


def _model_path() -> Path:
    return Path(current_app.config["MATCH_MODEL_PATH"])


def current_model() -> TfidfMatcher:
    """The persisted model, loaded once per process and again whenever the file changes; fitted (and saved) on
    first use when there is none yet. Inside a transaction that changed the catalogue, the model with those
    changes (saved only once the transaction commits)."""
    pending = db.session.info.get(_PENDING)
    if pending is not None:
        return pending.matcher
    path = _model_path()
    key = _file_key(path)
    with _models_lock:
        cached = _models.get(str(path))
    if cached is not None and key is not None and cached[0] == key:
        return cached[1]
    matcher = load_model() if key is not None else None
    if matcher is None:
        with _exclusive(path):
            key = _file_key(path)
            matcher = load_model()
            if matcher is None:
                matcher = fit_model()
                save_model(matcher)
                key = _file_key(path)
    return _remember(path, key, matcher)


@dataclass
class _PendingChanges:
    """The model as this transaction changed it, and the changes, to be saved when (and only if) it commits."""
    key: tuple[int, int, int] | None  # the file the changes were applied to
    matcher: TfidfMatcher
    changes: list[Callable[[TfidfMatcher], None]]


#: ``Session.info`` key of the transaction's pending model changes.
_PENDING = "match_model_changes"


def _change_model(change: Callable[[TfidfMatcher], None]) -> TfidfMatcher:
    """Apply ``change`` to the model for the rest of this transaction. The file is written after the commit; a
    rollback forgets the change, so the model never holds a publication or an archiving that did not happen."""
    pending: _PendingChanges | None = db.session.info.get(_PENDING)
    if pending is None:
        path = _model_path()
        key = _file_key(path)
        matcher = load_model() if key is not None else None
        if matcher is None or not matcher.size:
            matcher = fit_model()  # fitted on what this transaction sees: the change is already in
        else:
            change(matcher)
        pending = db.session.info[_PENDING] = _PendingChanges(key, matcher, [change])
    else:
        change(pending.matcher)
        pending.changes.append(change)
    return pending.matcher


#: ``Session.info`` key of the changes of committed transactions, saved by the after-commit work.
_COMMITTED = "match_model_changes_committed"


@sa.event.listens_for(so.Session, "after_commit")
def _changes_committed(session: so.Session) -> None:
    # Set aside at once: other after-commit work may roll back the next transaction before the model is saved.
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        session.info.setdefault(_COMMITTED, []).append(pending)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def _forget_model_changes(session: so.Session, previous_transaction: so.SessionTransaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


@after_commit
def _save_model_changes() -> None:
    for pending in db.session.info.pop(_COMMITTED, []):
        _save_changes(pending)


def _save_changes(pending: _PendingChanges) -> None:
    path = _model_path()
    with _exclusive(path):
        if _file_key(path) == pending.key:
            matcher = pending.matcher
        else:  # another process (or transaction) saved a model meanwhile: replay these changes on it
            matcher = load_model()
            if matcher is None or not matcher.size:
                matcher = fit_model()
            else:
                for change in pending.changes:
                    change(matcher)
        save_model(matcher)
        _remember(path, _file_key(path), matcher)


def _published(technology_ids: Iterable[int]) -> set[int]:
    """Those of ``technology_ids`` that are published now (the model may lag behind an archive or a rollback)."""
    ids = list(set(technology_ids))
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Technology.id).where(
        Technology.id.in_(ids), Technology.status == TechnologyStatus.PUBLISHED)))


def _decided_pairs(need_ids: list[int]) -> dict[int, set[int]]:
    decided: dict[int, set[int]] = {}
    # Only the matcher's own undecided suggestions are replaceable: a firm's proposal is taken even while it waits.
    rows = db.session.execute(sa.select(Match.need_id, Match.technology_id).where(
        Match.need_id.in_(need_ids),
        sa.or_(Match.status != MatchStatus.SUGGESTED, Match.origin != MatchOrigin.MATCHER)))
    for need_id, technology_id in rows:
        decided.setdefault(need_id, set()).add(technology_id)
    return decided


def refresh_suggestions(matcher: TfidfMatcher, needs: Iterable[Need],
                        progress: Callable[[int], None] | None = None) -> int:
    """Replace the ``suggested`` matches of ``needs`` with the matcher's current suggestions (decided pairs kept
    and never suggested again). Flushes; returns how many suggestions the needs now have."""
    needs = list(needs)
    written = 0
    for start in range(0, len(needs), 256):
        batch = needs[start:start + 256]
        ids = [need.id for need in batch]
        top_k = matcher.weights.top_k
        # A few spare suggestions stand in for technologies the model still holds but the catalogue no longer does.
        results = matcher.match_many([need_text(n) for n in batch], exclude=_decided_pairs(ids), top_k=top_k + 5)
        published = _published(s.technology_id for found in results.values() for s in found)
        results = {need_id: [s for s in found if s.technology_id in published][:top_k]
                   for need_id, found in results.items()}
        existing = {(m.need_id, m.technology_id): m for m in db.session.scalars(
            sa.select(Match).where(Match.need_id.in_(ids), Match.status == MatchStatus.SUGGESTED,
                                   Match.origin == MatchOrigin.MATCHER))}
        keep = set()
        for need in batch:
            for suggestion in results.get(need.id, []):
                key = (need.id, suggestion.technology_id)
                keep.add(key)
                match = existing.get(key)
                if match is None:
                    match = Match(need_id=need.id, technology_id=suggestion.technology_id,
                                  status=MatchStatus.SUGGESTED, origin=MatchOrigin.MATCHER)
                    db.session.add(match)
                match.round_id = need.round_id
                match.score = suggestion.score
                match.explanation = {**asdict(suggestion.explanation), "model": matcher.version}
                written += 1
        for key, match in existing.items():
            if key not in keep:
                db.session.delete(match)
        db.session.flush()
        if progress is not None:
            progress(len(batch))
    return written


def open_needs() -> list[Need]:
    """The needs that take suggestions."""
    return list(db.session.scalars(sa.select(Need).where(Need.status.in_(MATCHED_NEED_STATUSES))
                                   .options(so.selectinload(Need.sectors)).order_by(Need.id)))


def ranked_matches(need_ids: list[int] | None = None, limit: int = 20) -> dict[int, list[Match]]:
    """Every need's suggested or decided matches with a score, best first (for exports and audits)."""
    stmt = sa.select(Match).where(Match.score.is_not(None)).options(
        so.joinedload(Match.technology), so.joinedload(Match.need))
    if need_ids is not None:
        stmt = stmt.where(Match.need_id.in_(need_ids))
    grouped: dict[int, list[Match]] = {}
    for match in db.session.scalars(stmt.order_by(Match.need_id, Match.score.desc(), Match.id)):
        if len(grouped.setdefault(match.need_id, [])) < limit:
            grouped[match.need_id].append(match)
    return grouped


def rebuild(progress: Callable[[int], None] | None = None) -> tuple[TfidfMatcher, int, int]:
    """Refit the model on the published catalogue, save it and recompute the suggestions of every open need.
    Flushes; returns the model, the number of needs and the number of suggestions they now have."""
    path = _model_path()
    db.session.info.pop(_PENDING, None)  # the new fit holds whatever this transaction changed
    with _exclusive(path):
        matcher = fit_model()
        save_model(matcher)
        _remember(path, _file_key(path), matcher)
    needs = open_needs()
    return matcher, len(needs), refresh_suggestions(matcher, needs, progress=progress)


def match_needs(needs: Iterable[Need]) -> int:
    """Suggest technologies for needs just opened or edited, at once, with the current model. Flushes."""
    needs = [need for need in needs if need.status in MATCHED_NEED_STATUSES]
    if not needs:
        return 0
    return refresh_suggestions(current_model(), needs)


def technologies_changed(technologies: list[Technology]) -> int:
    """Technologies published or republished with new content: put them in the model and offer them to the open
    needs they fit. Flushes; returns how many needs were re-matched."""
    if not technologies:
        return 0
    texts = [technology_text(t) for t in technologies]
    matcher = _change_model(lambda model: model.add(texts))
    needs = open_needs()
    if len(technologies) <= BULK_CHANGE:
        candidates = [need_text(need) for need in needs]
        affected: set[int] = set()
        for technology in technologies:
            affected.update(s.need_id for s in matcher.match_technology(technology.id, candidates))
        # Matches already stored for a changed technology may no longer hold: those needs are re-matched too.
        affected.update(db.session.scalars(sa.select(Match.need_id).where(
            Match.technology_id.in_([t.id for t in technologies]), Match.status == MatchStatus.SUGGESTED)))
        needs = [need for need in needs if need.id in affected]
    refresh_suggestions(matcher, needs)
    return len(needs)


def technology_withdrawn(technology: Technology) -> None:
    """A technology left the catalogue: out of the model, its undecided suggestions withdrawn. Flushes."""
    _change_model(lambda model: model.remove([technology.id]))
    db.session.execute(sa.delete(Match).where(
        Match.technology_id == technology.id, Match.status == MatchStatus.SUGGESTED,
        Match.origin == MatchOrigin.MATCHER))
    db.session.flush()


def preview(data: dict[str, Any], top: int = 3) -> tuple[int, list[tuple[Technology, Suggestion]]]:
    """For a need being written (form data, not saved): how many published technologies would be suggested, and
    the best ``top`` with their suggestions."""
    text = NeedText(id=0, title=data.get("title") or "", description=data.get("description") or "",
                    desired_outcome=data.get("desired_outcome") or "", sectors=tuple(data.get("sectors") or ()))
    if not (text.title + text.description + text.desired_outcome).strip():
        return 0, []
    count, best = current_model().preview(text, top=top)
    technologies = {t.id: t for t in db.session.scalars(sa.select(Technology).where(
        Technology.id.in_([s.technology_id for s in best]), Technology.status == TechnologyStatus.PUBLISHED))}
    return count, [(technologies[s.technology_id], s) for s in best if s.technology_id in technologies]


def score_proposals(need: Need) -> None:
    """Give the matcher's score and explanation to the firm's pending proposals for ``need`` that have none, so that
    staff see how a firm's choice compares with the suggestions. A pair scoring under ``min_score`` keeps none: the
    matcher sees nothing in common. Pairs staff put forward or decided are left as they are. Flushes."""
    pending = list(db.session.scalars(sa.select(Match).where(
        Match.need_id == need.id, Match.score.is_(None), Match.origin == MatchOrigin.FIRM,
        Match.status == MatchStatus.SUGGESTED)))
    if not pending:
        return
    matcher = current_model()
    text = need_text(need)
    for match in pending:
        try:
            found = matcher.match_technology(match.technology_id, [text])
        except KeyError:  # not in the model (published since the model was saved by another process)
            continue
        if found:
            match.score = found[0].score
            match.explanation = {**asdict(found[0].explanation), "model": matcher.version}
    db.session.flush()
