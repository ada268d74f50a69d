"""A plain BM25 baseline: the comparison point of the search-quality evaluation.

Deliberately naive: text is lower-cased and split on non-word characters, nothing else — no Unicode or Vietnamese
normalisation, no accent folding, no synonyms, no prefixes, no typo tolerance, no field boosts. Each technology is one
document: the fields the search engine reads (title and English title, summary, description and English description,
keywords) concatenated. Okapi BM25 with k1 = 1.2, b = 0.75 and the
non-negative idf log(1 + (N − df + 0.5) / (df + 0.5)).

Run ``python -m search.evaluation.baseline [QUERIES.jsonl]`` to print its figures on the demo catalogue.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

DEMO_TECHNOLOGIES = Path(__file__).resolve().parents[2] / "marketplace" / "demo" / "data" / "technologies.json"
#: The fields the baseline indexes: those the search engine reads, so that the comparison measures what the engine
#: does with the text (English queries find the English texts in both).
BASELINE_FIELDS = ("title", "title_en", "summary", "description", "description_en", "keywords")

_WORD = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lower-cased runs of word characters; accents are kept as typed."""
    return _WORD.findall(text.lower())


class BM25Baseline:
    def __init__(self, docs: Mapping[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.lengths: dict[str, int] = {}
        self.postings: dict[str, dict[str, int]] = {}  # term -> code -> term frequency
        for code, text in docs.items():
            counts = Counter(tokenize(text))
            self.lengths[code] = sum(counts.values())
            for term, tf in counts.items():
                self.postings.setdefault(term, {})[code] = tf
        self.n = len(self.lengths)
        self.avgdl = (sum(self.lengths.values()) / self.n) if self.n else 0.0

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every document matching at least one query word (a repeated word counts again)."""
        scores: dict[str, float] = {}
        for term in tokenize(query):
            postings = self.postings.get(term)
            if not postings:
                continue
            idf = self.idf(term)
            for code, tf in postings.items():
                norm = self.k1 * (1 - self.b + self.b * self.lengths[code] / self.avgdl)
                scores[code] = scores.get(code, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return scores

    def search(self, query: str, k: int = 10) -> list[str]:
        """Codes of the ``k`` best documents, best first (ties by code, so runs are reproducible)."""
        ranked = sorted(self.scores(query).items(), key=lambda item: (-item[1], item[0]))
        return [code for code, _ in ranked[:k]]


def technology_text(tech: Mapping, fields: Iterable[str] = BASELINE_FIELDS) -> str:
    """One technology's fields as one text (lists such as keywords joined)."""
    parts = []
    for name in fields:
        value = tech.get(name) or ""
        parts.append(" ".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def load_demo_docs(path: str | Path = DEMO_TECHNOLOGIES, fields: Iterable[str] = BASELINE_FIELDS) -> dict[str, str]:
    """code -> text of the demo catalogue (or any JSON list of technologies with a ``code``)."""
    fields = tuple(fields)
    technologies = json.loads(Path(path).read_text(encoding="utf-8"))
    return {tech["code"]: technology_text(tech, fields) for tech in technologies}


def main(argv: list[str] | None = None) -> None:
    from search.evaluation.metrics import DEFAULT_QUERIES, evaluate, format_report, format_worst, load_queries

    args = sys.argv[1:] if argv is None else argv
    queries = load_queries(args[0] if args else DEFAULT_QUERIES)
    report = evaluate(BM25Baseline(load_demo_docs()).search, queries)
    print(format_report({"bm25": report}))
    print("\nWeakest queries:")
    print(format_worst(report))


if __name__ == "__main__":
    main()
