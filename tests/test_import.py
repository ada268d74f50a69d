"""Importing the Academy's list (CSV and XLSX) and exporting the catalogue in the same format.

Real files written with csv/openpyxl, real commits. Problems are checked by row and column (and by their English
text under ``force_locale("en")``), never by Vietnamese wording.
"""

from __future__ import annotations

import csv
import io
import time
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.imports.importer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    ImportRefused,
    apply_import,
    plan_import,
)
from marketplace.imports.reader import FileRefused, read_table
from marketplace.models import (
    AuditEvent,
    Organization,
    OrganizationKind,
    Technology,
    TechnologyStatus,
    User,
    technology_sectors,
)

KEY_HEADERS = ["code", "title", "title_en", "summary", "description", "institute", "sectors", "keywords", "trl",
               "transfer_modes", "contact"]
VI_HEADERS = {"code": "Mã số", "title": "Tên công nghệ", "title_en": "Tên tiếng Anh", "summary": "Tóm tắt",
              "description": "Mô tả", "institute": "Cơ quan chủ trì", "sectors": "Lĩnh vực", "keywords": "Từ khóa",
              "trl": "Mức độ sẵn sàng", "transfer_modes": "Hình thức chuyển giao", "contact": "Liên hệ"}
INSTITUTE = "Viện Khoa học vật liệu"


