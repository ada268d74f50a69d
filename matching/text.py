"""Vietnamese text normalisation shared by search and matching: pure functions, no Flask.

- :func:`normalize` — NFC, the eth look-alikes Ð/ð mapped to Đ/đ, one tone-mark placement (hòa = hoà, thủy = thuỷ,
  khỏe = khoẻ), lower case. Used on every indexed text and every query; never on stored or displayed text.
- :func:`fold_diacritics` — remove every mark, đ → d, so that ``cang bien`` meets "cảng biển". Folding NFC text maps
  one character to one character, so offsets found in the folded text hold in the original (for highlighting).
- :func:`tokenize` — syllables (and words of Latin-script languages), one-letter ones kept ("y tế", "ô tô").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})
_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


class _FoldTable(dict):
    """The ``str.translate`` table of decomposed (NFD) text that folding applies: đ/Đ/ð/Ð → d/D (no character
    decomposes into them, so mapping them after NFD is the same as before) and every combining character deleted.
    Filled in as characters are first seen, with the test of ``unicodedata.combining``, so that folding makes no
    Python call per character."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_FOLD = _FoldTable(_D_MAP)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
TOKEN_PATTERN = r"(?u)\b\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)

# The five tone marks (grave, acute, tilde, hook above, dot below), as combining characters. The vowel-quality
# marks (circumflex, breve, horn) are not tones and never move.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Rhymes written two ways when the syllable ends with them: "oa", "oe", "uy" (hòa/hoà, khỏe/khoẻ, thủy/thuỷ).
_MOVABLE_RHYMES = ("oa", "oe", "uy")

#: Function words that carry no topic; dropped from queries that have other words, and ignored by the matcher.
STOP_WORDS = frozenset(
    """và của các cho là có được trong với để những một này khi theo từ tại đã sẽ thì mà hoặc hay như về ra vào
    trên dưới cũng nên nếu do bởi nhằm đến qua lại rất nhiều ít không chưa đang vẫn còn nơi việc sự
    the a an of and or for to in on at by with from is are be as that this""".split()
)


# A syllable whose tone can move ends in a, e or y carrying a tone mark; any other word is left as it is (fast path).
_TONED_ENDINGS = frozenset("àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ")
# The whole words (runs of \w) that end with such a letter: the only ones _place_tone can change. Matching them in the
# regex instead of calling back on every word makes normalize() several times faster.
_TONED_WORD = re.compile(r"(?<!\w)\w*[" + "".join(sorted(_TONED_ENDINGS)) + r"](?!\w)")


@lru_cache(maxsize=1 << 16)
def _place_tone(word: str) -> str:
    """Put the tone of a syllable ending in oa/oe/uy on its first vowel (the placement most official texts use)."""
    if word[-1] not in _TONED_ENDINGS:
        return word
    decomposed = unicodedata.normalize("NFD", word)
    bases = [ch for ch in decomposed if not unicodedata.combining(ch)]
    base = "".join(bases).lower()
    if len(base) < 2 or not base.endswith(_MOVABLE_RHYMES) or (base.endswith("uy") and base[-3:-2] == "q"):
        return word
    # Group each base letter with its marks.
    letters: list[list[str]] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and letters:
            letters[-1].append(ch)
        else:
            letters.append([ch])
    last, before = letters[-1], letters[-2]
    tone = next((mark for mark in last[1:] if mark in _TONES), None)
    if tone is None or any(mark in _TONES for mark in before[1:]):
        return word
    last.remove(tone)
    before.append(tone)
    return unicodedata.normalize("NFC", "".join("".join(group) for group in letters))


def normalize(text: str) -> str:
    """NFC, Ð/ð → Đ/đ, one tone placement, lower case.

    >>> normalize("Hoà bình THUỶ lợi") == normalize("hòa bình thủy lợi")
    True
    """
    text = unicodedata.normalize("NFC", text or "")
    if "ð" in text or "Ð" in text:  # NOTE: translate() is slow on long texts; most have no eth letter
        text = text.translate(_ETH)
    return _TONED_WORD.sub(_retone, text).lower()


def _retone(match: re.Match) -> str:
    return _place_tone(match.group(0))


def fold_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks, including đ → d (which Unicode does not decompose).

    >>> fold_diacritics("Cảng biển Đình Vũ")
    'Cang bien Dinh Vu'
    """
    if text.isascii():  # nothing to fold
        return text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_FOLD))


def tokenize(text: str) -> list[str]:
    """The syllables of normalised ``text``."""
    return _TOKEN.findall(normalize(text))


def folded_tokens(text: str) -> list[str]:
    """The syllables of ``text``, normalised and folded (no marks, đ → d)."""
    return _TOKEN.findall(fold_diacritics(normalize(text)))


def _invisible(char: str) -> bool:
    # Spaces, and format characters that show nothing (zero-width space, word joiner, BOM…).
    return char.isspace() or unicodedata.category(char) == "Cf"


def trimmed(text: str | None) -> str:
    """``text`` without spaces or invisible characters at either end."""
    text = text or ""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def blank(text: str | None) -> bool:
    """Whether ``text`` shows nothing: empty, spaces, or invisible characters only."""
    return not trimmed(text)


def folded_text(*texts: str | None) -> str:
    """``texts`` normalised and folded (no marks, đ → d, lower case), joined by spaces: for accent-insensitive
    substring search where no search engine helps (``"Cảng biển"`` → ``"cang bien"``)."""
    return " ".join(fold_diacritics(normalize(text)) for text in texts if text)


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug for URLs: ``"Đóng tàu vỏ thép"`` → ``"dong-tau-vo-thep"``."""
    slug = _NON_ALNUM.sub("-", fold_diacritics(text).lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug
