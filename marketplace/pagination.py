"""The page math shared by every paginated list (prev/next URLs computed here, not in templates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request, url_for

from marketplace.extensions import db

DEFAULT_PER_PAGE = 20


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    prev_url: str | None
    next_url: str | None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


MAX_PAGE = 10_000


def paginate(stmt: sa.Select, endpoint: str, per_page: int = DEFAULT_PER_PAGE, keep: tuple[str, ...] = ()) -> Page:
    """Run ``stmt`` for the page named by ``?page=`` and build links that keep the query parameters in ``keep``
    (only those: other keys could be url_for's own, such as ``_external``)."""
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), MAX_PAGE)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    args = {key: request.args[key] for key in keep if request.args.get(key)}

    def link(number: int) -> str:
        return url_for(endpoint, page=number, **args)

    return Page(
        items=items,
        total=total,
        page=page,
        per_page=per_page,
        prev_url=link(page - 1) if page > 1 else None,
        next_url=link(page + 1) if page * per_page < total else None,
    )