def make_row(code: str = "VAST-IMS-001", **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "code": code,
        "title": f"Lớp phủ chống ăn mòn cho kết cấu thép cảng biển {code}",
        "title_en": "Anti-corrosion coating for port steel structures",
        "summary": "Lớp phủ nano bảo vệ cọc thép và cầu cảng trong môi trường nước biển.",
        "description": "Hệ sơn hai lớp gốc epoxy biến tính,\nthời gian bảo vệ trên 15 năm.",
        "institute": INSTITUTE,
        "sectors": "cang-bien; Vật liệu",
        "keywords": "ăn mòn; sơn phủ; cảng biển",
        "trl": 7,
        "transfer_modes": "license; Đào tạo",
        "contact": "TS. Trần Thị Bình; binh.tt@vast.example; 0243 756 1234",
    }
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict[str, object]], headers: list[str] | None = None, *,
              delimiter: str = ",", bom: bool = False, encoding: str = "utf-8",
              header_names: dict[str, str] | None = None) -> Path:
    headers = headers or KEY_HEADERS
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([(header_names or {}).get(key, key) for key in headers])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key in headers])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict[str, object]], headers: list[str] | None = None, *,
               header_names: dict[str, str] | None = None, title: str | None = None) -> Path:
    headers = headers or KEY_HEADERS
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append([(header_names or {}).get(key, key) for key in headers])
    for row in rows:
        sheet.append([row.get(key) for key in headers])
    workbook.save(path)
    return path


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes Vietnamese: base letters precomposed, tone marks combining."""
    letters = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        letters.append(base + "".join(c for c in parts if c in _TONE_MARKS))
    return "".join(letters).encode("cp1258")


def plan_file(app, path: Path) -> ImportPlan:
    """A dry run of ``path`` (the session is rolled back: nothing is kept)."""
    with app.app_context():
        plan = plan_import(read_table(path.read_bytes(), path.name))
        db.session.rollback()
        return plan


def import_file(app, path: Path, actor_id: int | None = None) -> ImportPlan:
    with app.app_context():
        plan = plan_import(read_table(path.read_bytes(), path.name))
        actor = db.session.get(User, actor_id) if actor_id else None
        apply_import(plan, actor=actor)
        commit()
        return plan


def problems_of(plan: ImportPlan) -> list[tuple[int, str, str]]:
    with force_locale("en"):
        return [(p.row, p.column, str(p.message)) for p in plan.problems]


def catalogue_state(app) -> dict[str, tuple]:
    """Everything an import could change, per code."""
    with app.app_context():
        state = {}
        for t in db.session.scalars(sa.select(Technology).order_by(Technology.code)):
            state[t.code] = (t.title, t.summary, t.description, t.status, t.version_id, t.updated_at, t.trl,
                             t.institute_id, t.owner_id, tuple(s.slug for s in t.sectors), tuple(t.keywords),
                             tuple(t.transfer_modes), t.contact_name, t.published_at, t.confirmed_at)
        return state


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def english_client(app, user=None):
    client = app.test_client()
    if user is not None:
        assert client.post("/auth/login", data={"email": user.email, "password": user.password}).status_code == 302
    client.post("/language/en", data={"next": "/"})
    return client


# --- Reading files ---------------------------------------------------------------------------------------------

def test_csv_import_creates_published_technologies_attributed_to_their_institute(app, tmp_path):
    path = write_csv(tmp_path / "list.csv", [make_row("VAST-IMS-001", price_min=None),
                                             make_row("VAST-IMS-002", contact="Phòng KHCN; khcn@vast.example"),
                                             make_row("VAST-IMS-003", contact="An; 0912 345 678; an@vast.example")])
    plan = import_file(app, path)
    assert plan.counts["created"] == 3 and plan.counts["institutes_created"] == 1
    with app.app_context():
        technology = db.session.scalar(sa.select(Technology).where(Technology.code == "VAST-IMS-001"))
        assert technology.status == TechnologyStatus.PUBLISHED and technology.owner_id is None
        assert technology.published_at is not None and technology.confirmed_at is not None
        assert technology.institute.name == INSTITUTE and technology.institute.kind == OrganizationKind.INSTITUTE
        assert technology.slug.startswith("lop-phu-chong-an-mon")
        assert [s.slug for s in technology.sectors] == ["cang-bien", "vat-lieu"]
        assert technology.keywords == ["ăn mòn", "sơn phủ", "cảng biển"]
        assert technology.trl == 7 and technology.transfer_modes == ["license", "training"]
        assert technology.description == "Hệ sơn hai lớp gốc epoxy biến tính,\nthời gian bảo vệ trên 15 năm."
        assert (technology.contact_name, technology.contact_email, technology.contact_phone) == (
            "TS. Trần Thị Bình", "binh.tt@vast.example", "0243 756 1234")
        second = db.session.scalar(sa.select(Technology).where(Technology.code == "VAST-IMS-002"))
        assert (second.contact_name, second.contact_email, second.contact_phone) == (
            "Phòng KHCN", "khcn@vast.example", None)
        assert second.institute_id == technology.institute_id  # one institute created, shared
        third = db.session.scalar(sa.select(Technology).where(Technology.code == "VAST-IMS-003"))
        assert (third.contact_name, third.contact_email, third.contact_phone) == (
            "An", "an@vast.example", "0912 345 678")
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "catalogue.import"))
        assert event.object_type == "import" and event.data["file"] == "list.csv"
        assert (event.data["created"], event.data["updated"], event.data["unchanged"]) == (3, 0, 0)


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_separator_is_detected_with_or_without_bom(app, tmp_path, delimiter, bom):
    rows = [make_row("A-1"), make_row("A-2", title='Tên có "ngoặc kép", dấu phẩy; và chấm phẩy')]
    plan = import_file(app, write_csv(tmp_path / "list.csv", rows, delimiter=delimiter, bom=bom))
    assert plan.ok and plan.counts["created"] == 2
    with app.app_context():
        titles = db.session.scalars(sa.select(Technology.title).order_by(Technology.code)).all()
        assert titles[1] == 'Tên có "ngoặc kép", dấu phẩy; và chấm phẩy'


def test_vietnamese_headers_are_matched_without_accents_or_case(app, tmp_path):
    headers = {"code": "MÃ SỐ", "title": "ten cong nghe", "title_en": "Tên tiếng Anh", "summary": "Tóm tắt",
               "description": "Mô tả chi tiết", "institute": "Đơn vị", "sectors": "Lĩnh vực",
               "keywords": "Từ khoá", "trl": "Mức độ sẵn sàng (TRL)", "transfer_modes": "Hình thức chuyển giao",
               "contact": "Liên hệ"}
    plan = import_file(app, write_csv(tmp_path / "ds.csv", [make_row()], header_names=headers, delimiter=";"))
    assert plan.ok and plan.counts["created"] == 1 and plan.warnings == []
    assert plan.columns["institute"] == "Đơn vị" and plan.columns["keywords"] == "Từ khoá"


def test_xlsx_with_a_title_row_numbers_and_vietnamese_headers(app, tmp_path):
    headers = ["stt", *KEY_HEADERS, "price_min", "price_negotiable"]
    names = {**VI_HEADERS, "stt": "STT", "price_min": "Giá từ", "price_negotiable": "Giá thỏa thuận"}
    rows = [make_row("X-1", stt=1, trl=6, price_min=1_500_000_000.0, price_negotiable="có"),
            make_row("X-2", stt=2, trl="TRL 8", price_min="2.000.000", price_negotiable=None)]
    path = write_xlsx(tmp_path / "danh-muc.xlsx", rows, headers, header_names=names,
                      title="DANH MỤC CÔNG NGHỆ SẴN SÀNG CHUYỂN GIAO")
    plan = import_file(app, path)
    assert plan.ok and plan.counts["created"] == 2 and plan.warnings == []
    with app.app_context():
        first, second = db.session.scalars(sa.select(Technology).order_by(Technology.code))
        assert (first.trl, first.price_min, first.price_negotiable) == (6, 1_500_000_000, True)
        assert (second.trl, second.price_min, second.price_negotiable) == (8, 2_000_000, False)


def test_sector_and_transfer_mode_names_are_accepted_in_both_languages(app, tmp_path):
    row = make_row(sectors="cang-bien; Logistics; nông nghiệp; HIGH-TECH INDUSTRY\nThuy san",
                   transfer_modes="license; Chuyển giao trọn gói; consulting; Liên doanh, liên kết; dao tao")
    other = make_row("B-2", sectors="Cảng biển, Logistics", transfer_modes="Tư vấn, Training")
    import_file(app, write_csv(tmp_path / "list.csv", [row, other]))
    with app.app_context():
        first, second = db.session.scalars(sa.select(Technology).order_by(Technology.code))
        assert {s.slug for s in second.sectors} == {"cang-bien", "logistics", "nong-nghiep", "cong-nghe-cao",
                                                     "thuy-san"}
        assert second.transfer_modes == ["license", "turnkey", "consulting", "joint_venture", "training"]
        assert {s.slug for s in first.sectors} == {"cang-bien", "logistics"}
        assert first.transfer_modes == ["consulting", "training"]


def test_existing_institutes_are_matched_by_name_or_short_name(app, tmp_path):
    with app.app_context():
        db.session.add(Organization(kind=OrganizationKind.INSTITUTE, name="Viện Hải dương học", short_name="IO"))
        commit()
    rows = [make_row("C-1", institute="IO"), make_row("C-2", institute="vien hai duong hoc"),
            make_row("C-3", institute="Viện Hải dương học (IO)")]
    plan = import_file(app, write_csv(tmp_path / "list.csv", rows))
    assert plan.counts["institutes_created"] == 0
    assert count(app, Organization) == 1


def test_a_new_institute_written_with_its_short_name_gets_both(app, tmp_path):
    with app.app_context():
        db.session.add(Organization(kind=OrganizationKind.INSTITUTE, name="Viện Cơ học"))
        commit()
    rows = [make_row("C-6", institute="Viện Hải dương học (IO)"), make_row("C-7", institute="vien hai duong hoc"),
            make_row("C-8", institute="Viện Cơ học (IMECH)"), make_row("C-9", institute="Viện Hóa học (Hà Nội)")]
    plan = import_file(app, write_csv(tmp_path / "list.csv", rows))
    assert sorted(plan.new_institutes.values()) == [("Viện Hóa học (Hà Nội)", None), ("Viện Hải dương học", "IO")]
    with app.app_context():
        institutes = {t.code: (t.institute.name, t.institute.short_name)
                      for t in db.session.scalars(sa.select(Technology))}
    assert institutes["C-6"] == institutes["C-7"] == ("Viện Hải dương học", "IO")
    assert institutes["C-8"] == ("Viện Cơ học", None)


def test_a_short_name_shared_by_two_institutes_is_refused(app, tmp_path):
    with app.app_context():
        db.session.add_all([Organization(kind=OrganizationKind.INSTITUTE, name="Viện Vật lý", short_name="IOP"),
                            Organization(kind=OrganizationKind.INSTITUTE, name="Viện Vật lý ứng dụng",
                                         short_name="IOP")])
        commit()
    plan = plan_file(app, write_csv(tmp_path / "list.csv", [make_row("C-4", institute="iop"),
                                                            make_row("C-5", institute="Viện Vật lý")]))
    problems = problems_of(plan)
    assert [(row, column) for row, column, _ in problems] == [(2, "institute")] and "several" in problems[0][2]


def test_row_numbers_are_those_the_spreadsheet_shows(app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("DANH MỤC\n\n" + ",".join(KEY_HEADERS) + "\n"
                    'R-1,Tên,,"Tóm tắt\nnhiều\ndòng",,Viện A,cang-bien,,7,,\n'
                    "\n"
                    "R-2,Tên,,,,Viện A,cang-bien,,11,,\n", encoding="utf-8")
    plan = plan_file(app, path)
    # title row 1, empty row 2, header row 3, R-1 on row 4 (one row despite its line breaks), empty row 5
    assert [(row, column) for row, column, _ in problems_of(plan)] == [(6, "trl")]


def test_unknown_columns_are_ignored_with_a_remark(app, tmp_path):
    plan = plan_file(app, write_csv(tmp_path / "l.csv", [make_row(ghi_chu="x")], [*KEY_HEADERS, "ghi_chu"]))
    assert plan.ok
    with force_locale("en"):
        assert [(w.row, w.column) for w in plan.warnings] == [(1, "ghi_chu")]
        assert "not part of the format" in str(plan.warnings[0].message)


# --- Bad input -------------------------------------------------------------------------------------------------

BAD_CELLS = [
    ("code", "", "The code is missing."),
    ("code", "VAST/2020/01", "Use letters, digits, dots, dashes and underscores only."),
    ("code", "..", "Use letters, digits, dots, dashes and underscores only."),
    ("code", "\u200b", "Use letters, digits, dots, dashes and underscores only."),
    ("title", "  ", "The title is empty."),
    ("institute", "", "The institute is empty."),
    ("sectors", "Đóng tàu vũ trụ", "Unknown sector “Đóng tàu vũ trụ”"),
    ("sectors", " ; ", "No sector is given"),
    ("trl", "0", "whole number from 1 to 9, not “0”"),
    ("trl", "10", "whole number from 1 to 9, not “10”"),
    ("trl", "bảy", "whole number from 1 to 9, not “bảy”"),
    ("trl", "7.5", "whole number from 1 to 9, not “7.5”"),
    ("trl", "", "The readiness level (TRL) is missing"),
    ("transfer_modes", "license; bán đứt", "Unknown transfer mode “bán đứt”"),
    ("price_min", "12 triệu", "whole number of dong"),
    ("price_min", "-5", "whole number of dong"),
    ("price_max", "1.5", "whole number of dong"),
    ("price_negotiable", "maybe", "Write “yes” or “no”"),
    ("contact", "An; an@example; 0912", "is not a valid email address"),
    ("contact", "An; Bình", "Write the contact as “Name; email; phone”"),
    ("contact", "An; Bình; an@vast.example", "Write the contact as “Name; email; phone”"),
]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_CELLS)
def test_each_bad_cell_is_reported_with_row_column_and_reason(app, tmp_path, column, value, reason):
    headers = [*KEY_HEADERS, "price_min", "price_max", "price_negotiable"]
    rows = [make_row("OK-1"), make_row(**{"code": "BAD-1", column: value})]
    plan = plan_file(app, write_csv(tmp_path / "list.csv", rows, headers))
    problems = problems_of(plan)
    assert len(problems) == 1, problems
    row, where, message = problems[0]
    assert (row, where) == (3, column) and reason in message


def test_problems_name_the_column_as_written_in_the_file(app, tmp_path):
    rows = [make_row("D-1", trl="mười", sectors="Vũ trụ học")]
    plan = plan_file(app, write_csv(tmp_path / "l.csv", rows, header_names=VI_HEADERS))
    assert [(row, column) for row, column, _ in problems_of(plan)] == [(2, "Lĩnh vực"), (2, "Mức độ sẵn sàng")]


def test_lower_price_above_upper_price_is_refused(app, tmp_path):
    headers = [*KEY_HEADERS, "price_min", "price_max"]
    plan = plan_file(app, write_csv(tmp_path / "l.csv", [make_row(price_min=900, price_max=100)], headers))
    assert [(row, column) for row, column, _ in problems_of(plan)] == [(2, "price_max")]


def test_duplicate_codes_within_the_file_are_refused(app, tmp_path):
    rows = [make_row("E-1"), make_row("E-2"), make_row("E-1")]
    problems = problems_of(plan_file(app, write_csv(tmp_path / "l.csv", rows)))
    assert [(row, column) for row, column, _ in problems] == [(4, "code")]
    assert "also used on row 2" in problems[0][2]


def test_missing_required_column_is_refused(app, tmp_path):
    headers = [key for key in KEY_HEADERS if key != "sectors"]
    plan = plan_file(app, write_csv(tmp_path / "l.csv", [make_row()], headers))
    problems = problems_of(plan)
    assert [(row, column) for row, column, _ in problems] == [(1, "")]
    assert "“sectors” (or “Lĩnh vực”) is missing" in problems[0][2]


def test_every_problem_of_every_row_is_reported_at_once(app, tmp_path):
    rows = [make_row("F-1", title="", trl=0), make_row("", sectors="x"), make_row("F-3"),
            make_row("F-4", institute="", transfer_modes="mua")]
    plan = plan_file(app, write_csv(tmp_path / "l.csv", rows))
    assert [(row, column) for row, column, _ in problems_of(plan)] == [
        (2, "title"), (2, "trl"), (3, "code"), (3, "sectors"), (5, "institute"), (5, "transfer_modes")]
    assert plan.counts["rejected_rows"] == 3 and plan.counts["created"] == 1


def test_a_row_wider_than_the_header_is_refused(app, tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(",".join(KEY_HEADERS) + "\nG-1,Tên,,Tóm tắt, có dấu phẩy,,Viện A,cang-bien,,7,license,An\n")
    problems = problems_of(plan_file(app, path))
    assert (2, "") in [(row, column) for row, column, _ in problems]


@pytest.mark.parametrize("encoding", ["cp1258", "cp1252", "utf-16"])
def test_csv_in_another_encoding_is_refused_with_advice(app, tmp_path, encoding):
    text = "code,title\nH-1,Công nghệ sấy thanh long\n" if encoding != "cp1252" else "code,title\nH-1,Café\n"
    path = tmp_path / "windows.csv"
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    with app.app_context(), force_locale("en"), pytest.raises(FileRefused) as refused:
        read_table(path.read_bytes(), path.name)
    assert "UTF-8" in str(refused.value) and "CSV UTF-8" in str(refused.value)


def _zip_with_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("list.xlsx", b"code,title\nI-1,Title\n", "not a real Excel workbook"),
    ("list.xlsx", bytes(range(256)) * 4, "not a real Excel workbook"),
    ("list.xlsx", _zip_with_text(), "not a real Excel workbook"),
    ("list.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "97–2003"),
    ("list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "97–2003"),
    ("list.csv", b"PK\x03\x04" + b"\0" * 100, "Excel workbook with a .csv name"),
    ("list.pdf", b"%PDF-1.7", "Choose a CSV (.csv) or Excel (.xlsx) file."),
    ("list.csv", b"   \n", "The file is empty."),
])
def test_files_that_are_not_what_they_claim_are_refused(app, name, data, reason):
    with app.app_context(), force_locale("en"), pytest.raises(FileRefused) as refused:
        read_table(data, name)
    assert reason in str(refused.value)


# --- All or nothing, upsert by code ----------------------------------------------------------------------------

def test_any_problem_means_nothing_is_written(app, tmp_path, create_technology, runner):
    existing = create_technology(imported=True, code="VAST-IMS-001", title="Tên cũ")
    before = catalogue_state(app)
    organizations = count(app, Organization)
    rows = [make_row("VAST-IMS-001", title="Tên mới"), make_row("NEW-1", institute="Viện Mới Hoàn Toàn"),
            make_row("NEW-2", trl=12)]
    path = write_csv(tmp_path / "list.csv", rows)
    with app.app_context():
        plan = plan_import(read_table(path.read_bytes(), path.name))
        assert plan.counts["updated"] == 1 and plan.counts["created"] == 1 and not plan.ok
        with pytest.raises(ImportRefused):
            apply_import(plan, actor=None)
        db.session.rollback()
    result = runner.invoke(args=["catalogue", "import", str(path)])
    assert result.exit_code == 1 and "NEW-2" not in result.output and "4" in result.output
    assert catalogue_state(app) == before and before[existing.code][0] == "Tên cũ"
    assert count(app, Organization) == organizations
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "catalogue.import")) is None


def test_importing_the_same_file_again_changes_nothing(app, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [make_row("J-1"), make_row("J-2", contact="")])
    import_file(app, path)
    before = catalogue_state(app)
    plan = import_file(app, path)
    assert (plan.counts["created"], plan.counts["updated"], plan.counts["unchanged"]) == (0, 0, 2)
    assert catalogue_state(app) == before  # neither version_id nor updated_at nor confirmed_at moved


def test_listings_managed_by_researchers_cannot_be_taken_over(app, tmp_path, create_technology, create_user):
    researcher = create_user("researcher", email="owner@test.example")
    create_technology(owner=researcher, code="K-1", status="draft", title="Bản nháp")
    create_technology(owner=researcher, code="K-2", title="Tên đã công bố")
    before = catalogue_state(app)
    rows = [make_row("K-1", title="Bản nháp"), make_row("K-2", title="Tên đã công bố, sửa lại")]
    path = write_csv(tmp_path / "l.csv", rows)
    with app.app_context(), force_locale("en"):
        plan = plan_import(read_table(path.read_bytes(), path.name))
        assert not plan.ok
        assert [(p.row, "belongs to a listing managed by a researcher" in str(p.message)) for p in plan.problems] \
            == [(2, True), (3, True)]
    assert catalogue_state(app) == before


def test_an_exported_catalogue_imports_back_with_researchers_listings_left_alone(app, tmp_path, create_technology):
    from marketplace.imports.exporter import export_bytes

    create_technology(code="K-3", title="Công nghệ của nhà khoa học")  # owned by a researcher
    create_technology(imported=True, code="K-4", title="Công nghệ trong danh mục của Viện Hàn lâm")
    with app.app_context():
        exported = export_bytes("csv")
    path = tmp_path / "export.csv"
    path.write_bytes(exported)
    with app.app_context(), force_locale("en"):
        plan = plan_import(read_table(path.read_bytes(), path.name))
        assert plan.ok, [str(p.message) for p in plan.problems]
        assert {(e.code, e.action) for e in plan.entries} == {("K-3", UNCHANGED), ("K-4", UNCHANGED)}


def test_update_of_an_imported_listing_publishes_and_keeps_its_first_publication(app, tmp_path, create_technology):
    published = create_technology(imported=True, code="K-2", title="Tên đã công bố")
    before = catalogue_state(app)
    plan = import_file(app, write_csv(tmp_path / "l.csv", [make_row("K-2", title="Tên đã công bố, sửa lại")]))
    assert [(e.code, e.action) for e in plan.entries] == [("K-2", UPDATE)]
    with app.app_context():
        second = db.session.get(Technology, published.id)
        assert second.owner_id is None and second.status == TechnologyStatus.PUBLISHED
        assert second.slug == "ten-da-cong-bo-sua-lai"
        assert second.published_at == before["K-2"][13]  # first publication kept
        assert second.confirmed_at > before["K-2"][14]
        assert second.version_id > before["K-2"][4]
        assert second.institute.name == INSTITUTE


def test_subscribers_hear_only_of_first_publications(app, tmp_path, create_user, create_technology):
    from marketplace.models import Notification, Sector, Subscription

    firm = create_user("firm")
    with app.app_context():
        sector = db.session.scalar(sa.select(Sector).where(Sector.slug == "thuy-san"))
        db.session.add(Subscription(user_id=firm.id, sectors=[sector], keywords=[]))
        commit()
    create_technology(imported=True, code="AA-1", sectors=("thuy-san",), title="Đã công bố từ trước")
    rows = [make_row("AA-1", sectors="thuy-san", title="Đã công bố, sửa tên"), make_row("AA-2", sectors="Thủy sản"),
            make_row("AA-3", sectors="cang-bien")]
    path = write_csv(tmp_path / "l.csv", rows)
    import_file(app, path)
    import_file(app, path)
    with app.app_context():
        links = db.session.scalars(sa.select(Notification.link).where(Notification.user_id == firm.id)).all()
    assert len(links) == 1 and "/AA-2/" in links[0]


def test_columns_absent_from_the_file_are_left_as_they_are(app, tmp_path, create_technology):
    technology = create_technology(imported=True, code="L-1", price_min=100_000,
                                   ip_status="Bằng độc quyền sáng chế số 123")
    import_file(app, write_csv(tmp_path / "l.csv", [make_row("L-1")]))  # no price or IP column
    with app.app_context():
        again = db.session.get(Technology, technology.id)
        assert (again.price_min, again.ip_status) == (100_000, "Bằng độc quyền sáng chế số 123")


def test_dry_run_writes_nothing(app, tmp_path, runner):
    path = write_csv(tmp_path / "list.csv", [make_row("M-1"), make_row("M-2")])
    result = runner.invoke(args=["catalogue", "import", "--dry-run", "--verbose", str(path)])
    assert result.exit_code == 0, result.output
    assert "M-1" in result.output and "M-2" in result.output
    assert count(app, Technology) == 0 and count(app, Organization) == 0 and count(app, AuditEvent) == 0


def test_cli_imports_reports_and_refuses_unreadable_files(app, tmp_path, runner):
    path = write_csv(tmp_path / "list.csv", [make_row("N-1"), make_row("N-2")])
    result = runner.invoke(args=["catalogue", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert count(app, Technology) == 2
    again = runner.invoke(args=["catalogue", "import", str(path)])
    assert again.exit_code == 0 and count(app, AuditEvent) == 1  # nothing to write: no second import recorded
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert runner.invoke(args=["catalogue", "import", str(broken)]).exit_code == 1
    cp1258 = tmp_path / "cp1258.csv"
    cp1258.write_bytes(windows_1258("code,title\nO-1,Công nghệ\n"))
    assert runner.invoke(args=["catalogue", "import", str(cp1258)]).exit_code == 1


# --- Export ----------------------------------------------------------------------------------------------------

def _varied_catalogue(app, tmp_path, create_technology) -> None:
    """Imported technologies with every column, plus researchers' listings typed in forms."""
    headers = [*KEY_HEADERS, "description_en", "price_min", "price_max", "price_negotiable", "ip_status",
               "applications"]
    rows = [
        make_row("P-1", description_en="Two-coat system.", price_min=500_000_000, price_max=900_000_000,
                 price_negotiable="no", ip_status="Bằng độc quyền sáng chế số 12345", applications="Cảng Đình Vũ"),
        make_row("P-2", title="=HYPERLINK(\"http://evil.example\",\"Bấm vào\")", summary="-cmd|' /C calc'!A0",
                 description="Mô tả", keywords="@SUM; +1", price_negotiable="yes", contact="0912345678",
                 title_en=None, transfer_modes=""),
        make_row("P-3", institute="Viện Cơ học", sectors="Bán dẫn", contact="Nguyễn An",
                 description="- gạch đầu dòng\n- dòng thứ hai"),
    ]
    import_file(app, write_csv(tmp_path / "seed.csv", rows, headers))
    create_technology(imported=True, code="Q-1", title="Công nghệ của nhà khoa học", keywords=["IoT", "cảng"],
                      transfer_modes=["training", "license"], contact_name="TS. Lê Văn C",
                      contact_phone="(0225) 3 123 456", description="Dòng một\r\nDòng hai")
    create_technology(code="Q-2", status="draft", title="Bản nháp không xuất",
                      confidential_details="BÍ MẬT KỸ THUẬT")
    create_technology(imported=True, code="Q-3", confidential_details="CHI TIẾT BẢO MẬT",
                      confidential_price_terms="GIÁ BẢO MẬT",
                      description="'=đã có dấu nháy")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(app, tmp_path, runner, create_technology, suffix):
    _varied_catalogue(app, tmp_path, create_technology)
    before = catalogue_state(app)
    path = tmp_path / f"export.{suffix}"
    result = runner.invoke(args=["catalogue", "export", str(path)])
    assert result.exit_code == 0, result.output
    plan = plan_file(app, path)
    assert plan.ok and plan.warnings == []
    assert sorted(e.code for e in plan.entries) == ["P-1", "P-2", "P-3", "Q-1", "Q-3"]  # no draft
    assert {e.action for e in plan.entries} == {UNCHANGED}
    assert runner.invoke(args=["catalogue", "import", str(path)]).exit_code == 0
    assert catalogue_state(app) == before


