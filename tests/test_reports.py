"""Reports: the staff dashboard, the unmet demand, the steering committee's report (page, XLSX, CLI), open data."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.extensions import db
from marketplace.models import (
    Match,
    MatchOrigin,
    MatchStatus,
    Need,
    NeedStatus,
    NeedVisibility,
    Round,
    Sector,
    Technology,
    TransferMode,
    User,
)
from marketplace.models.base import utcnow


def hai_phong_today() -> date:
    """Periods are in Hai Phong dates (UTC+7): from 17:00 UTC that is already tomorrow."""
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


INJECTION = "=HYPERLINK(\"http://evil.example\",\"click\")"


def signed_in(app, user, lang: str = "en"):
    client = app.test_client()
    assert client.post("/auth/login", data={"email": user.email, "password": user.password}).status_code == 302
    client.post(f"/language/{lang}", data={"next": "/"})
    return client


def chart(html: str, table_id: str) -> dict[str, int]:
    """The figures of a chart table of the page: {row key: value}."""
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return {key: int(value) for key, value in
            re.findall(r'<tr data-key="([^"]+)">.*?data-value="(\d+)"', table, flags=re.DOTALL)}


@pytest.fixture
def world(app, create_user, create_technology):
    """Two institutes' technologies (one a draft), needs in a round, outside it and without a sector, and matches:
    two deals, a firm's proposal under the threshold, a rejected suggestion, a good suggestion; an empty round."""
    staff, firm = create_user("staff"), create_user("firm", organization="Công ty Cổ phần Cảng Xanh")
    other = create_user("researcher", email="other@test.example", organization="Viện Môi trường Biển")
    port = create_technology(sectors=("cang-bien",), title="Cần cẩu tự động cho cảng container",
                             contact_email="secret-contact@test.example", confidential_details="Bí mật kỹ thuật")
    water = create_technology(owner=other, sectors=("moi-truong",), title="Xử lý nước thải bằng màng sinh học")
    draft = create_technology(owner=other, status="draft", sectors=("moi-truong",), title="Bản nháp chưa công bố")
    hostile = create_technology(owner=other, sectors=("moi-truong",), title=INJECTION, keywords=["-2+3", "@SUM(A1)"])
    now = utcnow()
    with app.app_context():
        sectors = {s.slug: s for s in db.session.scalars(sa.select(Sector))}
        author = db.session.get(User, firm.id)
        rounds = [Round(name="Đợt 1 năm 2027", legal_reference="Công văn số 2410/SKHCN-QLCN",
                        opens_at=now - timedelta(days=10), deadline=now + timedelta(days=20)),
                  Round(name="Đợt trống", legal_reference="Công văn số 1/SKHCN-QLCN",
                        opens_at=now - timedelta(days=1), deadline=now + timedelta(days=30))]
        db.session.add_all(rounds)
        db.session.flush()

        def need(code: str, slugs: tuple[str, ...], status=NeedStatus.OPEN, in_round: bool = False,
                 title: str | None = None) -> Need:
            item = Need(code=code, title=title or f"Nhu cầu {code}", description="Mô tả nhu cầu.", status=status,
                        firm_id=author.organization_id, author=author, sectors=[sectors[s] for s in slugs],
                        round_id=rounds[0].id if in_round else None)
            db.session.add(item)
            return item

        needs = {
            "port": need("NC-1", ("cang-bien",), in_round=True),
            "water": need("NC-2", ("moi-truong",), in_round=True, title=INJECTION),
            "farm": need("NC-3", ("nong-nghiep",)),
            "draft": need("NC-4", ("nong-nghiep",), status=NeedStatus.DRAFT),
            "loose": need("NC-5", ()),
            "rice": need("NC-6", ("nong-nghiep",)),
        }
        db.session.flush()

        def match(need_key: str, technology_id: int, status: MatchStatus, score: float | None,
                  origin=MatchOrigin.MATCHER, **deal: object) -> Match:
            item = Match(need_id=needs[need_key].id, technology_id=technology_id, status=status, score=score,
                         origin=origin, round_id=needs[need_key].round_id, **deal)
            db.session.add(item)
            return item

        matches = {
            "deal_port": match("port", port.id, MatchStatus.AGREEMENT_SIGNED, 0.6, contract_value=1_500_000_000,
                               transfer_mode=TransferMode.LICENSE, signed_on=date.today()),
            "proposal": match("water", water.id, MatchStatus.SUGGESTED, 0.02, origin=MatchOrigin.FIRM),
            "rejected": match("water", port.id, MatchStatus.REJECTED, 0.4),
            "good": match("rice", port.id, MatchStatus.SUGGESTED, 0.5),
            "deal_farm": match("farm", water.id, MatchStatus.AGREEMENT_SIGNED, 0.3, contract_value=700_000_000,
                               transfer_mode=TransferMode.TURNKEY, signed_on=date.today()),
        }
        db.session.commit()
        return {"staff": staff, "firm": firm, "round": rounds[0].id, "empty_round": rounds[1].id,
                "round_name": rounds[0].name, "empty_round_name": rounds[1].name,
                "needs": {key: item.id for key, item in needs.items()},
                "matches": {key: item.id for key, item in matches.items()},
                "published": [port.code, water.code, hostile.code], "draft": draft.code}


