"""Search-quality evaluation: a labelled query set of the demo catalogue, ranking metrics and a BM25 baseline.

Pure Python, no Flask. ``evaluate(run, queries)`` takes any callable mapping a query string to ranked technology
codes, so every backend and the baseline are measured the same way.
"""

from search.evaluation.metrics import (
    DEFAULT_K,
    DEFAULT_QUERIES,
    KINDS,
    Query,
    QueryResult,
    Report,
    Scores,
    evaluate,
    format_report,
    format_worst,
    load_queries,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)

__all__ = [
    "BM25Baseline",
    "DEFAULT_K",
    "DEFAULT_QUERIES",
    "KINDS",
    "Query",
    "QueryResult",
    "Report",
    "Scores",
    "evaluate",
    "format_report",
    "format_worst",
    "load_demo_docs",
    "load_queries",
    "ndcg_at_k",
    "recall_at_k",
    "reciprocal_rank",
]


def __getattr__(name: str) -> object:
    # The baseline loads lazily, so `python -m search.evaluation.baseline` runs without a double-import warning.
    if name in ("BM25Baseline", "load_demo_docs"):
        from search.evaluation import baseline

        return getattr(baseline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
