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
