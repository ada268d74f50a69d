"""gunicorn's settings for serving the marketplace: ``gunicorn --config python:marketplace.gunicorn_config``.

``scripts/run.sh`` serves with them, and the search benchmark (``bench/search.py``) serves as run.sh does.
Environment: ``WEB_CONCURRENCY`` (workers; default 2, one per core of the machines the city runs), ``BIND`` (default
``127.0.0.1:5000``).
"""

from __future__ import annotations

import gc
import os

DEFAULT_WORKERS = 2

# An empty variable counts as unset, as `${BIND:-…}` did in run.sh.
workers = int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WORKERS)
bind = os.environ.get("BIND") or "127.0.0.1:5000"
accesslog = "-"

# A page leaves almost no garbage cycles (reference counting frees its objects), but at Python's default threshold
# (700) the collector ran during most pages and moved their still-live objects up to the older generations, whose
# collections then walked the whole application. 0.25-0.3 ms of a 7 ms search page; 0.002 ms with these settings.
YOUNG_GENERATION_THRESHOLD = 7_000


def post_worker_init(worker: object) -> None:
    """Once the worker has loaded the app: its modules, templates and mappers live as long as the worker, so the
    cyclic garbage collector stops walking them (``gc.freeze``), and collects young objects less often.

    A frozen object that later becomes garbage is still freed by reference counting; only one caught in a reference
    cycle would stay (none of the app's start-up objects is dropped that way)."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
