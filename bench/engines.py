"""Why the embedded backend is tantivy and not SQLite FTS5: the two engines side by side on the same generated
catalogue (``bench/search.py``'s, 100k technologies by default) and the same queries.

Run: .venv/bin/python bench/engines.py [--size 100000]

Both index the same folded (accent-free, đ → d) copies of the fields the search engine reads (titles, keywords,
summary, descriptions, English ones included), weighted as the engine weighs them (``FIELD_BOOSTS``), and answer the
same queries of the benchmark's mix (the kinds with words): the words folded, any of them matching (OR), ranked by
BM25 with the field weights. Two tasks are timed, p50 and p95 over the queries:

- top 10: the ten best technologies;
- top 10 + counts: the same, plus the number found and the count per sector (what a results page with a facet
  sidebar needs), each engine matching the words twice: FTS5 once for the top 10 and once for the counts (a
  materialised match joined to the sectors), tantivy once for the top 10 with the total and once for an aggregation.

FTS5 gets its index merged (``optimize``) and a 64 MB page cache; tantivy waits for its merges. Their BM25s differ
(FTS5 scores all columns under one length, tantivy adds up a BM25 per field), so their top 10s differ; what they
find, and count, is the same.

Neither has the production backend's extras (accent bonus, prefixes, typos, synonyms, pairs): this measures the
engines, not our relevance. Everything is written under a temporary directory, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import tantivy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from bench.search import generate, latencies, percentile, query_mix  # noqa: E402
from matching.text import fold_diacritics, folded_tokens, normalize  # noqa: E402
from search.analysis import FIELD_BOOSTS  # noqa: E402

FIELDS = tuple(FIELD_BOOSTS)
WEIGHTS = tuple(FIELD_BOOSTS.values())
ROUNDS = 3


def folded(text: str) -> str:
    return fold_diacritics(normalize(text))


def corpus(size: int) -> list[dict]:
    return [{"id": record.number + 1, "title": folded(record.title), "title_en": folded(record.title_en),
             "keywords": folded(" ".join(record.keywords)), "summary": folded(record.summary),
             "description": folded(record.description), "description_en": folded(record.description_en),
             "sectors": record.sectors} for record in generate(size)]


def queries() -> list[list[str]]:
    """The folded words of the benchmark's queries that have words."""
    words = [folded_tokens(query.text) for query in query_mix()]
    return [w for w in words if w]


class Fts5:
    name = "SQLite FTS5"

    def __init__(self, path: Path, docs: list[dict]) -> None:
        self.db = sqlite3.connect(path / "fts.db")
        self.db.execute("PRAGMA cache_size = -65536")  # 64 MB
        self.db.execute(f"CREATE VIRTUAL TABLE doc USING fts5({', '.join(FIELDS)}, "
                        "tokenize='unicode61 remove_diacritics 2')")
        self.db.execute("CREATE TABLE sector (doc INTEGER, slug TEXT)")
        self.db.execute("CREATE INDEX sector_doc ON sector (doc)")
        self.db.executemany(f"INSERT INTO doc (rowid, {', '.join(FIELDS)}) VALUES (?{', ?' * len(FIELDS)})",
                            ((d["id"], *(d[f] for f in FIELDS)) for d in docs))
        self.db.executemany("INSERT INTO sector VALUES (?, ?)", ((d["id"], s) for d in docs for s in d["sectors"]))
        self.db.execute("INSERT INTO doc (doc) VALUES ('optimize')")  # one merged b-tree per term
        self.db.commit()
        self.rank = f"bm25(doc, {', '.join(str(w) for w in WEIGHTS)})"

    @staticmethod
    def match(words: list[str]) -> str:
        return " OR ".join(f'"{word}"' for word in words)

    def top(self, words: list[str]) -> list[int]:
        return [row[0] for row in self.db.execute(
            f"SELECT rowid FROM doc WHERE doc MATCH ? ORDER BY {self.rank} LIMIT 10", (self.match(words),))]

    def top_and_counts(self, words: list[str]) -> tuple[list[int], int, dict[str, int]]:
        rows = self.db.execute(
            "WITH found AS MATERIALIZED (SELECT rowid AS id FROM doc WHERE doc MATCH ?) "
            "SELECT NULL, count(*) FROM found UNION ALL "
            "SELECT slug, count(*) FROM sector JOIN found ON sector.doc = found.id GROUP BY slug",
            (self.match(words),)).fetchall()
        return self.top(words), rows[0][1], dict(rows[1:])


class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path, docs: list[dict]) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, fast=True)
        for field in FIELDS:
            builder.add_text_field(field, tokenizer_name="default")
        builder.add_text_field("sector", tokenizer_name="raw", fast=True)
        self.schema = builder.build()
        (path / "tantivy").mkdir()
        self.index = tantivy.Index(self.schema, path=str(path / "tantivy"))
        writer = self.index.writer(heap_size=200_000_000)
        for d in docs:
            writer.add_document(tantivy.Document(id=d["id"], sector=d["sectors"], **{f: d[f] for f in FIELDS}))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def query(self, words: list[str]) -> tantivy.Query:
        Q, Should = tantivy.Query, tantivy.Occur.Should
        return Q.boolean_query([(Should, Q.boost_query(Q.term_query(self.schema, field, word), weight))
                                for word in words for field, weight in zip(FIELDS, WEIGHTS, strict=True)])

    def top(self, words: list[str]) -> list[int]:
        result = self.searcher.search(self.query(words), limit=10, count=False)
        return [self.searcher.doc(address)["id"][0] for _score, address in result.hits]

    def top_and_counts(self, words: list[str]) -> tuple[list[int], int, dict[str, int]]:
        query = self.query(words)
        result = self.searcher.search(query, limit=10, count=True)
        buckets = self.searcher.aggregate(query, {"sector": {"terms": {"field": "sector", "size": 50}}})
        sectors = {b["key"]: b["doc_count"] for b in buckets["sector"]["buckets"]}
        return [self.searcher.doc(address)["id"][0] for _score, address in result.hits], result.count, sectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    mix = queries()
    print(f"Machine: {describe()}. {args.size:,} generated technologies, {len(mix)} queries x {ROUNDS} rounds.")
    started = time.perf_counter()
    docs = corpus(args.size)
    print(f"texts generated and folded in {time.perf_counter() - started:.1f} s", flush=True)
    rows, engines = [], []
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as name:
        for engine_class in (Fts5, Tantivy):
            started = time.perf_counter()
            engine = engine_class(Path(name), docs)
            built = time.perf_counter() - started
            row = {"engine": engine.name, "build": built}
            for label, task in (("top", engine.top), ("counts", engine.top_and_counts)):
                samples = latencies(task, mix * ROUNDS, warm_up=0)
                row[label] = (percentile(samples, 50), percentile(samples, 95))
            rows.append(row)
            engines.append(engine)
            print(json.dumps(row), flush=True)
        # The same work: both find the same technologies and count the same sectors (their rankings differ).
        same = sum(engines[0].top_and_counts(words)[1:] == engines[1].top_and_counts(words)[1:] for words in mix)
        engines[0].db.close()
    print(f"\nsame total and sector counts on {same} of {len(mix)} queries")
    print("\n| engine | index build | top 10: p50 | p95 | top 10 + counts: p50 | p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['engine']} | {row['build']:.1f} s | {row['top'][0]:.2f} ms | {row['top'][1]:.2f} ms | "
              f"{row['counts'][0]:.2f} ms | {row['counts'][1]:.2f} ms |")


if __name__ == "__main__":
    main()
