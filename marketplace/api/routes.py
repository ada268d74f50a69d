"""``/api/v1``: the same search as the catalogue page, and a need's suggested technologies, as JSON."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user

from marketplace import authz
from marketplace.api import bp
from marketplace.catalogue.urls import technology_url
from marketplace.extensions import db
from marketplace.models import Need
from marketplace.needs.services import matches_for
from marketplace.searching.service import query_from_args, search_catalogue, suggest_titles, technology_public_dict
from marketplace.suggestions.wording import describe, strength


@bp.route("/technologies")
@authz.permission(authz.PUBLIC)
def technologies():
    """``?q=&sector=&institute=&trl=&transfer_mode=&trl_min=&sort=&page=&per_page=`` → hits and facet counts."""
    per_page = min(max(request.args.get("per_page", 20, type=int) or 20, 1), 100)
    result = search_catalogue(query_from_args(request.args, per_page=per_page))
    return jsonify(
        query=result.query.text,
        total=result.total,
        page=result.query.page,
        per_page=result.query.per_page,
        pages=result.pages,
        degraded=result.fallback,
        hits=[technology_public_dict(technology, hit) for technology, hit in result.results],
        facets={facet: [{"value": o.value, "label": o.label, "count": o.count, "selected": o.selected}
                        for o in options] for facet, options in result.facets.items()},
    )


@bp.route("/suggest")
@authz.permission(authz.PUBLIC)
def suggest():
    """``?q=`` → titles completing what is typed, for the search box."""
    prefix = (request.args.get("q") or "").strip()[:200]
    items = suggest_titles(prefix) if len(prefix) >= 2 else []
    return jsonify(suggestions=[{"title": t.title, "code": t.code, "url": technology_url(t)} for t in items])


@bp.route("/needs/<int:need_id>/matches")
@authz.permission(authz.SIGNED_IN)
def need_matches(need_id: int):
    """A need's suggested and proposed technologies, best first, with score, status and explanation (data and
    sentences in the user's language): for the firm that posted the need and for staff."""
    need = db.session.get(Need, need_id)
    if need is None or not authz.can(current_user, "need.view", need):
        abort(404)
    authz.ensure("need.view_matches", need)
    matches = matches_for(current_user, need)
    return jsonify(
        need={"id": need.id, "code": need.code, "title": need.title, "status": need.status.value},
        matches=[{
            "technology": {"code": m.technology.code, "title": m.technology.title,
                           "institute": m.technology.institute.display_name, "trl": m.technology.trl,
                           "url": technology_url(m.technology, _external=True)},
            "score": m.score,
            "strength": strength(m.score),
            "status": m.status.value,
            "origin": m.origin.value,
            "explanation": m.explanation,
            "reasons": describe(m.explanation),
        } for m in matches],
    )
