"""Fitting the matcher on the published catalogue and keeping the suggested matches of open needs up to date.

Staff decisions survive: a pair that was ever approved, rejected or taken further is never suggested again nor
overwritten; only rows still in the ``suggested`` state are replaced.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from marketplace.extensions import db
from marketplace.models import Match, MatchOrigin, MatchStatus, Need, NeedStatus, Technology, TechnologyStatus
from marketplace.models.base import utcnow
from matching.tfidf import MatchingWeights, NeedText, TechnologyText, TfidfMatcher

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


def fit_model() -> TfidfMatcher:
    """Fit a matcher on every published technology."""
    technologies = db.session.scalars(
        sa.select(Technology).where(Technology.status == TechnologyStatus.PUBLISHED)
        .options(so.selectinload(Technology.sectors)).order_by(Technology.id)
    ).all()
    priority = frozenset(s.slug for t in technologies for s in t.sectors if s.is_priority)
    version = f"{utcnow():%Y%m%dT%H%M%SZ}-{len(technologies)}"
    return TfidfMatcher(weights=weights_from_config(), priority_sectors=priority, version=version).fit(
        [technology_text(t) for t in technologies])


def save_model(matcher: TfidfMatcher) -> Path:
    """Write the model atomically to ``MATCH_MODEL_PATH`` (readers never see half a file)."""
    path = Path(current_app.config["MATCH_MODEL_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(matcher.dumps())
    os.replace(handle.name, path)
    return path


def load_model() -> TfidfMatcher | None:
    path = Path(current_app.config["MATCH_MODEL_PATH"])
    if not path.exists():
        return None
    try:
        return TfidfMatcher.loads(path.read_bytes())
    except (ValueError, EOFError, AttributeError):
        return None


def _decided_pairs(need_ids: list[int]) -> dict[int, set[int]]:
    decided: dict[int, set[int]] = {}
    rows = db.session.execute(sa.select(Match.need_id, Match.technology_id).where(
        Match.need_id.in_(need_ids), Match.status != MatchStatus.SUGGESTED))
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
        results = matcher.match_many([need_text(n) for n in batch], exclude=_decided_pairs(ids))
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
    return list(db.session.scalars(sa.select(Need).where(Need.status == NeedStatus.OPEN)
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
