"""The TF-IDF matcher (pure library: no app, no database)."""

from __future__ import annotations

import pytest

from matching.tfidf import NeedText, TechnologyText, TfidfMatcher

PRIORITY = frozenset({"cang-bien", "logistics", "cong-nghe-cao", "nong-nghiep"})
CATALOGUE = [
    TechnologyText(1, "Xử lý nước thải chế biến thủy sản bằng công nghệ màng MBR", "Xử lý nước thải giàu hữu cơ.",
                   "Bể thiếu khí, hiếu khí và màng lọc MBR cho nhà máy chế biến thủy sản.", ("nước thải", "MBR"),
                   sectors=("moi-truong", "thuy-san"), trl=8),
    TechnologyText(2, "Hệ thống nhận dạng số container tại cổng cảng", "Camera AI đọc số container.",
                   "Đọc số container và biển số xe tại cổng cảng biển.", ("container", "cảng biển"),
                   title_en="Container number recognition", sectors=("cang-bien", "logistics"), priority=True, trl=7),
    TechnologyText(3, "Sơn chống ăn mòn cho kết cấu thép vùng biển", "Hệ sơn epoxy chống ăn mòn.",
                   "Bảo vệ cọc thép, cầu cảng trong môi trường biển.", ("ăn mòn", "sơn"), sectors=("vat-lieu",), trl=6),
    TechnologyText(4, "Phân bón hữu cơ vi sinh từ phụ phẩm nông nghiệp", "Ủ rơm rạ thành phân bón.",
                   "Chủng vi sinh phân giải rơm rạ, phụ phẩm trồng trọt.", ("phân bón", "vi sinh"),
                   sectors=("nong-nghiep",), priority=True, trl=9),
    TechnologyText(5, "Nhận dạng hình ảnh sâu bệnh trên lá lúa", "Ứng dụng AI chẩn đoán bệnh lúa.",
                   "Ảnh chụp lá lúa được mô hình học sâu phân loại sâu bệnh.", ("AI", "lúa"),
                   sectors=("nong-nghiep", "cntt"), priority=True, trl=4),
]


@pytest.fixture(scope="module")
def matcher() -> TfidfMatcher:
    return TfidfMatcher(priority_sectors=PRIORITY).fit(CATALOGUE)


def test_a_need_typed_without_accents_meets_the_accented_listing(matcher):
    [best, *_] = matcher.match(NeedText(10, "Xu ly nuoc thai nha may che bien thuy san"))
    assert best.technology_id == 1
    assert "nước thải" in best.explanation.shared_terms  # shown as the listing writes it


def test_english_need(matcher):
    suggestions = matcher.match(NeedText(11, "Container number recognition at the port gate"))
    assert suggestions[0].technology_id == 2


def test_scoring_factors(matcher):
    need = NeedText(12, "Nhận dạng bằng AI", sectors=("cntt",))
    by_id = {s.technology_id: s for s in matcher.match(need, top_k=5)}
    rice = by_id[5].explanation
    assert rice.shared_sectors == ("cntt",) and rice.priority_sectors == ("nong-nghiep",)
    assert rice.trl == 4 and rice.readiness_factor == pytest.approx(0.8 + 0.2 * 3 / 8, abs=1e-3)
    expected = rice.similarity * 1.15 * 1.20 * rice.readiness_factor
    assert by_id[5].score == pytest.approx(expected, rel=1e-3)


def test_readiness_favours_what_can_be_deployed_now():
    twins = [TechnologyText(1, "Cảm biến đo mặn", trl=3), TechnologyText(2, "Cảm biến đo mặn", trl=9)]
    model = TfidfMatcher().fit(twins)
    assert [s.technology_id for s in model.match(NeedText(1, "cảm biến đo độ mặn"))] == [2, 1]


def test_hygiene_top_k_min_score_and_decided_pairs(matcher):
    need = NeedText(13, "Chống ăn mòn cọc thép cầu cảng biển")
    ranked = [s.technology_id for s in matcher.match(need, top_k=5)]
    assert ranked[0] == 3
    assert len(matcher.match(need, top_k=1)) == 1
    assert 3 not in [s.technology_id for s in matcher.match(need, exclude={3})]
    assert matcher.match(NeedText(14, "hoàn toàn không liên quan gì")) == []
    assert all(s.score >= matcher.weights.min_score for s in matcher.match(need, top_k=5))


