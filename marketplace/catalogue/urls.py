"""Stable, readable URLs of technologies: /technologies/<code>/<slug>."""

from __future__ import annotations

import re

from flask import has_request_context, request, url_for

from marketplace.models import Technology

# Unreserved characters: a path segment carries them as they are (codes and slugs are made of them).
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_PREFIX_KEY = "marketplace.technology_url_prefix"


def technology_url(technology: Technology, **kwargs: object) -> str:
    """The path of a technology's public page (add ``_external=True`` for an absolute URL)."""
    code, slug = technology.code, technology.slug or "-"
    if kwargs or not has_request_context() or not (_PLAIN_SEGMENT.fullmatch(code) and _PLAIN_SEGMENT.fullmatch(slug)):
        return url_for("catalogue.detail", code=code, slug=slug, **kwargs)
    # NOTE: a results page links 20 technologies: url_for costs ~6 µs a link, joining to the route's prefix ~1 µs.
    # The prefix holds the request's application root, so it is kept with the request (an app context, hence `g`,
    # can outlive a request and serve another).
    environ = request.environ
    prefix = environ.get(_PREFIX_KEY)
    if prefix is None:
        prefix = environ[_PREFIX_KEY] = url_for("catalogue.detail", code="-", slug="-").removesuffix("-/-")
    return f"{prefix}{code}/{slug}"