def _xlsx_values(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_imported_into_an_empty_catalogue_exports_the_same(app, tmp_path, runner, create_technology, suffix):
    _varied_catalogue(app, tmp_path, create_technology)
    first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"
    assert runner.invoke(args=["catalogue", "export", str(first)]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.delete(technology_sectors))
        db.session.execute(sa.delete(Technology))
        commit()
    result = runner.invoke(args=["catalogue", "import", str(first)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["catalogue", "export", str(second)]).exit_code == 0
    if suffix == "csv":
        assert first.read_bytes() == second.read_bytes()
    else:
        assert _xlsx_values(first) == _xlsx_values(second)


def test_export_guards_formulas_and_leaves_out_confidential_parts(app, tmp_path, runner, create_technology):
    _varied_catalogue(app, tmp_path, create_technology)
    path = tmp_path / "export.csv"
    runner.invoke(args=["catalogue", "export", str(path)])
    text = path.read_text(encoding="utf-8-sig")
    assert "BÍ MẬT" not in text and "BẢO MẬT" not in text and "Bản nháp không xuất" not in text
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert list(rows["P-1"]) == [*KEY_HEADERS, "description_en", "price_min", "price_max", "price_negotiable",
                                 "ip_status", "applications"]
    assert rows["P-2"]["title"].startswith("'=HYPERLINK") and rows["P-2"]["summary"].startswith("'-cmd")
    assert rows["Q-3"]["description"] == "''=đã có dấu nháy" and rows["P-2"]["keywords"] == "'@SUM; +1"
    assert rows["P-3"]["description"].startswith("'- gạch")  # "- 1+cmd|…" would run: every "-" is guarded
    assert rows["P-1"]["sectors"] == "cang-bien; vat-lieu" and rows["P-1"]["price_min"] == "500000000"
    assert rows["Q-1"]["contact"] == "TS. Lê Văn C; (0225) 3 123 456"
    assert rows["Q-1"]["description"] == "Dòng một\nDòng hai"
    assert rows["P-2"]["contact"] == "0912345678" and rows["P-3"]["contact"] == "Nguyễn An"


# --- Staff pages -----------------------------------------------------------------------------------------------

def test_staff_upload_preview_confirm_and_the_catalogue_shows_it(app, tmp_path, create_user, create_technology):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    create_technology(imported=True, code="S-2", title="Tên trước khi nhập")
    staff = create_user("staff")
    client = english_client(app, staff)
    path = write_xlsx(tmp_path / "Danh mục VAST.xlsx", [make_row("S-1", title="Phao quan trắc nước biển tự động"),
                                                         make_row("S-2", title="Tên sau khi nhập")],
                      header_names=VI_HEADERS)
    response = client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/catalogue/import/preview")
    stored = list((tmp_path / "waiting").iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".xlsx" and "Danh" not in stored[0].name
    page = client.get("/catalogue/import/preview").get_data(as_text=True)
    assert "Danh mục VAST.xlsx" in page and "technologies to create" in page
    assert 'id="import-created"' in page and "S-1" in page and 'id="import-updated"' in page
    assert INSTITUTE in page and 'id="import-confirm"' in page
    assert count(app, Technology) == 1  # the preview wrote nothing
    response = client.post("/catalogue/import/confirm", data={"upload": stored[0].name})
    assert response.status_code == 302
    assert list((tmp_path / "waiting").iterdir()) == []
    assert "Technologies created: 1, updated: 1, unchanged: 0." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "catalogue.import"))
        assert event.actor_id == staff.id and event.data["file"] == "Danh mục VAST.xlsx"
    visitor = english_client(app)
    catalogue = visitor.get("/technologies").get_data(as_text=True)
    assert "Phao quan trắc nước biển tự động" in catalogue and "Tên sau khi nhập" in catalogue
    with app.app_context():
        technology = db.session.scalar(sa.select(Technology).where(Technology.code == "S-1"))
        slug = technology.slug
    assert visitor.get(f"/technologies/S-1/{slug}").status_code == 200


@pytest.mark.parametrize("role", ["firm", "researcher"])
def test_only_staff_may_import(app, tmp_path, create_user, role):
    client = english_client(app, create_user(role))
    path = write_csv(tmp_path / "list.csv", [make_row()])
    assert client.get("/catalogue/import/").status_code == 403
    response = client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert client.post("/catalogue/import/confirm").status_code == 403
    assert client.get("/catalogue/import/export.xlsx").status_code == 403
    assert count(app, Technology) == 0


def test_preview_lists_every_problem_and_offers_no_confirmation(app, tmp_path, create_user):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    client = english_client(app, create_user("staff"))
    rows = [make_row("T-1"), make_row("T-2", trl=15), make_row("T-1", sectors="Không tồn tại")]
    path = write_csv(tmp_path / "list.csv", rows, header_names=VI_HEADERS)
    client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                content_type="multipart/form-data")
    page = client.get("/catalogue/import/preview").get_data(as_text=True)
    assert "problems found: 3, rows concerned: 2" in page and "Nothing has been written" in page
    assert "<td>3</td><td>Mức độ sẵn sàng</td>" in page and "<td>4</td><td>Lĩnh vực</td>" in page
    assert "<td>4</td><td>Mã số</td>" in page
    assert 'id="import-confirm"' not in page
    stored = next((tmp_path / "waiting").iterdir()).name
    response = client.post("/catalogue/import/confirm", data={"upload": stored})
    assert response.status_code == 200 and "no longer passes the checks" in response.get_data(as_text=True)
    assert count(app, Technology) == 0 and count(app, Organization) == 1  # the staff member's department only


