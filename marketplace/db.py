"""The one place that commits: views and CLI commands call :func:`commit`, services only flush."""

from __future__ import annotations

import logging
from collections.abc import Callable

from marketplace.extensions import db

log = logging.getLogger(__name__)

#: Work run after each successful commit (sending queued mail, later index sync). Errors are logged, never raised:
#: the data is already committed and the outboxes keep what remains for a retry.
_after_commit: list[Callable[[], None]] = []


def after_commit(func: Callable[[], None]) -> Callable[[], None]:
    """Register ``func`` to run after every :func:`commit`."""
    if func not in _after_commit:
        _after_commit.append(func)
    return func


def commit() -> None:
    """Commit the session, then run the after-commit work (outbox dispatch)."""
    db.session.commit()
    for func in _after_commit:
        try:
            func()
        except Exception:  # noqa: BLE001 - see _after_commit
            log.exception("after-commit task %s failed", getattr(func, "__name__", func))
            db.session.rollback()
