"""Random typos for the tests of typo tolerance (search)."""

from __future__ import annotations

import random


def random_edit(rng: random.Random, word: str, letters: str) -> str:
    """``word`` with one random insertion, deletion, substitution (from ``letters``) or adjacent swap; unchanged when
    the drawn place does not allow the drawn edit."""
    i = rng.randrange(len(word) + 1)
    action = rng.choice(["insert", "delete", "replace", "swap"])
    if action == "insert":
        return word[:i] + rng.choice(letters) + word[i:]
    if action == "delete" and i < len(word):
        return word[:i] + word[i + 1:]
    if action == "replace" and i < len(word):
        return word[:i] + rng.choice(letters) + word[i + 1:]
    if action == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word