def _status_counts(app, round_id: int | None = None) -> dict[str, int]:
    with app.app_context():
        stmt = sa.select(Match.status, sa.func.count()).join(Need, Need.id == Match.need_id).group_by(Match.status)
        if round_id is not None:
            stmt = stmt.where(Need.round_id == round_id)
        counts = {status.value: count for status, count in db.session.execute(stmt)}
    return {status.value: counts.get(status.value, 0) for status in MatchStatus}


# --- The dashboard -------------------------------------------------------------------------------------------

def test_dashboard_counts_equal_the_database(app, world):
    page = signed_in(app, world["staff"]).get("/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert chart(html, "chart-funnel") == _status_counts(app)
    # The funnel follows the lifecycle: suggested first, the agreement before the endings without a deal.
    order = [key for key in chart(html, "chart-funnel")]
    assert order[:2] == ["suggested", "approved"] and order.index("agreement_signed") < order.index("rejected")
    # Drafts count nowhere: two published technologies in the environment sector, one seaport technology.
    technologies = chart(html, "chart-technologies-sector")
    assert technologies["cang-bien"] == 1 and technologies["moi-truong"] == 2
    assert list(technologies)[:4] == ["cang-bien", "logistics", "cong-nghe-cao", "nong-nghiep"]  # priority first
    needs = chart(html, "chart-needs-sector")
    assert needs["nong-nghiep"] == 2 and needs["none"] == 1 and sum(needs.values()) == 5
    institutes = chart(html, "chart-technologies-institute")
    assert sorted(institutes.values(), reverse=True)[:2] == [2, 1]
    deals = chart(html, "chart-deals-sector")
    assert deals == {"cang-bien": 1, "nong-nghiep": 1}
    assert "₫2,200,000,000" in html and "agreements signed" in html
    # Every chart's numbers are text in its table, and the bars are SVG without inline style or script.
    assert "<svg" in html and " style=" not in html and "<script>" not in html


def test_dashboard_priority_shares(app, world):
    from marketplace.reports import services

    with app.app_context(), app.test_request_context():
        shares = {s.key: s for s in services.dashboard(services.ReportFilter(), "en").priority_shares}
    assert (shares["technologies"].priority, shares["technologies"].total) == (1, 3)
    assert (shares["needs"].priority, shares["needs"].total) == (3, 5)
    assert (shares["deals"].priority, shares["deals"].total) == (2, 2) and shares["deals"].percent == 100.0


def test_round_filter_narrows_the_counts(app, world):
    client = signed_in(app, world["staff"])
    html = client.get(f"/reports?round={world['round']}").get_data(as_text=True)
    funnel = chart(html, "chart-funnel")
    assert funnel == _status_counts(app, world["round"])
    assert sum(funnel.values()) == 3 < sum(_status_counts(app).values())
    needs = chart(html, "chart-needs-sector")
    assert sum(needs.values()) == 2 and needs["nong-nghiep"] == 0
    assert chart(html, "chart-deals-sector") == {"cang-bien": 1}
    assert "₫1,500,000,000" in html
    # Technologies belong to no round: the catalogue is the same.
    assert chart(html, "chart-technologies-sector")["moi-truong"] == 2
    html = client.get(f"/reports?round={world['empty_round']}").get_data(as_text=True)
    assert sum(chart(html, "chart-funnel").values()) == 0


def test_period_filter_counts_needs_and_matches_by_creation_and_technologies_by_publication(app, world):
    with app.app_context():
        long_ago = utcnow() - timedelta(days=90)
        db.session.get(Need, world["needs"]["farm"]).created_at = long_ago
        db.session.get(Match, world["matches"]["deal_farm"]).created_at = long_ago
        db.session.execute(sa.update(Technology).where(Technology.code == world["published"][0])
                           .values(published_at=long_ago))
        db.session.commit()
    client = signed_in(app, world["staff"])
    start = (hai_phong_today() - timedelta(days=30)).isoformat()
    html = client.get(f"/reports?start={start}&end={hai_phong_today().isoformat()}").get_data(as_text=True)
    assert chart(html, "chart-needs-sector")["nong-nghiep"] == 1
    assert chart(html, "chart-funnel")["agreement_signed"] == 1
    assert chart(html, "chart-technologies-sector")["cang-bien"] == 0
    html = client.get(f"/reports?end={(hai_phong_today() - timedelta(days=60)).isoformat()}").get_data(as_text=True)
    assert chart(html, "chart-funnel") == {**{s.value: 0 for s in MatchStatus}, "agreement_signed": 1}


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-13-45", "is not a date of the form YYYY-MM-DD"),
    ("end=yesterday", "is not a date of the form YYYY-MM-DD"),
    ("start=2026-05-01&end=2026-04-01", "The start date comes after the end date."),
    ("start=0001-01-01", "Enter a date between the years 1900 and 2999."),
    ("end=9999-12-31", "Enter a date between the years 1900 and 2999."),
    ("round=abc", "No proposal round has the number “abc”."),
    ("round=999999", "No proposal round has the number “999999”."),
    ("round=%C2%B2", "No proposal round has the number"),
    ("round=99999999999999999999", "No proposal round has the number"),
])
def test_bad_parameters_get_a_clear_message(app, world, query, message):
    client = signed_in(app, world["staff"])
    response = client.get(f"/reports?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    if query.startswith("round"):
        for path in ("/reports/unmet", "/reports/steering", "/reports/steering.xlsx"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400 and message in response.get_data(as_text=True), path


# --- Unmet demand --------------------------------------------------------------------------------------------

def _unmet_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'<tr data-need="(\d+)">', html)]


