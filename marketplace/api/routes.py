"""``/api/v1``: the same search as the catalogue page, as JSON."""

from __future__ import annotations

from flask import jsonify, request

from marketplace import authz
from marketplace.api import bp
from marketplace.catalogue.urls import technology_url
from marketplace.searching.service import query_from_args, search_catalogue, suggest_titles, technology_public_dict


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