def test_many_needs_in_chunks_equal_one_by_one(matcher):
    needs = [NeedText(i, text) for i, text in enumerate([
        "xu ly nuoc thai", "container cang", "phan bon huu co vi sinh", "benh lua AI", "son chong an mon"])]
    together = matcher.match_many(needs, chunk=2)
    for need in needs:
        assert together[need.id] == matcher.match(need)


def test_model_round_trip(matcher):
    again = TfidfMatcher.loads(matcher.dumps())
    need = NeedText(15, "Phân bón từ rơm rạ")
    assert again.match(need) == matcher.match(need)


# --- keeping a fitted model in step with the catalogue --------------------------------------------------------------

NEW_PAINT = TechnologyText(6, "Sơn chống hà cho vỏ tàu không chứa thiếc", "Sơn chống hà thân thiện môi trường.",
                           "Lớp phủ chống hà bám trên vỏ tàu biển, không dùng hợp chất thiếc.", ("chống hà", "vỏ tàu"),
                           sectors=("vat-lieu",), trl=7)


def fitted() -> TfidfMatcher:
    return TfidfMatcher(priority_sectors=PRIORITY).fit(CATALOGUE)


def test_add_matches_a_new_technology_at_once_with_the_fitted_vocabulary():
    model = fitted()
    vocabulary = model._idf.copy()
    need = NeedText(20, "Sơn chống hà vỏ tàu")
    assert 6 not in [s.technology_id for s in model.match(need)]
    model.add([NEW_PAINT])
    assert model.size == 6
    assert model.match(need)[0].technology_id == 6
    assert (model._idf == vocabulary).all()  # no refit
    # Its words that the fit never saw ("hà", "thiếc") do not count; those it saw do, weighted as fitted.
    assert model.match(need)[0].explanation.shared_terms
    assert "hà" not in " ".join(model.match(need)[0].explanation.shared_terms).split()


def test_add_replaces_a_technology_with_the_same_id():
    model = fitted()
    edited = TechnologyText(3, "Hệ thống nhận dạng biển số xe tại cổng cảng", sectors=("cang-bien",), trl=9)
    model.add([edited])
    assert model.size == 5
    corrosion = model.match(NeedText(21, "Chống ăn mòn cọc thép cầu cảng biển"), top_k=5)
    assert [s.technology_id for s in corrosion].count(3) <= 1
    assert all("ăn mòn" not in s.explanation.shared_terms for s in corrosion if s.technology_id == 3)
    plates = model.match(NeedText(22, "nhận dạng biển số xe tại cổng cảng"), top_k=5)
    assert [s.technology_id for s in plates].count(3) == 1


def test_remove_stops_matching_and_ignores_unknown_ids():
    model = fitted()
    need = NeedText(23, "Xử lý nước thải chế biến thủy sản")
    assert model.match(need)[0].technology_id == 1
    model.remove([1, 999])
    assert model.size == 4
    assert 1 not in [s.technology_id for s in model.match(need)]
    assert 1 not in [s.technology_id for s in model.preview(need)[1]]
    with pytest.raises(KeyError):
        model.match_technology(1, [need])


def test_add_and_remove_survive_a_round_trip():
    model = fitted()
    model.add([NEW_PAINT])
    model.remove([2])
    again = TfidfMatcher.loads(model.dumps())
    for text in ("Sơn chống hà vỏ tàu", "Container number recognition at the port gate", "phân bón vi sinh"):
        need = NeedText(24, text)
        assert again.match(need) == model.match(need)
    assert again.size == model.size == 5


def test_add_to_an_unfitted_model_raises():
    with pytest.raises(RuntimeError):
        TfidfMatcher().add([NEW_PAINT])


def test_a_model_fitted_on_nothing_matches_nothing():
    model = TfidfMatcher().fit([])
    assert model.size == 0
    assert model.match(NeedText(1, "nước thải")) == []
    assert model.preview(NeedText(1, "nước thải")) == (0, [])
    model.add([NEW_PAINT])  # no vocabulary yet: kept, matched from the next fit
    assert model.size == 1


# --- one technology against many needs, and the preview while typing ------------------------------------------------

NEEDS = [
    NeedText(30, "Xử lý nước thải nhà máy chế biến thủy sản", sectors=("moi-truong",)),
    NeedText(31, "Nhận dạng số container tại cổng cảng", sectors=("cang-bien",)),
    NeedText(32, "Giảm chi phí xử lý nước thải giàu hữu cơ bằng màng lọc"),
    NeedText(33, "Phần mềm kế toán"),
]