def test_unmet_demand_lists_open_needs_without_a_good_suggestion(app, world):
    client = signed_in(app, world["staff"])
    html = client.get("/reports/unmet").get_data(as_text=True)
    needs = world["needs"]
    # A proposal under the threshold and a rejected suggestion leave the water need unmet, and nothing at all the
    # need without a sector. A good suggestion (rice) or a deal (farm, port) answers a need; drafts are not demand.
    assert _unmet_ids(html) == [needs["water"], needs["loose"]]
    assert "2 of 5 open needs are unmet." in html
    # The threshold is configured: raised above the good suggestion's score, the rice need is unmet too, and
    # comes first (a priority sector), the need without a sector last.
    app.config["UNMET_DEMAND_MIN_SCORE"] = 0.55
    html = client.get("/reports/unmet").get_data(as_text=True)
    assert _unmet_ids(html) == [needs["rice"], needs["water"], needs["loose"]]
    assert html.index('id="sector-nong-nghiep"') < html.index('id="sector-moi-truong"') < html.index('id="sector-none"')
    # Narrowed to the round.
    app.config["UNMET_DEMAND_MIN_SCORE"] = 0.20
    assert _unmet_ids(client.get(f"/reports/unmet?round={world['round']}").get_data(as_text=True)) == [
        needs["water"]]


# --- The steering committee's report -------------------------------------------------------------------------

def test_steering_report_page_by_sector_priority_first(app, world):
    with app.app_context():
        semiconductors = db.session.scalar(sa.select(Sector).where(Sector.slug == "ban-dan"))
        db.session.get(Need, world["needs"]["loose"]).sectors = [semiconductors]
        semiconductors.is_priority = True  # the city adds a priority: it goes before the others
        db.session.commit()
    try:
        client = signed_in(app, world["staff"])
        html = client.get("/reports/steering").get_data(as_text=True)
        summary = html[html.index('id="steering-summary"'):html.index('id="steering-total"')]
        order = re.findall(r'<tr data-sector="([^"]+)">', summary)
        assert order == ["cang-bien", "nong-nghiep", "ban-dan", "moi-truong"]
        total = html[html.index('id="steering-total"'):]
        cells = re.findall(r'<td class="text-end">([^<]*)</td>', total)[:5]
        # 5 posted needs, 1 firm proposal, 2 approved matches (both deals), ₫2.2 billion.
        assert cells == ["5", "1", "2", "2", "₫2,200,000,000"]
        assert "data-print" in html and "/reports/steering.xlsx" in html
    finally:
        with app.app_context():
            db.session.scalar(sa.select(Sector).where(Sector.slug == "ban-dan")).is_priority = False
            db.session.commit()