def test_confirmation_checks_the_file_again(app, tmp_path, create_user):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    client = english_client(app, create_user("staff"))
    path = write_csv(tmp_path / "list.csv", [make_row("U-1")])
    client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                content_type="multipart/form-data")
    stored = next((tmp_path / "waiting").iterdir())
    write_csv(stored, [make_row("U-1", trl="")])  # the stored file no longer passes
    response = client.post("/catalogue/import/confirm", data={"upload": stored.name})
    assert "no longer passes the checks" in response.get_data(as_text=True)
    assert count(app, Technology) == 0


def test_a_preview_from_an_earlier_upload_cannot_be_confirmed(app, tmp_path, create_user):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    client = english_client(app, create_user("staff"))
    path = write_csv(tmp_path / "list.csv", [make_row("V-1")])
    client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                content_type="multipart/form-data")
    response = client.post("/catalogue/import/confirm", data={"upload": "0" * 32 + ".csv"})
    assert response.headers["Location"].endswith("/catalogue/import/preview")
    assert count(app, Technology) == 0


def test_confirmation_without_a_valid_csrf_token_imports_nothing(make_app, tmp_path, create_user):
    from tests.conftest import csrf_token

    app = make_app(WTF_CSRF_ENABLED=True, IMPORT_DIR=str(tmp_path / "waiting"))
    staff = create_user("staff")
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": staff.email, "password": staff.password, "csrf_token": token})
    token = csrf_token(client.get("/catalogue/import/").get_data(as_text=True))
    path = write_csv(tmp_path / "list.csv", [make_row("CS-1")])
    response = client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name), "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    stored = next((tmp_path / "waiting").iterdir()).name
    response = client.post("/catalogue/import/confirm", data={"upload": stored, "csrf_token": "stale"})
    assert response.status_code == 200 and 'id="import-confirm"' in response.get_data(as_text=True)
    assert count(app, Technology) == 0
    token = csrf_token(response.get_data(as_text=True))
    assert client.post("/catalogue/import/confirm", data={"upload": stored, "csrf_token": token}).status_code == 302
    assert count(app, Technology) == 1