def test_match_technology_offers_it_to_every_need_that_passes_min_score(matcher):
    offers = matcher.match_technology(1, NEEDS)
    assert [s.need_id for s in offers][:2] and {s.need_id for s in offers} <= {30, 32}
    assert 30 in {s.need_id for s in offers} and 31 not in {s.need_id for s in offers}
    assert [s.score for s in offers] == sorted((s.score for s in offers), reverse=True)
    assert all(s.technology_id == 1 and s.score >= matcher.weights.min_score for s in offers)
    # The same scores and explanations as matching each need to the catalogue.
    for offer in offers:
        [same] = [s for s in matcher.match(next(n for n in NEEDS if n.id == offer.need_id), top_k=5)
                  if s.technology_id == 1]
        assert offer == same
    assert 30 not in {s.need_id for s in matcher.match_technology(1, NEEDS, exclude={30: {1}})}
    assert matcher.match_technology(1, []) == []


def test_match_technology_of_an_added_technology():
    model = fitted()
    model.add([NEW_PAINT])
    offers = model.match_technology(6, [NeedText(40, "sơn chống hà cho vỏ tàu"), NeedText(41, "phân bón")])
    assert [s.need_id for s in offers] == [40]
    with pytest.raises(KeyError):
        model.match_technology(99, NEEDS)


def test_preview_counts_the_matches_and_shows_the_best(matcher):
    need = NeedText(50, "Nhận dạng bằng AI", sectors=("cntt",))
    count, best = matcher.preview(need, top=1)
    everything = matcher.match(need, top_k=100)
    assert count == len(everything) >= 2
    assert best == everything[:1]
    assert matcher.preview(need, top=0) == (count, [])
    assert matcher.preview(NeedText(51, "")) == (0, [])


# --- the pruned retrieval of large catalogues ------------------------------------------------------------------------


def test_pruned_retrieval_finds_the_same_top_k(monkeypatch):
    import random

    from matching import tfidf

    rng = random.Random(7)
    syllables = ("cảng container kho lạnh nước thải bùn màng lọc tôm cá lúa phân bón thép sơn ăn mòn cảm biến "
                 "điện mặt trời pin robot hàn vỏ tàu drone bản đồ vi mạch dữ liệu an toàn chế biến nuôi").split()

    def text(words: int) -> str:
        return " ".join(rng.choice(syllables) for _ in range(words))

    catalogue = [TechnologyText(i, text(8), text(20), text(60), (text(2),), sectors=(rng.choice("abc"),),
                                priority=rng.random() < 0.3, trl=rng.randint(1, 9)) for i in range(1, 401)]
    needs = [NeedText(i, text(6), text(30), sectors=(rng.choice("abc"),)) for i in range(1, 61)]
    exclude = {need.id: {rng.randint(1, 400) for _ in range(5)} for need in needs[::2]}
    model = TfidfMatcher(priority_sectors=frozenset("a")).fit(catalogue)
    plain = model.match_many(needs, exclude)
    monkeypatch.setattr(tfidf, "_PRUNE_FROM", 0)
    monkeypatch.setattr(tfidf, "_PRUNE_BATCH", 1)
    pruned = model.match_many(needs, exclude)
    for need in needs:
        assert [s.technology_id for s in pruned[need.id]] == [s.technology_id for s in plain[need.id]]
        assert [s.score for s in pruned[need.id]] == pytest.approx([s.score for s in plain[need.id]], abs=2e-4)


# --- the fit of large catalogues: two threads, a second process, chunks ----------------------------------------------


def _random_catalogue(count: int) -> list[TechnologyText]:
    import random

    rng = random.Random(11)
    syllables = ("cảng container kho lạnh nước thải bùn màng lọc tôm cá lúa phân bón thép sơn ăn mòn cảm biến điện "
                 "mặt trời pin robot hàn vỏ tàu drone bản đồ vi mạch dữ liệu an toàn chế biến nuôi hòa thuỷ "
                 "Đóng ĐÓNG đóng tàu port smart IoT").split()

    def text(words: int) -> str:
        return " ".join(rng.choice(syllables) + rng.choice(("", "", "", ",", ".", "x")) for _ in range(words))

    return [TechnologyText(i, text(8), text(20), text(60), (text(2), text(1)), title_en=text(3),
                           description_en=text(rng.choice((0, 10))), sectors=(rng.choice("abc"),),
                           priority=rng.random() < 0.3, trl=rng.randint(1, 9)) for i in range(1, count + 1)]


