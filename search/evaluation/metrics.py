"""Search-quality metrics over a labelled query set: nDCG@k, Recall@k and reciprocal rank, overall and per kind.

Pure Python, no Flask, no engine. A system under test is any callable mapping a query string to a ranked list of
technology codes, so the app's backend and the BM25 baseline are evaluated the same way::

    queries = load_queries(DEFAULT_QUERIES)
    reports = {"app": evaluate(app_search, queries), "bm25": evaluate(BM25Baseline(docs).search, queries)}
    print(format_report(reports))

The query file is JSON Lines, one object a line::

    {"id": "q01", "query": "nhan dang container", "kind": "no_accents", "relevant": {"VAST-IOIT-01": 3}}

Grades: 3 = exactly what was asked, 2 = clearly relevant, 1 = partly relevant; a code not listed is not relevant.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The labelled query set of the demo catalogue.
DEFAULT_QUERIES = Path(__file__).with_name("queries.jsonl")

#: Query kinds, in the order reports show them (unknown kinds follow, sorted).
KINDS = ("exact", "no_accents", "english", "synonym", "partial", "typo", "multi")

#: Cut-off of every metric: a firm looks at the first page, ten results.
DEFAULT_K = 10

MAX_GRADE = 3


@dataclass(frozen=True)
class Query:
    id: str
    query: str
    kind: str
    relevant: dict[str, int] = field(default_factory=dict)  # code -> grade 1..3


def load_queries(path: str | Path = DEFAULT_QUERIES) -> list[Query]:
    """Read a JSON Lines query file; blank lines are skipped. Raises ``ValueError`` naming the line on bad input
    (invalid JSON, missing field, duplicate id, a grade that is not an integer 0..3). Grade-0 entries are dropped."""
    queries: list[Query] = []
    seen: set[str] = set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: invalid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{where}: expected a JSON object")
        missing = [name for name in ("id", "query", "kind", "relevant") if name not in row]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        qid = str(row["id"])
        if qid in seen:
            raise ValueError(f"{where}: duplicate id {qid!r}")
        seen.add(qid)
        if not isinstance(row["relevant"], dict):
            raise ValueError(f"{where}: 'relevant' must map codes to grades")
        relevant: dict[str, int] = {}
        for code, grade in row["relevant"].items():
            if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= MAX_GRADE:
                raise ValueError(f"{where}: grade of {code!r} must be an integer 0..{MAX_GRADE}, not {grade!r}")
            if grade > 0:
                relevant[str(code)] = grade
        queries.append(Query(id=qid, query=str(row["query"]), kind=str(row["kind"]), relevant=relevant))
    return queries


# --- Metrics of one ranked list ---------------------------------------------------------------------------------

def _top(ranked: Iterable[str], k: int | None) -> list[str]:
    """The first ``k`` distinct codes of ``ranked`` (a repeated code counts once, at its first rank)."""
    out: list[str] = []
    seen: set[str] = set()
    for code in ranked:
        if code in seen:
            continue
        seen.add(code)
        out.append(code)
        if k is not None and len(out) >= k:
            break
    return out


def _dcg(grades: Iterable[int]) -> float:
    return sum((2 ** grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, start=1))


def ndcg_at_k(ranked_codes: Sequence[str], relevant: Mapping[str, int], k: int = DEFAULT_K) -> float:
    """Normalised discounted cumulative gain at ``k``: gain 2^grade − 1, discount log2(rank + 1), divided by the DCG
    of the ideal ranking of the judged documents. 0.0 when nothing is judged relevant."""
    ideal = _dcg(sorted((g for g in relevant.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return _dcg(relevant.get(code, 0) for code in _top(ranked_codes, k)) / ideal


def recall_at_k(ranked_codes: Sequence[str], relevant: Mapping[str, int], k: int = DEFAULT_K) -> float:
    """Share of the relevant documents (grade ≥ 1) found in the first ``k``. 0.0 when nothing is judged relevant."""
    wanted = {code for code, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted.intersection(_top(ranked_codes, k))) / len(wanted)


def reciprocal_rank(ranked_codes: Sequence[str], relevant: Mapping[str, int], k: int | None = None) -> float:
    """1 / rank of the first relevant document (grade ≥ 1), looking at the first ``k`` (all when ``None``); 0.0 if
    there is none."""
    for rank, code in enumerate(_top(ranked_codes, k), start=1):
        if relevant.get(code, 0) > 0:
            return 1.0 / rank
    return 0.0


# --- Evaluating a system ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scores:
    """Mean metrics over a group of queries."""

    ndcg: float
    recall: float
    mrr: float
    count: int


@dataclass(frozen=True)
class QueryResult:
    query: Query
    ranked: list[str]  # the first k distinct codes the system returned
    ndcg: float
    recall: float
    rr: float


@dataclass
class Report:
    k: int
    results: list[QueryResult]
    overall: Scores
    by_kind: dict[str, Scores]  # in KINDS order, then unknown kinds sorted

    def worst(self, n: int = 10) -> list[QueryResult]:
        """The ``n`` queries with the lowest nDCG (ties: lowest MRR, then id), for diagnosis."""
        return sorted(self.results, key=lambda r: (r.ndcg, r.rr, r.query.id))[:n]


def mean_scores(results: Sequence) -> Scores:
    """The mean metrics of results that have ``ndcg``, ``recall`` and ``rr`` (queries, or the matcher's needs)."""
    n = len(results)
    if not n:
        return Scores(0.0, 0.0, 0.0, 0)
    return Scores(ndcg=sum(r.ndcg for r in results) / n, recall=sum(r.recall for r in results) / n,
                  mrr=sum(r.rr for r in results) / n, count=n)


def kind_order(kinds: Iterable[str], known: Sequence[str] = KINDS) -> list[str]:
    """The distinct ``kinds`` in the order of ``known``, then the others sorted."""
    present = set(kinds)
    return [kind for kind in known if kind in present] + sorted(present - set(known))


def evaluate(run: Callable[[str], Sequence[str]], queries: Sequence[Query], k: int = DEFAULT_K) -> Report:
    """Run every query through ``run`` (query text → ranked codes, best first) and score the first ``k`` codes.

    Overall figures are means over all queries (not over kinds); MRR looks at the first ``k`` too.
    """
    results = []
    for query in queries:
        ranked = _top(run(query.query) or [], k)
        results.append(QueryResult(query=query, ranked=ranked, ndcg=ndcg_at_k(ranked, query.relevant, k),
                                   recall=recall_at_k(ranked, query.relevant, k),
                                   rr=reciprocal_rank(ranked, query.relevant, k)))
    by_kind = {kind: mean_scores([r for r in results if r.query.kind == kind])
               for kind in kind_order(r.query.kind for r in results)}
    return Report(k=k, results=results, overall=mean_scores(results), by_kind=by_kind)


# --- Text output ------------------------------------------------------------------------------------------------

def format_report(report_by_system: Mapping[str, Report]) -> str:
    """A plain-text table: one row for all queries and one per kind; for each metric (nDCG@k, Recall@k, MRR@k) one
    column per system, in the mapping's order.

    ::

                          nDCG@10           Recall@10            MRR@10
        kind           n     app    bm25     app    bm25     app    bm25
        overall       69   0.912   0.497   0.950   0.500   0.930   0.517
        exact         10   ...
    """
    if not report_by_system:
        return "(no systems)"
    k = next(iter(report_by_system.values())).k
    return format_table(report_by_system, ((f"nDCG@{k}", "ndcg"), (f"Recall@{k}", "recall"), (f"MRR@{k}", "mrr")),
                        KINDS)


def format_table(report_by_system: Mapping[str, Any], metrics: Sequence[tuple[str, str]],
                 known_kinds: Sequence[str]) -> str:
    """The table of :func:`format_report` for any reports that have ``overall`` and ``by_kind`` :class:`Scores`.

    :param metrics: (column title, attribute of :class:`Scores`) per metric.
    :param known_kinds: the order of the kinds' rows (others follow, sorted).
    """
    systems = list(report_by_system)
    if not systems:
        return "(no systems)"
    width = max(6, *(len(name) for name in systems))
    block = max(len(systems) * (width + 1) - 1, *(len(title) for title, _ in metrics))
    kinds = kind_order((kind for report in report_by_system.values() for kind in report.by_kind), known_kinds)
    label = max(len("overall"), *(len(kind) for kind in kinds))

    def row(name: str, count: str, cells: Iterable[str]) -> str:
        return f"{name:<{label}}  {count:>4}   " + "   ".join(f"{cell:>{block}}" for cell in cells)

    def scores_row(name: str, pick: Callable[[Any], Scores | None]) -> str:
        picked = [pick(report_by_system[system]) for system in systems]
        counts = {scores.count for scores in picked if scores is not None}
        count = str(counts.pop()) if len(counts) == 1 else "?"
        cells = (" ".join(f"{getattr(scores, attr):>{width}.3f}" if scores is not None else f"{'-':>{width}}"
                          for scores in picked) for _, attr in metrics)
        return row(name, count, cells)

    header = row("kind", "n", (" ".join(f"{system:>{width}}" for system in systems) for _ in metrics))
    lines = [row("", "", (f"{title:^{block}}" for title, _ in metrics)), header, "-" * len(header),
             scores_row("overall", lambda report: report.overall)]
    lines += [scores_row(kind, lambda report, kind=kind: report.by_kind.get(kind)) for kind in kinds]
    return "\n".join(line.rstrip() for line in lines)


def format_worst(report: Report, n: int = 10, shown: int = 5) -> str:
    """The ``n`` weakest queries of one system: id, kind, nDCG, the query and its first ``shown`` results (relevant
    ones marked with their grade)."""
    lines = []
    for result in report.worst(n):
        top = ", ".join(f"{code}({result.query.relevant[code]})" if code in result.query.relevant else code
                        for code in result.ranked[:shown]) or "(nothing)"
        lines.append(f"{result.query.id} {result.query.kind:<10} nDCG {result.ndcg:.3f}  "
                     f"{result.query.query!r} -> {top}")
    return "\n".join(lines)
