"""The embedded backend's shortcuts give what the straightforward queries give: adjacent word pairs scored as the
phrase queries they replace, facets counted per combination of values exactly, repeated words weighed as before, the
words one typo away found as a scan of the dictionary would."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import tantivy

from search import embedded
from search.analysis import (
    FIELD_BOOSTS,
    PAIR_FIELDS,
    PHRASE_BOOST,
    PREFIX_WEIGHT,
    VARIANT_FIELDS,
    analyze,
    within_one_edit,
)
from search.base import FACETS, IndexDoc, SearchQuery
from search.embedded import FACET_FIELDS, EmbeddedBackend, one_edit_words
from tests.typos import random_edit

WORDS = ("hệ thống nhận dạng số container cảng biển đóng tàu cá xa bờ kho lạnh thủy sản xử lý nước thải khu công "
         "nghiệp giám sát nhiệt độ cang bien dong tau container yard smart port").split()
SECTORS = ["cang-bien", "logistics", "thuy-san", "moi-truong", "nang-luong"]
MODES = ["license", "turnkey", "consulting", "joint_venture"]


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if not words:
        return ""
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), "x" * 45)  # longer than the tokenizer keeps: a gap, not a pair
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), "—")  # punctuation only: no word at all
    return " ".join(words)


def _corpus(count: int, seed: int = 7, version: int = 1) -> list[IndexDoc]:
    rng = random.Random(seed)
    return [IndexDoc(id=n, version=version, code=f"T{n}", title=_text(rng, rng.randint(1, 8)),
                     title_en=_text(rng, rng.randint(0, 4)), keywords=[_text(rng, 2) for _ in range(rng.randint(0, 3))],
                     summary=_text(rng, rng.randint(0, 20)), description=_text(rng, rng.randint(5, 40)),
                     sectors=rng.sample(SECTORS, rng.randint(0, 3)), institute_id=rng.randint(1, 5),
                     trl=rng.randint(1, 9), transfer_modes=rng.sample(MODES, rng.randint(0, 2)),
                     stale=rng.random() < 0.2)
            for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    """Several segments, with replaced and deleted documents still in them (they count in the engine's idf)."""
    backend = EmbeddedBackend(str(Path(tmp_path_factory.mktemp("embedded")) / "index"))
    backend.ensure_index()
    docs = _corpus(300)
    for start in range(0, len(docs), 100):
        backend.index(docs[start:start + 100])
    backend.index(_corpus(40, seed=8, version=2))
    backend.delete(range(250, 270))
    backend.refresh()
    yield backend
    backend.drop_index()


def _scores(engine: EmbeddedBackend, query: tantivy.Query) -> dict[int, float]:
    searcher = engine._searcher()
    result = searcher.search(query, limit=1000)
    ids = searcher.fast_field_values("id", [address for _score, address in result.hits])
    return {doc_id: score for doc_id, (score, _address) in zip(ids, result.hits, strict=True)}


def _assert_same_scores(expected: dict[int, float], actual: dict[int, float]) -> None:
    assert expected.keys() == actual.keys()
    for doc_id, score in expected.items():
        assert actual[doc_id] == pytest.approx(score, rel=1e-5), doc_id


def _phrases(engine: EmbeddedBackend, pair: tuple[str, str], boost: float) -> tantivy.Query:
    """The positional phrase queries that the pair terms stand for."""
    Q = tantivy.Query
    return _boolean([(Q.phrase_query(engine.schema, f"{name}_folded", list(pair)), FIELD_BOOSTS[name] * boost)
                     for name in PAIR_FIELDS])


def _boolean(clauses: list[tuple[tantivy.Query, float]]) -> tantivy.Query:
    Q = tantivy.Query
    return Q.boolean_query([(tantivy.Occur.Should, Q.boost_query(query, boost)) for query, boost in clauses])


@pytest.mark.parametrize("pair", [("cang", "bien"), ("he", "thong"), ("container", "yard"), ("tau", "tau"),
                                  ("bien", "dong"), ("port", "smart"), ("nhan", "xxxx"), ("xxxx", "yyyy")])
def test_word_pairs_score_as_phrases(engine: EmbeddedBackend, pair: tuple[str, str]) -> None:
    searcher = engine._searcher()
    expected = _scores(engine, _phrases(engine, pair, PHRASE_BOOST / 2))
    clauses = engine._pair_clauses(searcher, pair, PHRASE_BOOST / 2)
    if not clauses:
        assert expected == {}
    else:
        assert expected, "the pair should occur in this corpus"
        _assert_same_scores(expected, _scores(engine, _boolean(clauses)))


def _plain_text_query(engine: EmbeddedBackend, text: str) -> tantivy.Query:
    """The query as built before repeated words were merged: one clause per word and per pair, phrases as such."""
    searcher = engine._searcher()
    analyzed = analyze(text, engine.synonyms)
    should = tantivy.Occur.Should
    clauses = []
    for term in analyzed.terms:
        clauses += [(should, _boolean(engine._term_clauses(searcher, term, analyzed.fields)))]
    clauses += [(should, _phrases(engine, pair, PHRASE_BOOST / 2)) for pair in analyzed.pairs]
    clauses += [(should, _boolean(engine._synonym_clauses(searcher, alternative, analyzed.fields)))
                for alternative in analyzed.alternatives]
    return tantivy.Query.boolean_query(clauses)


@pytest.mark.parametrize("text", ["cảng biển", "cang bien cang bien", "tàu tàu cá", "he thong nhan dang so container",
                                  "kho lạnh thủy sản kho lạnh", "contai", "nhiet do khu cong nghiep nhiet"])
def test_queries_score_as_before(engine: EmbeddedBackend, text: str) -> None:
    searcher = engine._searcher()
    expected = _scores(engine, _plain_text_query(engine, text))
    assert expected
    ranking, _finding = engine._text_queries(analyze(text, engine.synonyms), searcher)
    _assert_same_scores(expected, _scores(engine, ranking))


@pytest.mark.parametrize("text", ["cảng biển", "càng", "tàu tàu cá", "he thong nhan dang so container", "contai",
                                  "containr", "logistics kho lạnh", "drone giám sát", "nhiet do khu cong nghiep nhiet",
                                  "hệ thống quản lý cảng biển thông minh cho doanh nghiệp logistics", "xxxx"])
def test_finding_query_finds_what_the_ranking_query_finds(engine: EmbeddedBackend, text: str) -> None:
    searcher = engine._searcher()
    ranking, finding = engine._text_queries(analyze(text, engine.synonyms), searcher)
    assert _scores(engine, finding).keys() == _scores(engine, ranking).keys()


@pytest.mark.parametrize("word", ["container", "ontainer", "cnotainer", "xontainer", "conntainer", "coontainer",
                                  "ocntainer", "containre", "contaner", "nhiet", "nhiett", "hnhiet", "bienx", "zzzzz"])
def test_one_edit_words_are_those_of_the_dictionary(engine: EmbeddedBackend, word: str) -> None:
    """Every word of a field one edit away, typos in the first two letters included: as a scan of the whole term
    dictionary finds them."""
    searcher = engine._searcher()
    for name in VARIANT_FIELDS:
        expected = {other for other, _count in searcher.terms_with_prefix(f"{name}_folded", "")
                    if other != word and within_one_edit(other, word)}
        assert one_edit_words(searcher, name, word) == sorted(expected), (name, word)
    assert one_edit_words(searcher, "title", "ontainer") == ["container"]
    assert one_edit_words(searcher, "title", "nhiett") == ["nhiet"]


def test_one_edit_words_whatever_the_letters_and_the_place_of_the_typo(tmp_path: Path) -> None:
    """Letters outside a-z that folding keeps (ø, ł, ß, Greek, Cyrillic), digits, typos in every position, the swap
    across the middle of the word: all found, nothing else."""
    rng = random.Random(11)
    letters = "abcdeghiklmnoprstuvxy0123456789øłßæþδжя"
    bases = ["orsted", "container", "nhiet", "mang5g", "жарка", "ørsted", "kho"]

    def edit(word: str) -> str:
        return random_edit(rng, word, letters)

    words = sorted({edit(edit(base)) if rng.random() < 0.3 else edit(base) for base in bases for _ in range(120)})
    backend = EmbeddedBackend(str(tmp_path / "index"))
    backend.index([IndexDoc(id=n, version=1, code=f"T{n}", title=word, summary=word[::-1])
                   for n, word in enumerate(words, start=1)])
    searcher = backend._searcher()
    dictionary = [other for other, _count in searcher.terms_with_prefix("title_folded", "")]
    assert len(dictionary) > 300
    for word in bases + words[::7]:
        expected = sorted(other for other in dictionary if other != word and within_one_edit(other, word))
        assert one_edit_words(searcher, "title", word) == expected, word
    assert "ørsted" in one_edit_words(searcher, "title", "orsted")


def test_the_last_word_stands_for_the_most_frequent_words_it_begins(engine: EmbeddedBackend,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    searcher = engine._searcher()
    assert not analyze("c").terms[0].prefix  # one letter is no prefix
    for prefix in ("ca", "co"):  # "ca" is a word too (cá): not its own variant
        term = analyze(prefix).terms[0]
        others = [word for word, _count in searcher.terms_with_prefix("title_folded", prefix) if word != prefix]
        assert others  # cảng, công, container
        monkeypatch.setattr(embedded, "PREFIX_EXPANSIONS", 50)
        assert engine._variants(searcher, term, "title") == [(word, PREFIX_WEIGHT) for word in others]
        monkeypatch.setattr(embedded, "PREFIX_EXPANSIONS", 1)
        assert engine._variants(searcher, term, "title") == [(others[0], PREFIX_WEIGHT)]


QUERIES = [
    SearchQuery(),
    SearchQuery(text="cang bien"),
    SearchQuery(text="container", filters={"sector": ["cang-bien", "thuy-san"]}),
    SearchQuery(text="tàu", filters={"transfer_mode": ["license"], "trl": ["3", "4", "5"]}, trl_min=4),
    SearchQuery(filters={"sector": ["logistics"], "transfer_mode": ["turnkey", "consulting"], "institute": ["2"]}),
    SearchQuery(text="nhiệt độ", filters={"institute": ["1", "3"], "sector": ["no-such-sector"]}),
]


def _brute_force_facets(engine: EmbeddedBackend, query: SearchQuery) -> dict[str, list[tuple[str, int]]]:
    """Each facet counted in Python over the documents its query matches (the other facets' filters applied)."""
    searcher = engine._searcher()
    _ranking, matching = engine._text_queries(analyze(query.text, engine.synonyms), searcher)
    live = {doc.id: doc for doc in _corpus(300)} | {doc.id: doc for doc in _corpus(40, seed=8, version=2)}
    facets = {}
    for facet in FACETS:
        ids = _scores(engine, engine._combined(matching, query, skip=facet))
        counts: Counter[str] = Counter()
        for doc_id in ids:
            doc = live[doc_id]
            values = {"sector": doc.sectors, "transfer_mode": doc.transfer_modes, "institute": [doc.institute_id],
                      "trl": [doc.trl]}[facet]
            counts.update(str(value) for value in set(values))
        facets[facet] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return facets


@pytest.mark.parametrize("query", QUERIES)
def test_facet_counts_by_combination_are_exact(engine: EmbeddedBackend, query: SearchQuery) -> None:
    facets = engine.search(query).facets
    assert {facet: [(c.value, c.count) for c in counts] for facet, counts in facets.items()} == \
        _brute_force_facets(engine, query)


@pytest.mark.parametrize("query", QUERIES)
def test_facets_with_too_many_combinations_are_counted_on_their_fields(
        engine: EmbeddedBackend, query: SearchQuery, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = engine.search(query).facets
    monkeypatch.setattr(embedded, "SET_BUCKETS", 1)
    fields: list[str] = []
    monkeypatch.setattr(engine, "_searcher", lambda: _Recorder(EmbeddedBackend._searcher(engine), fields))
    assert engine.search(query).facets == expected
    if not query.text and not query.filters:
        assert {FACET_FIELDS["sector"], FACET_FIELDS["transfer_mode"]} <= set(fields)


class _Recorder:
    """A searcher that notes which fields its aggregations count (tantivy's own classes cannot be patched)."""

    def __init__(self, searcher: tantivy.Searcher, fields: list[str]) -> None:
        self._searcher, self._fields = searcher, fields

    def aggregate(self, search: tantivy.Query, spec: dict) -> dict:
        self._fields.extend(request["terms"]["field"] for request in spec.values())
        return self._searcher.aggregate(search, spec)

    def __getattr__(self, name: str) -> object:
        return getattr(self._searcher, name)


def test_a_searcher_is_reused_until_any_process_commits(tmp_path: Path) -> None:
    writer, reader = EmbeddedBackend(str(tmp_path / "index")), EmbeddedBackend(str(tmp_path / "index"))
    writer.ensure_index()
    assert reader.search(SearchQuery(text="container")).total == 0
    searcher = reader._searcher()
    assert reader._searcher() is searcher  # nothing committed: the same searcher
    for version, title in enumerate(["Hệ thống nhận dạng số container", "Cổng cảng container tự động"], start=1):
        writer.index([IndexDoc(id=1, version=version, code="T1", title=title)])
        # Each commit is seen by the other instance at once, with no refresh.
        assert [hit.title_html for hit in reader.search(SearchQuery(text="container")).hits] == [
            title.replace("container", "<mark>container</mark>")]
    writer.delete([1])
    assert reader.search(SearchQuery(text="container")).total == 0
    assert reader._searcher() is not searcher


def test_opening_an_index_leaves_its_layout_marker_alone(tmp_path: Path) -> None:
    """Every worker opens the index: a marker rewritten on each open was briefly empty, and a worker that read it
    then took the index for an older layout and emptied it."""
    first = EmbeddedBackend(str(tmp_path / "index"))
    first.index([IndexDoc(id=1, version=1, code="T1", title="Hệ thống nhận dạng số container")])
    marker = (tmp_path / "index" / "schema-version").stat()
    for _ in range(3):
        assert EmbeddedBackend(str(tmp_path / "index")).search(SearchQuery(text="container")).total == 1
    after = (tmp_path / "index" / "schema-version").stat()
    assert (after.st_ino, after.st_mtime_ns) == (marker.st_ino, marker.st_mtime_ns)


def test_an_index_of_an_older_layout_starts_afresh(tmp_path: Path) -> None:
    EmbeddedBackend(str(tmp_path / "index")).index([IndexDoc(id=1, version=1, code="T1", title="container")])
    (tmp_path / "index" / "schema-version").write_text("technologies-v1")
    assert EmbeddedBackend(str(tmp_path / "index")).search(SearchQuery(text="container")).total == 0
    assert (tmp_path / "index" / "schema-version").read_text() == embedded.SCHEMA_VERSION