def _same_model(a: TfidfMatcher, b: TfidfMatcher) -> None:
    one, other = a._segments[0].matrix, b._segments[0].matrix
    assert one.shape == other.shape
    assert (one.indptr == other.indptr).all() and (one.indices == other.indices).all()
    assert (one.data == other.data).all()  # the same sums in the same order: equal to the last bit
    assert (a._idf == b._idf).all() and dict(a._words) == dict(b._words)
    assert a._spellings == b._spellings and (a._spelling == b._spelling).all()
    assert (a._bigram_keys == b._bigram_keys).all() and (a._bigram_column == b._bigram_column).all()
    assert (a._band_norms == b._band_norms).all()


def _fit_alone_then_share(monkeypatch, catalogue: list[TechnologyText]) -> tuple[TfidfMatcher, list[int]]:
    """A one-thread fit of the catalogue; then two workers and a second process from 100 technologies on, in this
    test (other tests' servers may have left threads). Returns the fit and a list that grows by one each time this
    process analyses a part of the texts."""
    import threading

    from matching import tfidf

    monkeypatch.setattr(tfidf, "_WORKERS", 1)
    alone = TfidfMatcher().fit(catalogue)
    monkeypatch.setattr(tfidf, "_WORKERS", 2)
    monkeypatch.setattr(tfidf, "_PROCESS_FROM", 100)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    analysed_here, accented_part = [], tfidf._accented_part
    monkeypatch.setattr(tfidf, "_accented_part", lambda documents: analysed_here.append(1) or accented_part(documents))
    return alone, analysed_here


def test_a_large_fit_on_two_threads_and_a_second_process_equals_one_thread(monkeypatch):
    import multiprocessing

    from matching import tfidf

    catalogue = _random_catalogue(300)
    alone, analysed_here = _fit_alone_then_share(monkeypatch, catalogue)
    monkeypatch.setattr(tfidf, "_PARALLEL_SORT_FROM", 100)
    monkeypatch.setattr(tfidf, "_CHUNK_BITS", 3)  # 8 technologies a chunk
    contexts, get_context = [], multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context",
                        lambda method=None: contexts.append(method) or get_context(method))
    shared = TfidfMatcher().fit(catalogue)
    assert contexts == ["fork"]
    assert len(analysed_here) == 1  # the second half came from the other process
    _same_model(alone, shared)
    needs = [NeedText(i, t.title, t.summary) for i, t in enumerate(catalogue[:20], start=1)]
    assert shared.match_many(needs) == alone.match_many(needs)

    monkeypatch.setattr(tfidf, "_SHORT_KEY_BITS", 0)  # as with a huge vocabulary: 64-bit keys
    _same_model(alone, TfidfMatcher().fit(catalogue))


def test_long_sorts_on_two_threads(monkeypatch):
    import numpy as np

    from matching import tfidf

    monkeypatch.setattr(tfidf, "_WORKERS", 2)
    monkeypatch.setattr(tfidf, "_PARALLEL_SORT_FROM", 100)
    keys = np.random.default_rng(5).integers(0, 50, size=5000) * 3
    keys[:2600] = 60  # a run across the middle
    assert len(tfidf._halves(keys.copy())) == 2
    expected_keys, expected_counts = np.unique(keys, return_counts=True)
    distinct, counts = tfidf._sorted_runs(keys.copy())
    assert (distinct == expected_keys).all() and (counts == expected_counts).all()
    ordered = keys.copy()
    tfidf._sort(ordered)
    assert (ordered == np.sort(keys)).all()


def test_a_fit_whose_second_process_fails_analyses_its_half_itself(monkeypatch):
    import os

    from matching import tfidf

    catalogue = _random_catalogue(120)
    alone, analysed_here = _fit_alone_then_share(monkeypatch, catalogue)
    monkeypatch.setattr(tfidf, "_send_accented_part", lambda documents, sender: os._exit(3))
    _same_model(alone, TfidfMatcher().fit(catalogue))
    assert len(analysed_here) == 2


@pytest.mark.parametrize(("documents", "fields"), [(1, 6), (7, 6), (500, 6), (300, 2)])
def test_pair_starts_are_the_words_followed_in_their_document(documents, fields):
    import numpy as np

    from matching import tfidf

    lengths = np.random.default_rng(documents).integers(0, 4, size=documents * fields)
    lengths[:fields] = 0  # an empty document first, and some empty fields
    doc, _group = tfidf._positions(documents, tuple(range(fields)), lengths)
    assert np.array_equal(tfidf._pair_starts(lengths, fields), np.flatnonzero(doc[1:] == doc[:-1]))
