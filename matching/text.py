"""Vietnamese text helpers that need no model: diacritic folding and URL slugs."""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks, including đ → d (which Unicode does not decompose).

    >>> fold_diacritics("Cảng biển Đình Vũ")
    'Cang bien Dinh Vu'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug for URLs: ``"Đóng tàu vỏ thép"`` → ``"dong-tau-vo-thep"``."""
    slug = _NON_ALNUM.sub("-", fold_diacritics(text).lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug
