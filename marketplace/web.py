"""Small helpers shared by the views."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import flask
from flask import current_app, request, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property

#: C0 control characters other than tab and line breaks, and DEL: never typed, and PostgreSQL refuses NUL in text.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


#: The largest id a table holds (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in the routes: numbers a table's id can be, so that a huge one in a URL is a 404, not an overflow
    in the query (a 500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 - werkzeug's names
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def without_control_characters(text: str) -> str:
    """``text`` without C0 control characters (tab and line breaks kept) and DEL."""
    return _CONTROL_CHARACTERS.sub("", text)


def _cleaned(values: ImmutableMultiDict) -> ImmutableMultiDict:
    # Every value of a repeated parameter (`?sector=a&sector=b`), not only the first.
    if any(_CONTROL_CHARACTERS.search(value) for _key, value in values.items(multi=True)):
        return ImmutableMultiDict([(key, without_control_characters(value)) for key, value in values.items(multi=True)])
    return values


class Request(flask.Request):
    """Form values and query arguments arrive without control characters, so no form can fail on them when saved and
    no filter when it is queried."""

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return _cleaned(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form:
            self.__dict__["form"] = _cleaned(form)


def posted_ids(name: str) -> list[int]:
    """The ids ticked in a posted form (``name`` repeated); anything else than a small ASCII number is ignored."""
    from marketplace.searching.service import small_int

    return [number for number in map(small_int, request.form.getlist(name)) if number is not None]


def safe_next_url(target: str | None, default_endpoint: str = "main.dashboard") -> str:
    """``target`` if it is a path on this site, else the URL of ``default_endpoint`` (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default_endpoint)


def next_from_request(default_endpoint: str = "main.dashboard") -> str:
    return safe_next_url(request.args.get("next") or request.form.get("next"), default_endpoint)


def external_url(path: str) -> str:
    """An absolute URL for a path on this site, for mail: always from ``BASE_URL``, never from the request's Host
    header, which a client chooses (a reset link must not point to an attacker's host).

    A site served under a path (``BASE_URL`` = ``https://host/san-cong-nghe``) gets it once: ``url_for`` already puts
    it in front of the paths it builds when the server mounts the app there, and a path without it gets it here.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    prefix, path = base.path.rstrip("/"), "/" + path.lstrip("/")
    if prefix and path != prefix and not path.startswith((prefix + "/", prefix + "?")):
        path = prefix + path
    return f"{base.scheme}://{base.netloc}{path}"


def url_context():  # noqa: ANN201 - a context manager
    """A request context on ``BASE_URL`` so that ``url_for`` works in CLI commands (reminders, digests)."""
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])
