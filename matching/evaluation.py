"""Matching-quality evaluation: needs with graded relevance labels, nDCG@5, Recall@10 and MRR, beside BM25.

Pure Python, no Flask, no database. A system under test is any callable mapping a need code to technology codes,
best first, so the TF-IDF matcher and the BM25 baseline are measured the same way::

    labels = load_labels(DEFAULT_LABELS)
    reports = {"tfidf": evaluate(matcher_ranking, labels),
               "bm25": evaluate(bm25_ranking(technologies, needs), labels)}
    print(format_report(reports))

The metrics are those of the search evaluation (:mod:`search.evaluation.metrics`), each given its cut-off explicitly:
nDCG at :data:`NDCG_K` (a staff member reads the first five suggestions of a need), Recall and reciprocal rank at
:data:`RECALL_K` (a need gets at most ten suggestions).

The labels file is JSON Lines, one need a line::

    {"need": "NC-2026-001", "kind": "vietnamese", "relevant": {"VAST-IOIT-01": 2, "VAST-IOIT-02": 1}}

Grades: 2 = directly solves the firm's problem, 1 = partly useful; a technology not listed is not relevant. Kinds say
how the need is written: ``vietnamese``, ``no-diacritics`` (typed without accents) or ``english``. A need the
catalogue does not cover at all has no place in the file: no ranking metric is defined without a relevant document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matching.tfidf import NeedText, TechnologyText
from search.evaluation.baseline import BM25Baseline, technology_text
from search.evaluation.metrics import (
    Scores,
    format_table,
    kind_order,
    mean_scores,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)

#: The labelled development set of the demo catalogue.
DEFAULT_LABELS = Path(__file__).with_name("labels") / "needs-dev.jsonl"

#: Kinds of need text, in the order reports show them (other kinds follow, sorted).
KINDS = ("vietnamese", "no-diacritics", "english")

#: Cut-off of nDCG: the suggestions a staff member reads first.
NDCG_K = 5
#: Cut-off of Recall and of the reciprocal rank: the most suggestions a need gets.
RECALL_K = 10

MAX_GRADE = 2
#: The technology fields the matching baseline reads (the needs it is matched against are Vietnamese).
MATCH_BASELINE_FIELDS = ("title", "summary", "description", "keywords")


class LabelError(ValueError):
    """A labels file that cannot be used: bad syntax, or codes the catalogue does not know."""


@dataclass(frozen=True)
class LabelledNeed:
    need: str  # the need's code
    kind: str
    relevant: dict[str, int]  # technology code -> grade 1..2


def load_labels(path: str | Path = DEFAULT_LABELS) -> list[LabelledNeed]:
    """Read a JSON Lines labels file; blank lines are skipped and grade-0 entries dropped.

    :param path: the file.
    :raises LabelError: naming the line, on invalid JSON, a missing field, a repeated need, a grade that is not an
        integer 0..2, or a need left with no relevant technology.
    """
    labels: list[LabelledNeed] = []
    seen: set[str] = set()
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelError(f"{where}: invalid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise LabelError(f"{where}: expected a JSON object")
        missing = [name for name in ("need", "kind", "relevant") if row.get(name) in (None, "")]
        if missing:
            raise LabelError(f"{where}: missing {', '.join(missing)}")
        need = str(row["need"])
        if need in seen:
            raise LabelError(f"{where}: need {need} is labelled twice")
        seen.add(need)
        if not isinstance(row["relevant"], dict):
            raise LabelError(f"{where}: 'relevant' must map technology codes to grades")
        relevant: dict[str, int] = {}
        for code, grade in row["relevant"].items():
            if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= MAX_GRADE:
                raise LabelError(f"{where}: grade of {code} must be an integer 0..{MAX_GRADE}, not {grade!r}")
            if grade:
                relevant[code] = grade
        if not relevant:
            raise LabelError(f"{where}: need {need} has no relevant technology (leave uncovered needs out)")
        labels.append(LabelledNeed(need=need, kind=str(row["kind"]), relevant=relevant))
    return labels


def check_codes(labels: Iterable[LabelledNeed], needs: Collection[str], technologies: Collection[str]) -> None:
    """Make sure every code in the labels names a need and a technology of the catalogue under evaluation.

    :param needs: the codes of the needs that can be ranked.
    :param technologies: the codes of the technologies the system ranks (the published catalogue).
    :raises LabelError: naming every unknown need and technology code.
    """
    labels = list(labels)
    unknown_needs = sorted({label.need for label in labels} - set(needs))
    unknown_technologies = sorted({code for label in labels for code in label.relevant} - set(technologies))
    problems = []
    if unknown_needs:
        problems.append(f"unknown needs {', '.join(unknown_needs)}")
    if unknown_technologies:
        problems.append(f"unknown or unpublished technologies {', '.join(unknown_technologies)}")
    if problems:
        raise LabelError(f"the labels name codes the catalogue does not have: {'; '.join(problems)}")


# --- Evaluating a system ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NeedResult:
    label: LabelledNeed
    ranked: list[str]  # the first RECALL_K distinct codes the system returned
    ndcg: float
    recall: float
    rr: float


@dataclass
class MatchReport:
    results: list[NeedResult]
    overall: Scores
    by_kind: dict[str, Scores]  # in KINDS order, then other kinds sorted

    def worst(self, n: int = 5) -> list[NeedResult]:
        """The ``n`` needs with the lowest nDCG (ties: lowest reciprocal rank, then code), for diagnosis."""
        return sorted(self.results, key=lambda r: (r.ndcg, r.rr, r.label.need))[:n]


def evaluate(rank: Callable[[str], Sequence[str]], labels: Sequence[LabelledNeed]) -> MatchReport:
    """Rank every labelled need with ``rank`` (need code → technology codes, best first) and score the ranking.

    Overall figures are means over all needs (not over kinds). A code repeated in a ranking counts once.
    """
    results = []
    for label in labels:
        ranked = list(dict.fromkeys(rank(label.need) or []))[:RECALL_K]
        results.append(NeedResult(
            label=label, ranked=ranked, ndcg=ndcg_at_k(ranked, label.relevant, k=NDCG_K),
            recall=recall_at_k(ranked, label.relevant, k=RECALL_K),
            rr=reciprocal_rank(ranked, label.relevant, k=RECALL_K)))
    by_kind = {kind: mean_scores([r for r in results if r.label.kind == kind])
               for kind in kind_order((r.label.kind for r in results), KINDS)}
    return MatchReport(results=results, overall=mean_scores(results), by_kind=by_kind)


# --- The BM25 baseline ------------------------------------------------------------------------------------------

def need_query(need: NeedText) -> str:
    """The baseline's query for a need: its title, description and desired outcome, as typed."""
    return "\n".join([need.title, need.description, need.desired_outcome])