@pytest.mark.parametrize(("name", "data", "limit", "reason"), [
    ("list.csv", b"code,title\n" + b"x" * 300, 200, "The file is larger than"),
    ("list.txt", b"code,title\n", None, "Choose a CSV (.csv) or Excel (.xlsx) file."),
    ("list.xlsx", b"code,title\nW-1,Title\n", None, "not a real Excel workbook"),
    ("list.csv", windows_1258("code,title\nW-1,Công nghệ\n"), None, "CSV UTF-8"),
])
def test_upload_form_refuses_bad_files(app, tmp_path, create_user, name, data, limit, reason):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    if limit:
        app.config["IMPORT_MAX_BYTES"] = limit
    client = english_client(app, create_user("staff"))
    response = client.post("/catalogue/import/", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and reason in response.get_data(as_text=True)
    assert not (tmp_path / "waiting").exists() or list((tmp_path / "waiting").iterdir()) == []


def test_cancel_deletes_the_uploaded_file(app, tmp_path, create_user):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    client = english_client(app, create_user("staff"))
    path = write_csv(tmp_path / "list.csv", [make_row("Y-1")])
    client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                content_type="multipart/form-data")
    assert len(list((tmp_path / "waiting").iterdir())) == 1
    assert client.post("/catalogue/import/cancel").status_code == 302
    assert list((tmp_path / "waiting").iterdir()) == []
    assert client.get("/catalogue/import/preview").status_code == 302


