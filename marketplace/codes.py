"""Sequential codes of records created on the site (``NC-2026-007``, ``IOIT-2026-012``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace.extensions import db

#: What a code typed or imported may be: it stands in URLs (/technologies/<code>/<slug>), so letters, digits, dots,
#: dashes and underscores only, starting with a letter or digit.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
#: Tries before giving up when concurrent requests keep taking the same code.
ATTEMPTS = 5


def next_code(column: Any, prefix: str) -> str:
    """The first free ``<prefix><nnn>`` of ``column``, counting on from how many codes use the prefix."""
    taken = set(db.session.scalars(sa.select(column).where(column.like(f"{prefix}%"))))
    number = len(taken) + 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    return f"{prefix}{number:03d}"


def add_with_code(record: Any, column: Any, prefix: str) -> None:
    """Add ``record`` with the next free code and flush it. Two requests may pick the same number at once: the
    unique constraint refuses the second, which takes the next number instead of failing."""
    for attempt in range(ATTEMPTS):
        record.code = next_code(column, prefix)
        try:
            with db.session.begin_nested():
                db.session.add(record)
                db.session.flush()
            return
        except sa.exc.IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
