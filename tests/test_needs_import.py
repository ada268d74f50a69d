"""Importing firms' technology needs from the Department's spreadsheets (CSV and XLSX): ``flask needs import``.

Real files written with csv/openpyxl, real commits. Problems are checked by row and column (and by their English
text under ``force_locale("en")``), never by Vietnamese wording. The suggestions computed after an import are
recorded, not computed (the matcher has its own tests).
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.imports.importer import UNCHANGED, UPDATE, ImportRefused, guard_formula
from marketplace.imports.reader import read_table
from marketplace.models import AuditEvent, Need, NeedStatus, NeedVisibility, Organization, OrganizationKind
from marketplace.needs.importer import (
    NeedImportPlan,
    apply_needs_import,
    need_column_for_header,
    parse_budget,
    plan_needs_import,
)

KEY_HEADERS = ["code", "firm", "title", "description", "sectors", "budget", "location", "contact"]
VI_HEADERS = {"code": "Mã nhu cầu", "firm": "Tên doanh nghiệp", "title": "Tên nhu cầu", "description": "Mô tả nhu cầu",
              "sectors": "Lĩnh vực", "budget": "Ngân sách (VNĐ)", "location": "Địa điểm triển khai",
              "contact": "Người liên hệ", "desired_outcome": "Kết quả mong muốn", "timeline": "Thời gian",
              "visibility": "Chế độ hiển thị", "status": "Trạng thái"}
FIRM = "Công ty TNHH Cơ khí Hải Long"


def make_row(code: str = "HP-2026-001", **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "code": code,
        "firm": FIRM,
        "title": f"Tự động đọc số container tại cổng cảng {code}",
        "description": "Cổng cảng ghi số container bằng tay,\nmỗi ca sai khoảng 2% và xe phải chờ 5 phút.",
        "sectors": "cang-bien; Logistics",
        "budget": "2 – 5 tỷ",
        "location": "KCN Đình Vũ, Hải Phòng",
        "contact": "Ông Nguyễn Văn Hải; hai.nv@hailong.example; 0225 3812 345",
    }
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict[str, object]], headers: list[str] | None = None, *,
              delimiter: str = ",", header_names: dict[str, str] | None = None) -> Path:
    headers = headers or KEY_HEADERS
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([(header_names or {}).get(key, key) for key in headers])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key in headers])
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def write_xlsx(path: Path, rows: list[dict[str, object]], headers: list[str] | None = None, *,
               header_names: dict[str, str] | None = None, title: str | None = None,
               numbered: bool = False) -> Path:
    headers = headers or KEY_HEADERS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append((["STT"] if numbered else []) + [(header_names or {}).get(key, key) for key in headers])
    for number, row in enumerate(rows, start=1):
        sheet.append(([number] if numbered else []) + [row.get(key) for key in headers])
    workbook.save(path)
    return path


def read(path: Path):
    return read_table(path.read_bytes(), path.name, need_column_for_header)


def plan_file(app, path: Path) -> NeedImportPlan:
    """A dry run of ``path`` (the session is rolled back: nothing is kept)."""
    with app.app_context():
        plan = plan_needs_import(read(path))
        db.session.rollback()
        return plan


def import_file(app, path: Path) -> NeedImportPlan:
    with app.app_context():
        plan = plan_needs_import(read(path))
        apply_needs_import(plan)
        commit()
        return plan


def problems_of(plan: NeedImportPlan) -> list[tuple[int, str, str]]:
    with force_locale("en"):
        return [(p.row, p.column, str(p.message)) for p in plan.problems]


def needs_state(app) -> dict[str, tuple]:
    """Everything an import could change, per code."""
    with app.app_context():
        return {n.code: (n.title, n.description, n.desired_outcome, n.budget_min, n.budget_max, n.timeline,
                         n.location, n.visibility, n.status, n.closed_at, n.firm_id, n.author_id,
                         tuple(s.slug for s in n.sectors), n.contact_name, n.contact_email, n.contact_phone,
                         n.version_id, n.updated_at)
                for n in db.session.scalars(sa.select(Need).order_by(Need.code))}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def create_firm(app, name: str, kind: OrganizationKind = OrganizationKind.FIRM) -> int:
    with app.app_context():
        organization = Organization(kind=kind, name=name)
        db.session.add(organization)
        commit()
        return organization.id


@pytest.fixture(autouse=True)
def suggested(monkeypatch) -> list[list[str]]:
    """The codes of the needs each ``match_needs`` call received (the matcher itself is not run here)."""
    from marketplace.suggestions import services

    calls: list[list[str]] = []

    def match_needs(needs) -> int:
        calls.append(sorted(need.code for need in needs))
        return 3 * len(calls[-1])

    monkeypatch.setattr(services, "match_needs", match_needs, raising=False)
    return calls


@pytest.fixture
def english_runner(app, make_app):
    """A CLI runner that speaks English (``app`` still empties the tables afterwards)."""
    return make_app(BABEL_DEFAULT_LOCALE="en").test_cli_runner()


# --- Reading files ---------------------------------------------------------------------------------------------

def test_csv_import_creates_open_anonymous_needs_and_their_unknown_firms(app, tmp_path):
    rows = [make_row("HP-1"), make_row("HP-2", firm="CÔNG TY TNHH CƠ KHÍ HẢI LONG", budget="500 triệu",
                                       contact="Phòng Kỹ thuật; kythuat@hailong.example"),
            make_row("HP-3", firm="Công ty CP Thủy sản Cát Bà", sectors="Thủy sản", budget="thỏa thuận",
                     contact="")]
    plan = import_file(app, write_csv(tmp_path / "needs.csv", rows))
    assert plan.ok, problems_of(plan)
    assert (plan.counts["created"], plan.counts["firms_created"]) == (3, 2)
    with app.app_context():
        needs = {n.code: n for n in db.session.scalars(sa.select(Need))}
        first = needs["HP-1"]
        assert (first.status, first.visibility, first.author_id) == (NeedStatus.OPEN, NeedVisibility.ANONYMOUS, None)
        assert first.firm.kind == OrganizationKind.FIRM and first.firm.name == FIRM
        assert needs["HP-2"].firm_id == first.firm_id  # one firm, however its name is written
        assert [s.slug for s in first.sectors] == ["cang-bien", "logistics"]
        assert (first.budget_min, first.budget_max) == (2_000_000_000, 5_000_000_000)
        assert first.description.startswith("Cổng cảng ghi số container bằng tay,\nmỗi ca")
        assert (first.location, first.contact_name, first.contact_phone) == (
            "KCN Đình Vũ, Hải Phòng", "Ông Nguyễn Văn Hải", "0225 3812 345")
        assert (needs["HP-2"].budget_min, needs["HP-2"].contact_email) == (500_000_000, "kythuat@hailong.example")
        assert (needs["HP-3"].budget_min, needs["HP-3"].budget_max, needs["HP-3"].contact_name) == (None, None, None)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "needs.import"))
        assert event.data["created"] == 3
        assert event.data["firms_created"] == ["Công ty CP Thủy sản Cát Bà", FIRM]


def test_xlsx_with_a_title_row_numbers_and_vietnamese_headers(app, tmp_path):
    headers = [*KEY_HEADERS, "desired_outcome", "timeline", "visibility", "status"]
    rows = [make_row("HP-10", budget=2_500_000_000, desired_outcome="Đọc đúng 99% số container",
                     timeline="Quý IV/2026", visibility="Công khai", status=""),
            make_row("HP-11", budget="từ 500 triệu đến 1 tỷ", visibility="", status="Nháp", description="")]
    path = write_xlsx(tmp_path / "nhu-cau.xlsx", rows, headers, header_names=VI_HEADERS, numbered=True,
                      title="DANH MỤC NHU CẦU CÔNG NGHỆ CỦA DOANH NGHIỆP HẢI PHÒNG NĂM 2026")
    plan = import_file(app, path)
    assert plan.ok, problems_of(plan)
    assert plan.warnings == []  # the STT column is ignored silently
    assert [entry.row for entry in plan.entries] == [3, 4]  # the spreadsheet's numbers, below the title
    with app.app_context():
        first, second = db.session.scalars(sa.select(Need).order_by(Need.code))
        assert (first.budget_min, first.budget_max) == (2_500_000_000, 2_500_000_000)
        assert (first.desired_outcome, first.timeline) == ("Đọc đúng 99% số container", "Quý IV/2026")
        assert (first.visibility, first.status) == (NeedVisibility.PUBLIC, NeedStatus.OPEN)
        assert (second.visibility, second.status, second.description) == (
            NeedVisibility.ANONYMOUS, NeedStatus.DRAFT, "")  # a draft may go without a description
        assert (second.budget_min, second.budget_max) == (500_000_000, 1_000_000_000)


def test_other_vietnamese_headers_in_a_semicolon_csv(app, tmp_path):
    names = {"code": "Mã", "firm": "Doanh nghiệp", "title": "Nhu cầu công nghệ", "description": "Mô tả",
             "sectors": "LĨNH VỰC", "budget": "Kinh phí dự kiến", "location": "Địa điểm", "contact": "Liên hệ"}
    path = write_csv(tmp_path / "needs.csv", [make_row("HP-20")], delimiter=";", header_names=names)
    plan = plan_file(app, path)
    assert plan.ok, problems_of(plan)
    assert set(plan.columns) == set(KEY_HEADERS) and plan.counts["created"] == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("", (None, None)),
    ("Thỏa thuận", (None, None)),
    ("thoả thuận", (None, None)),
    ("2.500.000.000", (2_500_000_000, 2_500_000_000)),
    ("2,500,000,000 VNĐ", (2_500_000_000, 2_500_000_000)),
    ("2 500 000 000 đ", (2_500_000_000, 2_500_000_000)),
    ("2,5 tỷ", (2_500_000_000, 2_500_000_000)),
    ("2.5 tỷ đồng", (2_500_000_000, 2_500_000_000)),
    ("500 triệu", (500_000_000, 500_000_000)),
    ("500tr", (500_000_000, 500_000_000)),
    ("1 tỷ 500 triệu", (1_500_000_000, 1_500_000_000)),
    ("khoảng 3 tỷ", (3_000_000_000, 3_000_000_000)),
    ("2 – 5 tỷ", (2_000_000_000, 5_000_000_000)),
    ("2-5 tỷ", (2_000_000_000, 5_000_000_000)),
    ("500 triệu - 1 tỷ", (500_000_000, 1_000_000_000)),
    ("từ 500 triệu đến 1 tỷ", (500_000_000, 1_000_000_000)),
    ("2.500.000.000 - 5.000.000.000", (2_500_000_000, 5_000_000_000)),
    ("từ 2 tỷ", (2_000_000_000, None)),
    ("trên 2 tỷ", (2_000_000_000, None)),
    ("đến 5 tỷ", (None, 5_000_000_000)),
    ("tối đa 5 tỷ", (None, 5_000_000_000)),
    ("dưới 800 triệu", (None, 800_000_000)),
])
def test_budget_cells_as_people_write_them(app, text, expected):
    assert parse_budget(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("1.500 triệu", "may be a decimal or a number with a thousands separator"),
    ("1,500 tỷ", "may be a decimal or a number with a thousands separator"),
    ("500", "the unit was probably left out"),
    ("5 - 2 tỷ", "lower bound is above its upper bound"),
    ("1 tỷ 500", "Write the budget as an amount of dong"),
    ("2,5", "Write the budget as an amount of dong"),
    ("khoảng hai tỷ", "Write the budget as an amount of dong"),
    ("2 triệu tỷ", "Write the budget as an amount of dong"),
    ("5.000.000 tỷ", "more than a million billion dong"),
])
def test_ambiguous_or_invalid_budgets_are_row_problems(app, tmp_path, text, reason):
    path = write_csv(tmp_path / "needs.csv", [make_row("HP-30"), make_row("HP-31", budget=text)],
                     header_names={"budget": "Kinh phí dự kiến"})
    [(row, column, message)] = problems_of(plan_file(app, path))
    assert (row, column) == (3, "Kinh phí dự kiến") and reason in message


def test_a_unit_in_the_budget_header_applies_to_bare_figures(app, tmp_path):
    rows = [make_row("HP-40", budget="500"), make_row("HP-41", budget="1,5 tỷ"), make_row("HP-42", budget="2 - 3"),
            make_row("HP-43", budget="2.500")]
    path = write_csv(tmp_path / "needs.csv", rows, header_names={"budget": "Kinh phí dự kiến (triệu đồng)"})
    plan = plan_file(app, path)
    assert [(row, column) for row, column, _message in problems_of(plan)] == [
        (5, "Kinh phí dự kiến (triệu đồng)")]  # 2.500 triệu: 2,5 or 2500?
    assert [entry.values["budget"] for entry in plan.entries] == [
        (500_000_000, 500_000_000), (1_500_000_000, 1_500_000_000), (2_000_000, 3_000_000)]


# --- Firms -----------------------------------------------------------------------------------------------------

def test_existing_firm_is_matched_without_accents_or_case(app, tmp_path):
    firm_id = create_firm(app, "Công ty Cổ phần Cảng Hải Phòng")
    create_firm(app, "Cong ty Co phan Cang Hai Phong", OrganizationKind.INSTITUTE)  # not a firm: never matched
    organizations = count(app, Organization)
    path = write_csv(tmp_path / "needs.csv", [make_row("HP-50", firm="CONG TY CO PHAN CANG HAI PHONG"),
                                              make_row("HP-51", firm="công ty cổ phần cảng hải phòng")])
    plan = import_file(app, path)
    assert plan.counts["firms_created"] == 0 and plan.new_firms == {}
    assert count(app, Organization) == organizations
    with app.app_context():
        assert set(db.session.scalars(sa.select(Need.firm_id))) == {firm_id}


def test_a_name_fitting_two_firms_is_refused(app, tmp_path):
    create_firm(app, "Công ty Hải Phòng")
    create_firm(app, "Công ty Hai Phong")
    plan = plan_file(app, write_csv(tmp_path / "needs.csv", [make_row("HP-52", firm="cong ty hai phong"),
                                                             make_row("HP-53", firm="Công ty Hai Phong")]))
    [(row, column, message)] = problems_of(plan)
    assert (row, column) == (2, "firm") and "fits several firms" in message


# --- All or nothing, upsert by code ----------------------------------------------------------------------------

def test_importing_the_same_file_again_changes_nothing_and_says_so(app, tmp_path, english_runner, suggested):
    path = write_xlsx(tmp_path / "needs.xlsx", [make_row("HP-60"), make_row("HP-61", contact="", budget="")])
    first = english_runner.invoke(args=["needs", "import", str(path)])
    assert first.exit_code == 0, first.output
    before = needs_state(app)
    again = english_runner.invoke(args=["needs", "import", str(path)])
    assert again.exit_code == 0, again.output
    assert "unchanged: 2" in again.output and "Nothing to change: the needs already match the file." in again.output
    assert needs_state(app) == before  # neither version_id nor updated_at moved
    assert count(app, AuditEvent) == 1 and suggested == [["HP-60", "HP-61"]]  # nothing done the second time
    assert {entry.action for entry in plan_file(app, path).entries} == {UNCHANGED}


def test_a_changed_row_updates_its_need_and_only_it(app, tmp_path):
    path = tmp_path / "needs.csv"
    import_file(app, write_csv(path, [make_row("HP-70"), make_row("HP-71")]))
    before = needs_state(app)
    headers = [*KEY_HEADERS, "status", "visibility"]
    rows = [make_row("HP-70", title="Đọc số container và biển số xe tại cổng cảng", budget="3 – 6 tỷ",
                     status="Đã đóng", visibility=""),
            make_row("HP-71", status="", visibility="")]
    plan = import_file(app, write_csv(path, rows, headers))
    assert [(e.code, e.action, e.changes) for e in plan.entries] == [
        ("HP-70", UPDATE, ["title", "budget", "status"]), ("HP-71", UNCHANGED, [])]
    after = needs_state(app)
    assert after["HP-71"] == before["HP-71"]
    with app.app_context():
        need = db.session.scalar(sa.select(Need).where(Need.code == "HP-70"))
        assert need.title == "Đọc số container và biển số xe tại cổng cảng"
        assert (need.budget_min, need.budget_max) == (3_000_000_000, 6_000_000_000)
        assert need.status == NeedStatus.CLOSED and need.closed_at is not None
        assert need.visibility == NeedVisibility.ANONYMOUS  # an empty cell keeps it
        assert need.version_id > before["HP-70"][16]


def test_one_bad_row_means_nothing_is_written_and_every_problem_is_reported(app, tmp_path, english_runner,
                                                                           suggested):
    import_file(app, write_csv(tmp_path / "first.csv", [make_row("HP-80", title="Tên cũ")]))
    before = needs_state(app)
    organizations = count(app, Organization)
    rows = [make_row("HP-80", title="Tên mới"), make_row("HP-81", firm="Công ty Mới Hoàn Toàn"),
            make_row("HP-82", budget="khoảng 2 tỷ rưỡi đô", sectors="Du lịch vũ trụ"), make_row("HP-83")]
    path = write_csv(tmp_path / "needs.csv", rows, header_names={"budget": "Ngân sách", "sectors": "Lĩnh vực"})
    with app.app_context():
        plan = plan_needs_import(read(path))
        assert (plan.counts["updated"], plan.counts["created"], plan.counts["rejected_rows"]) == (1, 2, 1)
        with pytest.raises(ImportRefused):
            apply_needs_import(plan)
        db.session.rollback()
    assert [(row, column) for row, column, _message in problems_of(plan)] == [(4, "Lĩnh vực"), (4, "Ngân sách")]
    result = english_runner.invoke(args=["needs", "import", str(path)])
    assert result.exit_code == 1
    assert "Row 4, column “Ngân sách”: Write the budget as an amount of dong" in result.output
    assert "Row 4, column “Lĩnh vực”: Unknown sector “Du lịch vũ trụ”" in result.output
    assert "nothing was imported" in result.output
    assert needs_state(app) == before and before["HP-80"][0] == "Tên cũ"
    assert count(app, Organization) == organizations and count(app, AuditEvent) == 1
    assert suggested == []


def test_dry_run_writes_nothing(app, tmp_path, english_runner, suggested):
    path = write_csv(tmp_path / "needs.csv", [make_row("HP-90"), make_row("HP-91", firm="Công ty Khác")])
    result = english_runner.invoke(args=["needs", "import", "--dry-run", "--verbose", str(path)])
    assert result.exit_code == 0, result.output
    assert "+ HP-90" in result.output and "+ HP-91" in result.output and "new firms: 2" in result.output
    assert "Dry run: nothing was written." in result.output
    assert count(app, Need) == 0 and count(app, Organization) == 0 and count(app, AuditEvent) == 0
    assert suggested == []


def test_missing_required_columns_are_named(app, tmp_path, english_runner):
    path = write_csv(tmp_path / "needs.csv", [make_row("HP-100")], ["code", "description", "budget", "contact"])
    result = english_runner.invoke(args=["needs", "import", str(path)])
    assert result.exit_code == 1
    assert "Row 1: The required column “firm” (or “Tên doanh nghiệp”) is missing." in result.output
    assert "Row 1: The required column “title” (or “Tên nhu cầu”) is missing." in result.output
    assert count(app, Need) == 0


def test_a_catalogue_file_is_not_taken_for_a_needs_file(app, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text("Mã số,Tên công nghệ,Cơ quan chủ trì,Lĩnh vực,Mức độ sẵn sàng\nVAST-1,Lớp phủ,Viện X,cang-bien,7\n")
    messages = [message for _row, _column, message in problems_of(plan_file(app, path))]
    assert any("“firm”" in message for message in messages) and any("“title”" in message for message in messages)


def test_a_description_is_required_unless_the_need_is_a_draft(app, tmp_path):
    rows = [make_row("HP-110", description=""), make_row("HP-111", description="", status="draft")]
    plan = plan_file(app, write_csv(tmp_path / "needs.csv", rows, [*KEY_HEADERS, "status"]))
    [(row, column, message)] = problems_of(plan)
    assert (row, column) == (2, "description") and "only a draft need may go without one" in message
    without_column = [key for key in KEY_HEADERS if key != "description"]
    plan = plan_file(app, write_csv(tmp_path / "short.csv", [make_row("HP-112"), make_row("HP-113")], without_column))
    [(row, column, message)] = problems_of(plan)
    assert (row, column) == (1, "") and "2 rows would create or open needs without a description" in message


def test_status_and_visibility_are_read_in_both_languages(app, tmp_path):
    headers = [*KEY_HEADERS, "status", "visibility"]
    rows = [make_row("HP-120", status="closed", visibility="Nội bộ"),
            make_row("HP-121", status="Đang mở", visibility="public"),
            make_row("HP-122", status="tạm dừng", visibility="bí mật")]
    plan = plan_file(app, write_csv(tmp_path / "needs.csv", rows, headers))
    assert [(row, column) for row, column, _message in problems_of(plan)] == [(4, "status"), (4, "visibility")]
    assert [(e.values["status"], e.values["visibility"]) for e in plan.entries] == [
        (NeedStatus.CLOSED, NeedVisibility.STAFF), (NeedStatus.OPEN, NeedVisibility.PUBLIC)]


def test_needs_posted_by_firms_on_the_site_cannot_be_overwritten(app, tmp_path, create_user):
    firm = create_user("firm")
    with app.app_context():
        db.session.add(Need(code="NC-2026-001", title="Nhu cầu của doanh nghiệp", description="Mô tả.",
                            firm_id=firm.organization_id, author_id=firm.id, status=NeedStatus.OPEN))
        commit()
    before = needs_state(app)
    path = write_csv(tmp_path / "needs.csv", [make_row("NC-2026-001")])
    [(row, column, message)] = problems_of(plan_file(app, path))
    assert (row, column) == (2, "code") and "belongs to a need a firm posted on this site" in message
    assert needs_state(app) == before


def test_duplicate_codes_and_wide_rows_are_refused(app, tmp_path):
    path = tmp_path / "needs.csv"
    write_csv(path, [make_row("HP-130"), make_row("HP-130")])
    path.write_bytes(path.read_bytes() + "HP-131,Công ty X,Tên,Mô tả,,,,,extra\n".encode())
    assert [(row, column) for row, column, _message in problems_of(plan_file(app, path))] == [(3, "code"), (4, "")]


def test_formula_like_cells_are_stored_as_inert_text(app, tmp_path):
    """Cells a spreadsheet would run are stored as the text they show, never evaluated; the "'" an export puts
    in front of them is taken off (as the catalogue import does), and any export must put it back."""
    rows = [make_row("HP-140", title="'=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")",
                     description="=1+2", location="@SUM(A1)", firm="+Công ty Lạ")]
    import_file(app, write_csv(tmp_path / "needs.csv", rows))
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.title == '=HYPERLINK("http://evil.example","Bấm vào đây")'
        assert (need.description, need.location, need.firm.name) == ("=1+2", "@SUM(A1)", "+Công ty Lạ")
        assert all(guard_formula(text).startswith("'") for text in (need.title, need.description, need.firm.name))


# --- After the import ------------------------------------------------------------------------------------------

def test_suggestions_are_computed_for_the_written_needs_after_the_commit(app, tmp_path, english_runner, suggested):
    import_file(app, write_csv(tmp_path / "first.csv", [make_row("HP-150"), make_row("HP-151")]))
    rows = [make_row("HP-150", title="Tên mới"), make_row("HP-151"), make_row("HP-152")]
    result = english_runner.invoke(args=["needs", "import", str(write_csv(tmp_path / "needs.csv", rows))])
    assert result.exit_code == 0, result.output
    assert suggested == [["HP-150", "HP-152"]]
    assert "Technologies suggested for the imported needs: 6." in result.output


def test_a_failure_of_the_suggestions_keeps_the_imported_needs(app, tmp_path, english_runner, monkeypatch):
    from marketplace.suggestions import services

    def broken(needs) -> int:
        raise RuntimeError("no model")

    monkeypatch.setattr(services, "match_needs", broken, raising=False)
    result = english_runner.invoke(args=["needs", "import", str(write_csv(tmp_path / "n.csv", [make_row("HP-160")]))])
    assert result.exit_code == 0, result.output
    assert "run “flask match rebuild”" in result.output
    assert count(app, Need) == 1


def test_unreadable_files_are_refused(app, tmp_path, english_runner):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = english_runner.invoke(args=["needs", "import", str(broken)])
    assert result.exit_code == 1 and "not a real Excel workbook" in result.output


# --- Volume ----------------------------------------------------------------------------------------------------

def test_two_thousand_generated_rows_import_quickly(app, tmp_path):
    budgets = ["2 – 5 tỷ", "500 triệu", "thỏa thuận", "2.500.000.000", "từ 1 tỷ đến 3 tỷ"]
    rows = [make_row(f"GEN-{i:05d}", firm=f"Công ty số {i % 40}", budget=budgets[i % len(budgets)],
                     title=f"Nhu cầu công nghệ số {i}") for i in range(2000)]
    path = write_csv(tmp_path / "big.csv", rows, delimiter=";")
    started = time.perf_counter()
    plan = import_file(app, path)
    elapsed = time.perf_counter() - started
    assert plan.ok and plan.counts["created"] == 2000 and plan.counts["firms_created"] == 40
    assert elapsed < 20, f"2,000 rows took {elapsed:.1f} s"
    again = plan_file(app, path)
    assert again.counts["unchanged"] == 2000 and {entry.action for entry in again.entries} == {UNCHANGED}