def test_staff_download_the_catalogue_in_the_import_format(app, tmp_path, create_user, create_technology):
    create_technology(imported=True, code="Z-1", title="Công nghệ để tải về")
    client = english_client(app, create_user("staff"))
    response = client.get("/catalogue/import/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "download.xlsx"
    path.write_bytes(response.data)
    assert _xlsx_values(path)[1][:2] == ("Z-1", "Công nghệ để tải về")
    upload_page = client.get("/catalogue/import/").get_data(as_text=True)
    assert 'id="export-csv"' in upload_page and "Mức độ sẵn sàng" in upload_page


# --- Volume ----------------------------------------------------------------------------------------------------

def generated_rows(n: int) -> list[dict[str, object]]:
    sectors = ["cang-bien", "logistics", "Công nghiệp công nghệ cao", "Agriculture", "thuy-san; moi-truong"]
    modes = ["license", "turnkey; training", "Tư vấn", "joint_venture; license"]
    return [make_row(f"GEN-{i:05d}", title=f"Công nghệ thử nghiệm số {i}", institute=f"Viện số {i % 12}",
                     sectors=sectors[i % len(sectors)], transfer_modes=modes[i % len(modes)], trl=1 + i % 9,
                     keywords=f"từ khóa {i % 50}; chung")
            for i in range(n)]


def test_two_thousand_generated_rows_import_quickly(app, tmp_path):
    path = write_csv(tmp_path / "big.csv", generated_rows(2000), delimiter=";")
    started = time.perf_counter()
    plan = import_file(app, path)
    elapsed = time.perf_counter() - started
    assert plan.ok and plan.counts["created"] == 2000 and plan.counts["institutes_created"] == 12
    assert count(app, Technology) == 2000
    assert elapsed < 20, f"2,000 rows took {elapsed:.1f} s"
    again = plan_file(app, path)
    assert again.counts["unchanged"] == 2000 and {e.action for e in again.entries} == {UNCHANGED}
    assert CREATE not in {e.action for e in again.entries}


def test_problems_quoting_the_file_are_shown_as_text(app, tmp_path, create_user):
    app.config["IMPORT_DIR"] = str(tmp_path / "waiting")
    client = english_client(app, create_user("staff"))
    path = write_csv(tmp_path / "list.csv", [make_row("H-1", sectors="<img src=x onerror=alert(1)>", trl="<svg>")])
    assert client.post("/catalogue/import/", data={"file": (path.open("rb"), path.name)},
                       content_type="multipart/form-data").status_code == 302
    page = client.get("/catalogue/import/preview").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page and "<svg>" not in page


def test_a_workbook_stretched_far_beyond_its_list_is_read_quickly_or_refused(app, tmp_path, monkeypatch):
    from marketplace.imports import reader

    path = write_xlsx(tmp_path / "stretched.xlsx", [make_row("W-1"), make_row("W-2")])
    workbook = openpyxl.load_workbook(path)
    workbook.active.cell(row=3, column=16384, value="x")  # the last column Excel has
    workbook.save(path)
    table = read_table(path.read_bytes(), path.name)
    assert [len(cells) for _number, cells in table.rows] == [reader.MAX_COLUMNS] * 2
    monkeypatch.setattr(reader, "MAX_ROWS", 2)
    with app.app_context(), force_locale("en"), pytest.raises(FileRefused, match="more than 2 rows"):
        read_table(path.read_bytes(), path.name)
    csv_path = write_csv(tmp_path / "long.csv", [make_row("W-1"), make_row("W-2")])
    with app.app_context(), force_locale("en"), pytest.raises(FileRefused, match="more than 2 rows"):
        read_table(csv_path.read_bytes(), csv_path.name)