def baseline_document(technology: TechnologyText) -> str:
    """The baseline's document for a technology: its unnormalised Vietnamese title, summary, description and
    keywords (the needs it is matched against are Vietnamese)."""
    return technology_text({"title": technology.title, "summary": technology.summary,
                            "description": technology.description, "keywords": list(technology.keywords)},
                           MATCH_BASELINE_FIELDS)


def bm25_ranking(technologies: Mapping[str, TechnologyText],
                 needs: Mapping[str, NeedText]) -> Callable[[str], list[str]]:
    """A ranking function (need code → technology codes) of plain BM25 over the technologies' unnormalised text.

    :param technologies: code -> technology, the documents.
    :param needs: code -> need, whose :func:`need_query` is the query.
    """
    baseline = BM25Baseline({code: baseline_document(t) for code, t in technologies.items()})
    return lambda code: baseline.search(need_query(needs[code]), k=RECALL_K)


# --- Text output ------------------------------------------------------------------------------------------------

METRICS = ((f"nDCG@{NDCG_K}", "ndcg"), (f"Recall@{RECALL_K}", "recall"), (f"MRR@{RECALL_K}", "mrr"))


def format_report(report_by_system: Mapping[str, MatchReport]) -> str:
    """A plain-text table: one row for all needs and one per kind; for each metric one column per system, in the
    mapping's order (the layout of :func:`search.evaluation.metrics.format_report`).

    ::

                                nDCG@5        Recall@10         MRR@10
        kind              n   tfidf   bm25   tfidf   bm25   tfidf   bm25
        overall          34   0.912  0.497   ...
    """
    return format_table(report_by_system, METRICS, KINDS)


def format_worst(report: MatchReport, n: int = 5, shown: int = 5) -> str:
    """The ``n`` weakest needs of one system: code, kind, nDCG, reciprocal rank and the first ``shown`` codes
    (relevant ones followed by their grade), then the relevant codes it missed."""
    lines = []
    for result in report.worst(n):
        relevant = result.label.relevant
        top = ", ".join(f"{code}({relevant[code]})" if code in relevant else code
                        for code in result.ranked[:shown]) or "(nothing)"
        missed = [f"{code}({grade})" for code, grade in relevant.items() if code not in result.ranked[:shown]]
        lines.append(f"{result.label.need} {result.label.kind:<13} nDCG {result.ndcg:.3f}  RR {result.rr:.3f}  "
                     f"-> {top}" + (f"  missed: {', '.join(missed)}" if missed else ""))
    return "\n".join(lines)
