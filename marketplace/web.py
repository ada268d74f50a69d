"""Small helpers shared by the views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next_url(target: str | None, default_endpoint: str = "main.dashboard") -> str:
    """``target`` if it is a path on this site, else the URL of ``default_endpoint`` (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default_endpoint)


def next_from_request(default_endpoint: str = "main.dashboard") -> str:
    return safe_next_url(request.args.get("next") or request.form.get("next"), default_endpoint)
