"""The search extension: picks the backend from the configuration, builds it lazily, exposes ``current_search``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from werkzeug.local import LocalProxy

from search.base import SearchBackend

log = logging.getLogger(__name__)


def _embedded(app: Flask) -> SearchBackend:
    from search.embedded import EmbeddedBackend

    return EmbeddedBackend(app.config["SEARCH_INDEX_DIR"])


def _elasticsearch(app: Flask) -> SearchBackend:
    from search.elasticsearch import ElasticsearchBackend

    url = app.config["ELASTICSEARCH_URL"]
    if not url:
        raise RuntimeError("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
    return ElasticsearchBackend(url, prefix=app.config["SEARCH_INDEX_PREFIX"])


#: name -> factory; SEARCH_BACKEND picks one.
BACKENDS: dict[str, Callable[[Flask], SearchBackend]] = {"embedded": _embedded, "elasticsearch": _elasticsearch}


class _SearchState:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._backend: SearchBackend | None = None

    @property
    def backend(self) -> SearchBackend:
        # Built on first use, not in the factory: creating the app does no I/O.
        if self._backend is None:
            name = self.app.config["SEARCH_BACKEND"]
            if name not in BACKENDS:
                raise RuntimeError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
            self._backend = BACKENDS[name](self.app)
        return self._backend


class SearchExtension:
    def init_app(self, app: Flask) -> None:
        app.extensions["search"] = _SearchState(app)
        from marketplace.searching import cli, indexing

        indexing.init_app(app)
        cli.init_app(app)


search_ext = SearchExtension()
current_search: SearchBackend = LocalProxy(lambda: current_app.extensions["search"].backend)  # type: ignore[assignment]