def test_steering_report_of_a_round_and_of_an_empty_round(app, world):
    client = signed_in(app, world["staff"])
    html = client.get(f"/reports/steering?round={world['round']}").get_data(as_text=True)
    assert "Công văn số 2410/SKHCN-QLCN" in html and "empty-report" not in html
    assert re.findall(r'<tr data-sector="([^"]+)">', html) == ["cang-bien", "moi-truong"]
    assert f'data-match="{world["matches"]["proposal"]}"' in html and "₫1,500,000,000" in html
    response = client.get(f"/reports/steering?round={world['empty_round']}")
    assert response.status_code == 200
    assert "There are no needs or matches in this round yet." in response.get_data(as_text=True)


def _cover(workbook) -> dict[str, object]:
    sheet = workbook.worksheets[0]
    return {row[0]: row[1] if len(row) > 1 else None for row in sheet.iter_rows(values_only=True) if row[0]}


def test_steering_report_xlsx(app, world):
    client = signed_in(app, world["staff"])
    response = client.get(f"/reports/steering.xlsx?round={world['round']}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Report", "By sector", "Needs", "Matches"]
    cover = _cover(workbook)
    assert cover["Round"] == world["round_name"] and cover["Legal reference"] == "Công văn số 2410/SKHCN-QLCN"
    assert cover["Generated on"].date() == hai_phong_today()
    assert (cover["Needs posted by firms"], cover["Approved matches"], cover["Agreements signed"]) == (2, 1, 1)
    assert cover["Contract value (VND)"] == 1_500_000_000
    rows = list(workbook["By sector"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["Seaports", "Environment", "Total (each counted once)"]
    assert rows[1][1:] == ("Yes", 1, 0, 1, 1, 1_500_000_000)
    # A hostile title is text, not a formula.
    titles = [row[2] for row in workbook["Needs"].iter_rows(min_row=2, values_only=True)]
    assert "'" + INJECTION in titles and INJECTION not in titles
    cells = [cell for row in workbook["Needs"].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    matches = list(workbook["Matches"].iter_rows(min_row=2, values_only=True))
    assert {row[8] for row in matches} == {"Agreement signed", "Awaiting the Department's review"}
    # The report leaves the Department: an anonymous need's firm is named only once a match introduced it.
    assert {row[3] for row in workbook["Needs"].iter_rows(min_row=2, values_only=True)} == {"Anonymous firm"}
    assert {(row[8], row[3]) for row in matches} == {("Agreement signed", "Công ty Cổ phần Cảng Xanh"),
                                                     ("Awaiting the Department's review", "Anonymous firm")}
    with app.app_context():
        db.session.get(Need, world["needs"]["water"]).visibility = NeedVisibility.PUBLIC
        db.session.commit()
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/steering.xlsx?round={world['round']}").data))
    assert sorted(row[3] for row in workbook["Needs"].iter_rows(min_row=2, values_only=True)) == [
        "Anonymous firm", "Công ty Cổ phần Cảng Xanh"]
    page = client.get(f"/reports/steering?round={world['round']}").get_data(as_text=True)
    assert "Anonymous firm" in page


def test_cli_exports_the_report_and_refuses_an_unknown_round(app, world, runner, tmp_path):
    path = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(args=["report", "export", str(path), "--round", world["round_name"].upper()])
    assert result.exit_code == 0, result.output
    cover = _cover(load_workbook(path))
    assert world["round_name"] in cover.values() and 1_500_000_000 in cover.values()

    result = runner.invoke(args=["report", "export", str(tmp_path / "x.xlsx"), "--round", "Đợt không có"])
    assert result.exit_code != 0 and "Đợt không có" in result.output
    assert not (tmp_path / "x.xlsx").exists()

    empty = tmp_path / "empty.xlsx"
    result = runner.invoke(args=["report", "export", str(empty), "--round", world["empty_round_name"]])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(empty)
    texts = [cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row if cell]
    assert world["empty_round_name"] in texts and "Công văn số 1/SKHCN-QLCN" in texts
    assert any("no needs or matches" in str(text) or "chưa có" in str(text) for text in texts)

    everything = tmp_path / "all.xlsx"
    assert runner.invoke(args=["report", "export", str(everything)]).exit_code == 0
    assert 2_200_000_000 in _cover(load_workbook(everything)).values()


# --- Open data -----------------------------------------------------------------------------------------------

def test_open_data_csv_is_the_public_catalogue(app, world):
    # Every page's footer offers the files to visitors.
    home = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/open-data/technologies.csv"' in home and 'href="/open-data/technologies.json"' in home
    response = app.test_client().get("/open-data/technologies.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads the accents
    text = response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["code"] for row in rows) == sorted(world["published"])
    assert world["draft"] not in text and "Bản nháp chưa công bố" not in text
    assert "secret-contact@test.example" not in text and "Bí mật kỹ thuật" not in text
    port = next(row for row in rows if row["title"] == "Cần cẩu tự động cho cảng container")
    assert port["sectors"] == "cang-bien" and port["sector_names"] == "Cảng biển" and port["trl"] == "7"
    assert port["url"].startswith("http://") and f"/technologies/{port['code']}/" in port["url"]
    # Formula injection is neutralised: the cell starts with a quote.
    hostile = next(row for row in rows if row["title"].endswith(INJECTION))
    assert hostile["title"] == "'" + INJECTION and hostile["keywords"] == "'-2+3; @SUM(A1)"


def test_open_data_json_is_the_public_catalogue(app, world):
    response = app.test_client().get("/open-data/technologies.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    records = json.loads(response.data)
    assert sorted(record["code"] for record in records) == sorted(world["published"])
    record = next(r for r in records if r["title"] == "Cần cẩu tự động cho cảng container")
    assert set(record) == {"code", "title", "title_en", "summary", "sectors", "institute", "trl", "transfer_modes",
                           "keywords", "url", "published_at"}
    assert record["sectors"] == [{"code": "cang-bien", "name": "Cảng biển", "name_en": "Seaports", "priority": True}]
    assert record["transfer_modes"] == ["license"] and record["published_at"].startswith(str(date.today().year))
    assert "secret-contact" not in response.get_data(as_text=True)
    assert next(r for r in records if r["title"] == INJECTION)  # JSON is not a spreadsheet: kept as typed


def test_open_data_of_an_empty_catalogue(app):
    client = app.test_client()
    assert json.loads(client.get("/open-data/technologies.json").data) == []
    assert client.get("/open-data/technologies.csv").data.decode("utf-8-sig").startswith("code,title,")


# --- On the demo ---------------------------------------------------------------------------------------------

def test_reports_on_the_demo(app, runner, create_user):
    from marketplace.reports import services

    app.config["DEMO_PASSWORD"] = "demo-password-for-tests"
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    staff = signed_in(app, create_user("staff"), lang="vi")  # the default language renders too
    html = staff.get("/reports").get_data(as_text=True)
    assert chart(html, "chart-funnel") == _status_counts(app)
    assert all(count > 0 for count in _status_counts(app).values())
    for path in ("/reports/unmet", "/reports/steering"):
        assert staff.get(path).status_code == 200, path
    # The catalogue's gaps: the crane simulator (its best suggestion turned down, the others weak) and the
    # forklift batteries (nothing in common) are unmet; the container-number gate is answered.
    unmet = staff.get("/reports/unmet").get_data(as_text=True)
    assert "NC-2026-004" in unmet and "NC-2026-023" in unmet and "NC-2026-001" not in unmet
    with app.app_context():
        deals = db.session.scalar(sa.select(sa.func.sum(Match.contract_value)).where(
            Match.status == MatchStatus.AGREEMENT_SIGNED))
        assert deals > 0
        with app.test_request_context():
            assert services.dashboard(services.ReportFilter(), "vi").contract_value == deals
        report = services.steering_report()
        assert report.contract_value == deals
        flags = [section.sector.is_priority for section in report.sections if section.sector]
        assert flags == sorted(flags, reverse=True) and flags[0]
        for proposal_round in db.session.scalars(sa.select(Round)):
            report = services.steering_report(proposal_round)
            assert not report.is_empty
            assert {n.round_id for n in report.needs} == {proposal_round.id}
