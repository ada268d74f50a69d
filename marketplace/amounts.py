"""Amounts of Vietnamese dong as people type them, in forms and in imported spreadsheets alike."""

from __future__ import annotations

import re

#: The largest amount accepted anywhere (a million billion dong): beyond it, a typing slip.
MAX_DONG = 10**15

_PLAIN_NUMBER = re.compile(r"\d+")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?P<sep>[., \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*")
_CURRENCY = re.compile(r"\s*(?:vnd|vnđ|đồng|dong|đ|d|₫)\.?$", re.IGNORECASE)


def parse_dong(text: str) -> int | None:
    """A whole number of dong as people write it — ``1500000``, ``1.500.000``, ``1,500,000`` or ``1 500 000``,
    optionally followed by đ, đồng, VNĐ or ₫ — or None when ``text`` is not one."""
    amount = _CURRENCY.sub("", text).strip()
    if _PLAIN_NUMBER.fullmatch(amount) or _GROUPED_NUMBER.fullmatch(amount):
        return int(re.sub(r"\D", "", amount))
    return None
