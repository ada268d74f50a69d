"""Stable, readable URLs of technologies: /technologies/<code>/<slug>."""

from __future__ import annotations

from flask import url_for

from marketplace.models import Technology


def technology_url(technology: Technology, **kwargs: object) -> str:
    """The path of a technology's public page (add ``_external=True`` for an absolute URL)."""
    return url_for("catalogue.detail", code=technology.code, slug=technology.slug or "-", **kwargs)
