"""The catalogue search page and API: facets, sorting, shareable state, bad input, no confidential data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Technology


@pytest.fixture
def catalogue(create_technology):
    create_technology(title="Hệ thống nhận dạng số container", code="IOIT-01", sectors=("cang-bien", "logistics"),
                      trl=8, keywords=["container"], confidential_details="Mã nguồn mô-đun nhận dạng")
    create_technology(title="Kho lạnh giám sát IoT cho container lạnh", code="IOIT-02", sectors=("logistics",), trl=6,
                      transfer_modes=["turnkey"])
    create_technology(title="Chế phẩm vi sinh xử lý nước thải thủy sản", code="IET-01", sectors=("thuy-san",), trl=7)


def test_api_returns_ranked_hits_with_facets_and_no_confidential_part(client, catalogue):
    data = client.get("/api/v1/technologies?q=container").get_json()
    assert [hit["code"] for hit in data["hits"]] == ["IOIT-01", "IOIT-02"]
    assert data["total"] == 2 and data["degraded"] is False
    assert "<mark>container</mark>" in data["hits"][0]["title_html"]
    assert {f["value"]: f["count"] for f in data["facets"]["sector"]} == {"logistics": 2, "cang-bien": 1}
    assert all("confidential" not in key for hit in data["hits"] for key in hit)
    assert "Mã nguồn" not in str(data)


def test_facets_and_within_or_across_and(client, catalogue):
    def codes(query: str) -> list[str]:
        return sorted(hit["code"] for hit in client.get("/api/v1/technologies?" + query).get_json()["hits"])

    assert codes("sector=cang-bien&sector=thuy-san") == ["IET-01", "IOIT-01"]  # OR within a facet
    assert codes("sector=logistics&transfer_mode=turnkey") == ["IOIT-02"]  # AND across facets
    assert codes("trl_min=7") == ["IET-01", "IOIT-01"]
    data = client.get("/api/v1/technologies?sector=thuy-san").get_json()
    # A facet's own filter does not hide its other values.
    assert {f["value"] for f in data["facets"]["sector"]} == {"cang-bien", "logistics", "thuy-san"}


def test_page_state_is_in_the_url_and_sorting_works(client, catalogue):
    page = client.get("/technologies?q=container&sector=logistics&sort=readiness").get_data(as_text=True)
    assert page.index("Hệ thống nhận dạng số") < page.index("Kho lạnh giám sát")
    assert 'name="sector" value="logistics"' in page and 'value="readiness" selected' in page


def test_readiness_range_from_the_sidebar(client, catalogue):
    page = client.get("/technologies?q=container").get_data(as_text=True)
    assert '<select class="form-select form-select-sm" id="f-trl-min" name="trl_min" data-autosubmit>' in page
    assert '<option value="">Tất cả các mức</option>' in page and ">Từ TRL 7 trở lên</option>" in page
    page = client.get("/technologies?sort=readiness&trl_min=7").get_data(as_text=True)
    assert '<option value="7" selected>Từ TRL 7 trở lên</option>' in page
    assert "Hệ thống nhận dạng số" in page and "Chế phẩm vi sinh" in page and "Kho lạnh giám sát" not in page
    assert page.count(' selected>') == 2  # the range and the sort, nothing else


@pytest.mark.parametrize("query", [
    "", " ", "x" * 2000, '" * ( ) : - OR AND NEAR', "<script>alert(1)</script>", "container 🚢🚢", "контейнер 集装箱",
    "title:container", "container AND", "((((", "-container", "q=1&page=99999",
])
def test_bad_input_never_fails(client, catalogue, query):
    response = client.get("/technologies", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    data = client.get("/api/v1/technologies", query_string={"q": query}).get_json()
    assert isinstance(data["hits"], list)


def test_out_of_range_pages_and_unknown_facet_values(client, catalogue):
    data = client.get("/api/v1/technologies?q=container&page=999").get_json()
    assert data["hits"] == [] and data["total"] == 2
    for query in ("sector=no-such-sector", "institute=abc", "trl=99", "transfer_mode=teleport", "page=-3",
                  "sort=bogus", "trl_min=50"):
        assert client.get("/api/v1/technologies?" + query).status_code == 200
        assert client.get("/technologies?" + query).status_code == 200
    assert client.get("/api/v1/technologies?sector=no-such-sector").get_json()["total"] == 0


def test_empty_result_page_helps(client, catalogue):
    client.post("/language/en", data={"next": "/"})
    page = client.get("/technologies?q=xyzzy&sector=logistics").get_data(as_text=True)
    assert "No technology matches this search." in page and "Search again without the filters" in page


def test_suggestions(app, client, catalogue):
    suggestions = client.get("/api/v1/suggest?q=he thong nhan").get_json()["suggestions"]
    assert suggestions == [{"title": "Hệ thống nhận dạng số container", "code": "IOIT-01",
                            "url": "/technologies/IOIT-01/he-thong-nhan-dang-so-container"}]
    assert sorted(s["code"] for s in client.get("/api/v1/suggest?q=container").get_json()["suggestions"]) == [
        "IOIT-01", "IOIT-02"]
    with app.app_context():  # archived behind the index's back (as while the index lags): no longer suggested
        db.session.execute(sa.update(Technology).where(Technology.code == "IOIT-02").values(status="archived"))
        db.session.commit()
    assert [s["code"] for s in client.get("/api/v1/suggest?q=container").get_json()["suggestions"]] == ["IOIT-01"]
    assert client.get("/api/v1/suggest?q=a").get_json()["suggestions"] == []


def test_search_boxes_ask_for_suggestions_under_the_site_s_path(client, catalogue):
    for root in ("", "/san-cong-nghe"):
        page = client.get("/technologies?q=cang", base_url=f"http://localhost{root}/").get_data(as_text=True)
        # The header's box and the results page's box.
        assert page.count(f'data-suggest="{root}/api/v1/suggest"') == 2


def test_empty_result_offers_a_close_spelling(client, catalogue):
    from marketplace.searching import service

    service.forget_vocabulary()  # the vocabulary of this test's catalogue
    client.post("/language/en", data={"next": "/"})
    page = client.get("/technologies?q=xzontainerq").get_data(as_text=True)
    assert 'id="did-you-mean">containerq' not in page
    page = client.get("/technologies?q=contaaainer").get_data(as_text=True)
    assert "No technology matches this search." in page
    assert "Did you mean" in page and 'id="did-you-mean">container</a>' in page


@pytest.mark.parametrize("query", ["institute=²", "trl=²", "institute=99999999999999999999", "page=2&endpoint=x",
                                   "page=2&_anchor=x&_external=1", "page=99999999999999999999", "trl_min=²"])
def test_odd_parameters_are_ignored_not_500(client, catalogue, query):
    assert client.get("/technologies?" + query).status_code == 200
    assert client.get("/api/v1/technologies?" + query).status_code == 200


def test_page_links_keep_only_search_parameters(client, create_technology):
    for n in range(25):
        create_technology(title=f"Thiết bị {n:02d}", code=f"P-{n:02d}")
    page = client.get("/technologies?sort=title&trl_min=3&_external=1&endpoint=x").get_data(as_text=True)
    assert 'href="/technologies?page=2&amp;sort=title&amp;trl_min=3"' in page
    assert '<option value="3" selected>' in page.split('id="facet-form"')[1]  # the facets keep it too


def test_database_fallback_filters_transfer_modes_before_paging(make_app, create_technology, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    app = make_app(SEARCH_INDEX_DIR=str(blocked / "index"))
    for n in range(25):
        create_technology(title=f"Công nghệ {n:02d}", code=f"F-{n:02d}", transfer_modes=["license"])
    create_technology(title="Công nghệ trọn gói", code="F-99", transfer_modes=["turnkey"])
    data = app.test_client().get("/api/v1/technologies?transfer_mode=turnkey").get_json()
    assert data["degraded"] is True and data["total"] == 1 and [h["code"] for h in data["hits"]] == ["F-99"]
