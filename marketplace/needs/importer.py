"""Importing firms' technology needs from the Department's spreadsheets (CSV or XLSX).

The rules of the Academy's list import (:mod:`marketplace.imports.importer`), whose reader, report types and cell
helpers this module uses:

- :func:`plan_needs_import` reads the database and writes nothing. It reports every problem (row, column as written
  in the file, reason) and says for each valid row whether it would create, update or leave a need unchanged.
- :func:`apply_needs_import` writes a plan that has no problem: it flushes, never commits (the caller does).

Needs are matched by code; firms by name, without regard to accents or case, and created when unknown. Existing
needs, firms and sectors are loaded once into dictionaries, never row by row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from marketplace.amounts import MAX_DONG, parse_dong
from marketplace.audit import record_event
from marketplace.extensions import db
from marketplace.imports.columns import Column, header_index, match_header, normalize
from marketplace.imports.importer import (
    CREATE,
    FLUSH_EVERY,
    LOOKUP_CHUNK,
    PROGRESS_EVERY,
    UNCHANGED,
    UPDATE,
    ImportRefused,
    InvalidCell,
    Problem,
    Report,
    check_layout,
    check_length,
    check_row_width,
    check_unique_code,
    clean_cell,
    comparable_text,
    fewer_collections,
    load_sectors,
    organizations_by_name,
    parse_code,
    parse_contact,
    parse_sectors,
    parse_title,
)
from marketplace.imports.reader import Table
from marketplace.models import Need, NeedStatus, NeedVisibility, Organization, OrganizationKind, Sector, User
from marketplace.models.base import utcnow
from marketplace.needs.services import close_need, open_need
from matching.text import fold_diacritics

COLUMNS: tuple[Column, ...] = (
    Column("code", _l("Code"), ("Mã nhu cầu", "Mã số", "Mã", "Mã số nhu cầu", "Số hiệu"), required=True),
    Column("firm", _l("Firm"), ("Tên doanh nghiệp", "Doanh nghiệp", "Doanh nghiệp đề xuất", "Đơn vị đề xuất",
                                "Tên đơn vị", "Đơn vị", "Công ty", "Tên công ty", "Company"), required=True),
    Column("title", _l("Title of the need"), ("Tên nhu cầu", "Nhu cầu công nghệ", "Nhu cầu", "Tên nhu cầu công nghệ",
                                              "Tên"), required=True),
    Column("description", _l("Description"), ("Mô tả nhu cầu", "Mô tả", "Mô tả chi tiết", "Nội dung nhu cầu",
                                              "Nội dung", "Mô tả vấn đề")),
    Column("sectors", _l("Sectors"), ("Lĩnh vực", "Ngành", "Các lĩnh vực", "Ngành, lĩnh vực", "Lĩnh vực ứng dụng",
                                      "Sector")),
    Column("budget", _l("Indicative budget (VND)"), ("Kinh phí dự kiến", "Kinh phí", "Ngân sách", "Ngân sách dự kiến",
                                                     "Mức đầu tư dự kiến", "Khả năng tài chính")),
    Column("location", _l("Place of deployment"), ("Địa điểm triển khai", "Địa điểm", "Địa điểm áp dụng",
                                                   "Nơi triển khai", "Địa bàn")),
    Column("contact", _l("Contact"), ("Người liên hệ", "Liên hệ", "Thông tin liên hệ", "Đầu mối liên hệ")),
    Column("desired_outcome", _l("Desired outcome"), ("Kết quả mong muốn", "Kết quả mong đợi", "Kết quả cần đạt",
                                                      "Mục tiêu")),
    Column("timeline", _l("Timeline"), ("Thời gian thực hiện", "Thời gian", "Thời gian dự kiến", "Tiến độ",
                                        "Thời hạn")),
    Column("visibility", _l("Who sees this need"), ("Chế độ hiển thị", "Hiển thị", "Phạm vi công khai")),
    Column("status", _l("Status"), ("Trạng thái", "Tình trạng")),
)
KEYS = tuple(column.key for column in COLUMNS)
HEADER_INDEX = header_index(COLUMNS)

#: Longest values accepted: the database's columns, and the need form's limits for the long texts.
MAX_LENGTHS = {"firm": 300, "description": 20000, "desired_outcome": 5000, "timeline": 200, "location": 300}
#: Free-text columns (compared without regard to "\r\n" versus "\n"; an empty cell stores None but for the
#: description, which the database holds as "").
TEXT_KEYS = ("title", "description", "desired_outcome", "timeline", "location")
#: A budget below this (one million dong) is a unit left out ("500" meant "500 triệu"), not a budget.
MIN_BUDGET = 10**6

#: Names accepted for each status and visibility besides their keys, compared through ``normalize``.
STATUS_NAMES: dict[NeedStatus, tuple[str, ...]] = {
    NeedStatus.DRAFT: ("Nháp", "Bản nháp"),
    NeedStatus.OPEN: ("Mở", "Đang mở", "Đang tìm công nghệ"),
    NeedStatus.MATCHED: ("Đã kết nối", "Đã có công nghệ"),
    NeedStatus.CLOSED: ("Đóng", "Đã đóng", "Kết thúc"),
}
VISIBILITY_NAMES: dict[NeedVisibility, tuple[str, ...]] = {
    NeedVisibility.ANONYMOUS: ("Ẩn danh", "Ẩn tên doanh nghiệp"),
    NeedVisibility.PUBLIC: ("Công khai",),
    NeedVisibility.STAFF: ("Nội bộ", "Chỉ Sở", "Department only"),
}
#: Budget cells that mean "no figure" (besides an empty cell), compared through ``normalize``.
NO_BUDGET = frozenset(normalize(text) for text in (
    "thỏa thuận", "theo thỏa thuận", "thương lượng", "chưa xác định", "chưa có", "negotiable", "to be agreed", "n/a",
))
#: Units of amounts, as folded by ``fold_diacritics``: tỷ, triệu, nghìn (ngàn), and their English names.
UNITS = {"ty": 10**9, "ti": 10**9, "billion": 10**9, "bn": 10**9, "trieu": 10**6, "tr": 10**6, "million": 10**6,
         "nghin": 10**3, "ngan": 10**3}

_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_NUMBER = r"\d(?:[\d.,\u00a0\u202f ]*\d)?"
_PIECE = re.compile(rf"\s*(?P<number>{_NUMBER})\s*(?:(?P<unit>{_UNIT})(?![a-z])\.?(?:\s*(?P<half>ruoi)(?![a-z]))?)?")
_TRAILING_CURRENCY = re.compile(r"\s*(?:dong|vnd|d)\.?$")
_ABOUT = re.compile(r"^(?:khoang|chung|tam|du kien|uoc tinh|about|around|approx\.?|approximately|~|≈)(?![a-z])\s*")
_AT_LEAST = re.compile(r"^(?:toi thieu|it nhat|tu|tren|hon|from|at least|over|above|>=|>|≥)(?![a-z])\s*")
_AT_MOST = re.compile(r"^(?:toi da|khong vuot qua|khong qua|den|toi|duoi|up to|under|below|<=|<|≤)(?![a-z])\s*")
_RANGE = re.compile(r"^(?P<low>.+?)\s*(?:-|–|—|~|(?<![a-z])(?:den|toi|to)(?![a-z]))\s*(?P<high>.+)$")
# A unit named in the budget's header: "Kinh phí (triệu đồng)", "Ngân sách (tỷ)", "Kinh phí, ĐVT: tr.đ".
_HEADER_UNIT = re.compile(rf"(?<![a-z])(?P<unit>{_UNIT})(?:\s+(?:dong|vnd|d)(?![a-z])|$)")
_PARENTHESES = re.compile(r"\(([^)]*)\)")


def need_column_for_header(header: str) -> str | None:
    """The key of the needs column a header names, or None (the ``known_header`` of the reader for needs)."""
    return match_header(header, HEADER_INDEX)


@dataclass
class NeedEntry:
    """A valid row and what importing it would do."""

    row: int
    code: str
    action: str
    values: dict[str, Any]
    firm_key: str
    sectors: list[Sector]
    need: Need | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.values.get("title") or (self.need.title if self.need else "")


@dataclass
class NeedImportPlan(Report[NeedEntry]):
    """What importing a file of needs would do: the entries of its valid rows and every problem found."""

    #: Firms the file names that do not exist yet: normalized name → name as first written.
    new_firms: dict[str, str] = field(default_factory=dict)
    #: Existing firms the file names: ``"#<id>"`` → firm.
    firms: dict[str, Organization] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {**super().counts, "firms_created": len(self.new_firms)}


# --- Planning --------------------------------------------------------------------------------------------------

def plan_needs_import(table: Table, *, progress: Callable[[int], None] | None = None) -> NeedImportPlan:
    """Validate every row of ``table`` and compare it with the needs in the database; write nothing.

    :param table: the rows read by :func:`marketplace.imports.reader.read_table` with
        ``known_header=need_column_for_header``.
    :param progress: called with a number of rows each time that many more have been checked.
    :returns: the plan; it may be applied with :func:`apply_needs_import` only when it has no problem.
    """
    with fewer_collections():
        return _plan(table, progress)


def _plan(table: Table, progress: Callable[[int], None] | None) -> NeedImportPlan:
    plan = NeedImportPlan(file_name=table.file_name, kind=table.kind, rows=len(table.rows))
    positions = check_layout(table, plan, COLUMNS, need_column_for_header)
    if "code" not in positions:
        return plan  # without codes no row can be checked against the database

    code_at = positions["code"]
    lookups = _Lookups.load([clean_cell(cells[code_at]) for _number, cells in table.rows if code_at < len(cells)])
    validator = _RowValidator(table.headers, positions, lookups, plan)
    first_row_of: dict[str, int] = {}
    undescribed = 0  # rows that would open a need without a description, in a file without that column
    for done, (number, cells) in enumerate(table.rows, start=1):
        problems_before = len(plan.problems)
        check_row_width(table, number, cells, plan)
        values, firm_key, sectors = validator.parse(number, cells)
        code = values.get("code")
        existing = lookups.needs.get(code) if code else None
        if code:
            check_unique_code(code, number, table.headers[code_at], first_row_of, plan)
            if existing is not None and existing.author_id is not None:
                # A need a firm manages on the site is the firm's: a spreadsheet must not overwrite it.
                plan.problems.append(Problem(number, table.headers[code_at], _l(
                    "The code “%(code)s” belongs to a need a firm posted on this site; the import cannot change "
                    "it. Give this row another code.", code=code)))
        status = values.get("status") or (existing.status if existing is not None else NeedStatus.OPEN)
        if "description" in positions:
            description = values.get("description")  # None: the cell was refused already
        else:
            description = existing.description if existing is not None else ""
        if status != NeedStatus.DRAFT and description is not None and not description.strip():
            if "description" in positions:
                plan.problems.append(Problem(number, table.headers[positions["description"]], _l(
                    "The description is empty: only a draft need may go without one.")))
            else:
                undescribed += 1
        if len(plan.problems) == problems_before:
            if firm_key and firm_key not in plan.firms:
                plan.new_firms.setdefault(firm_key, values["firm"])
            plan.entries.append(_entry(number, values, firm_key, sectors, lookups, plan))
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and len(table.rows) % PROGRESS_EVERY:
        progress(len(table.rows) % PROGRESS_EVERY)
    if undescribed:
        column = COLUMNS[KEYS.index("description")]
        plan.problems.append(Problem(table.header_row, "", _l(
            "The column “%(key)s” (or “%(header)s”) is missing, and %(count)d rows would create or open needs "
            "without a description (only a draft may go without one).", key=column.key, header=column.aliases[0],
            count=undescribed)))
    return plan


@dataclass
class _Lookups:
    sectors: dict[str, Sector]
    firms: dict[str, Organization | None]  # by normalized name; None: the name fits several firms
    firms_exact: dict[str, Organization]  # by name exactly as stored
    needs: dict[str, Need]

    @classmethod
    def load(cls, codes: list[str]) -> _Lookups:
        firms_exact, firms = organizations_by_name(OrganizationKind.FIRM)
        needs: dict[str, Need] = {}
        unique = sorted({code for code in codes if code})
        for start in range(0, len(unique), LOOKUP_CHUNK):
            query = (sa.select(Need).where(Need.code.in_(unique[start:start + LOOKUP_CHUNK]))
                     .options(so.selectinload(Need.sectors)))
            needs.update((need.code, need) for need in db.session.scalars(query))
        return cls(sectors=load_sectors(), firms=firms, firms_exact=firms_exact, needs=needs)


class _RowValidator:
    """Turns the cells of one row into values, recording a problem for each cell that does not fit."""

    def __init__(self, headers: list[str], positions: dict[str, int], lookups: _Lookups,
                 plan: NeedImportPlan) -> None:
        self.headers = headers
        self.positions = positions
        self.lookups = lookups
        self.plan = plan
        self.budget_unit = budget_unit(headers[positions["budget"]]) if "budget" in positions else None

    def parse(self, number: int, cells: list[str]) -> tuple[dict[str, Any], str, list[Sector]]:
        values: dict[str, Any] = {}
        firm_key, sectors = "", []
        for key, position in self.positions.items():
            text = clean_cell(cells[position]) if position < len(cells) else ""
            try:
                if key == "firm":
                    values[key], firm_key = self._firm(text)
                elif key == "sectors":
                    sectors = parse_sectors(text, self.lookups.sectors)
                    values[key] = [sector.slug for sector in sectors]
                elif key == "budget":
                    values[key] = parse_budget(text, self.budget_unit)
                else:
                    values[key] = _PARSERS[key](text)
            except InvalidCell as exc:
                self.plan.problems.append(Problem(number, self.headers[position], exc.message))
        return values, firm_key, sectors

    def _firm(self, text: str) -> tuple[str, str]:
        """(name, key): the key is ``#<id>`` for an existing firm, the normalized name otherwise."""
        name = " ".join(text.split())
        key = normalize(name)
        if not key:
            raise InvalidCell(_l("The firm is empty."))
        check_length(name, MAX_LENGTHS["firm"])
        firm = self.lookups.firms_exact.get(name) or self.lookups.firms.get(key)
        if firm is None and key in self.lookups.firms:
            raise InvalidCell(_l("“%(name)s” fits several firms: write the name exactly as the site shows it.",
                                 name=name))
        if firm is None:
            return name, key  # a new firm
        key = f"#{firm.id}"
        self.plan.firms[key] = firm
        return firm.name, key


def _entry(number: int, values: dict[str, Any], firm_key: str, sectors: list[Sector], lookups: _Lookups,
           plan: NeedImportPlan) -> NeedEntry:
    need = lookups.needs.get(values["code"])
    entry = NeedEntry(row=number, code=values["code"], action=CREATE, values=values, firm_key=firm_key,
                      sectors=sectors, need=need)
    if need is not None:
        entry.changes = _changes(need, values, plan.firms.get(firm_key), sectors)
        entry.action = UPDATE if entry.changes else UNCHANGED
    return entry


def _changes(need: Need, values: dict[str, Any], firm: Organization | None, sectors: list[Sector]) -> list[str]:
    """The keys of the columns whose value differs from ``need``'s (an empty status or visibility keeps it)."""
    changes = []
    for key in KEYS:
        if key not in values or key == "code":
            continue
        new = values[key]
        if key in TEXT_KEYS:
            same = comparable_text(getattr(need, key)) == comparable_text(new)
        elif key == "firm":
            same = firm is not None and firm.id == need.firm_id
        elif key == "sectors":
            same = {sector.id for sector in sectors} == {sector.id for sector in need.sectors}
        elif key == "budget":
            same = (need.budget_min, need.budget_max) == new
        elif key == "contact":
            current = (need.contact_name, need.contact_email, need.contact_phone)
            same = tuple(comparable_text(v) for v in current) == tuple(
                comparable_text(new.get(k)) for k in ("name", "email", "phone"))
        else:  # status, visibility
            same = new is None or getattr(need, key) == new
        if not same:
            changes.append(key)
    return changes


# --- Cells -----------------------------------------------------------------------------------------------------

def _text(key: str) -> Callable[[str], str | None]:
    def parse(text: str) -> str | None:
        check_length(text, MAX_LENGTHS[key])
        return text or (None if key != "description" else "")
    return parse


def _choice(names: dict[Any, tuple[str, ...]], unknown: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parser of a cell naming one of ``names``' keys by its value or a name; ``unknown(text)`` is the message
    for anything else. An empty cell gives None."""
    index = {normalize(name): member for member, aliases in names.items() for name in (member.value, *aliases)}

    def parse(text: str) -> Any:
        if not normalize(text):
            return None  # the default for a new need; an existing need keeps its own
        if normalize(text) not in index:
            raise InvalidCell(unknown(text))
        return index[normalize(text)]
    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "code": parse_code,
    "title": parse_title,
    "description": _text("description"),
    "desired_outcome": _text("desired_outcome"),
    "timeline": _text("timeline"),
    "location": _text("location"),
    "contact": parse_contact,
    "status": _choice(STATUS_NAMES, lambda value: _l(
        "Unknown status “%(value)s”: write draft, open, matched or closed (or nháp, mở, đã kết nối, đóng).",
        value=value)),
    "visibility": _choice(VISIBILITY_NAMES, lambda value: _l(
        "Unknown visibility “%(value)s”: write anonymous, public or staff (or ẩn danh, công khai, nội bộ).",
        value=value)),
}


def budget_unit(header: str) -> int | None:
    """The unit a budget column's header names, e.g. 10**6 for "Kinh phí dự kiến (triệu đồng)"; None if none."""
    folded = fold_diacritics(header).casefold()
    for text in (*_PARENTHESES.findall(folded), folded):
        match = _HEADER_UNIT.search(" ".join(re.sub(r"[^0-9a-z]+", " ", text).split()))
        if match:
            return UNITS[match.group("unit")]
    return None


def parse_budget(text: str, unit: int | None = None) -> tuple[int | None, int | None]:
    """A budget cell as people write it: ``(budget_min, budget_max)`` in dong.

    ``2.500.000.000`` and ``2,5 tỷ`` give ``(2_500_000_000, 2_500_000_000)``; ``2 – 5 tỷ`` and ``từ 500 triệu đến
    1 tỷ`` a range; ``từ 2 tỷ``/``trên 2 tỷ`` a lower bound only; ``đến 5 tỷ``/``dưới 5 tỷ`` an upper bound only;
    an empty cell, ``thỏa thuận`` or ``thương lượng``: ``(None, None)``.

    :param unit: the unit named in the column's header (see :func:`budget_unit`), for figures written without one.
    :raises InvalidCell: for anything else, an ambiguous figure, an amount under one million dong (a unit left out)
        or over :data:`~marketplace.amounts.MAX_DONG`, or a lower bound above the upper one.
    """
    if not normalize(text) or normalize(text) in NO_BUDGET:
        return None, None
    folded = " ".join(fold_diacritics(text).casefold().replace("₫", " dong ").split())
    folded = _ABOUT.sub("", folded)
    at_least, at_most = _AT_LEAST.match(folded), _AT_MOST.match(folded)
    if at_least:
        folded = folded[at_least.end():]
    elif at_most:
        folded = folded[at_most.end():]
    parts = _RANGE.match(folded) if not at_most else None
    if parts:
        low_pieces, high_pieces = _pieces(parts["low"], text), _pieces(parts["high"], text)
        low_unit = _first_unit(low_pieces) or _first_unit(high_pieces) or unit
        high_unit = _first_unit(high_pieces) or _first_unit(low_pieces) or unit
        low, high = _amount(low_pieces, low_unit, text), _amount(high_pieces, high_unit, text)
        if low > high:
            raise InvalidCell(_l("The budget's lower bound is above its upper bound."))
        return low, high
    pieces = _pieces(folded, text)
    amount = _amount(pieces, _first_unit(pieces) or unit, text)
    if at_least:
        return amount, None
    if at_most:
        return None, amount
    return amount, amount


def _budget_forms(value: str) -> InvalidCell:
    return InvalidCell(_l("Write the budget as an amount of dong (2.500.000.000), with a unit (2,5 tỷ; 500 triệu), "
                          "as a range (2 – 5 tỷ; từ 500 triệu đến 1 tỷ), or “thỏa thuận”; not “%(value)s”.",
                          value=value))


def _pieces(text: str, cell: str) -> list[tuple[str, int | None, bool]]:
    """``"1 ty 500 trieu dong"`` → ``[("1", 10**9, False), ("500", 10**6, False)]``: (figure, unit, "rưỡi")."""
    text = _TRAILING_CURRENCY.sub("", text.strip())
    pieces, position = [], 0
    for match in _PIECE.finditer(text):
        if match.start() != position:
            break
        pieces.append((match["number"], UNITS[match["unit"]] if match["unit"] else None, bool(match["half"])))
        position = match.end()
    if not pieces or text[position:].strip():
        raise _budget_forms(cell)
    units = [piece_unit for _number, piece_unit, _half in pieces]
    if len(pieces) > 1 and (None in units or units != sorted(set(units), reverse=True)):
        raise _budget_forms(cell)  # "1 tỷ 500": 500 what? and units must go down: "1 tỷ 500 triệu"
    return pieces


def _first_unit(pieces: list[tuple[str, int | None, bool]]) -> int | None:
    return pieces[0][1]


def _amount(pieces: list[tuple[str, int | None, bool]], unit: int | None, cell: str) -> int:
    """The amount in dong of a bound; ``unit`` applies to a single figure written without one."""
    if len(pieces) == 1 and pieces[0][1] is None and unit is None:
        amount = parse_dong(pieces[0][0])  # a plain amount of dong: 2500000000, 2.500.000.000, 2 500 000 000
        if amount is None:
            raise _budget_forms(cell)
    else:
        total = Decimal(0)
        for figure, piece_unit, half in pieces:
            scale = piece_unit or unit
            total += _decimal(figure, cell) * scale + (scale // 2 if half else 0)
        if total != total.to_integral_value():
            raise _budget_forms(cell)
        amount = int(total)
    if amount < MIN_BUDGET:
        raise InvalidCell(_l("“%(value)s” is less than one million dong: the unit was probably left out. Write it "
                             "(e.g. 500 triệu) or name it in the header (e.g. “Kinh phí dự kiến (triệu đồng)”).",
                             value=cell))
    if amount > MAX_DONG:
        raise InvalidCell(_l("“%(value)s” is more than a million billion dong: check the figure.", value=cell))
    return amount


def _decimal(figure: str, cell: str) -> Decimal:
    """A figure followed by a unit: ``2,5`` and ``2.5`` are decimals, ``1.500.000`` has thousands separators, and
    ``1.500`` or ``1,500`` (one separator, three digits) is refused as ambiguous."""
    text = figure.replace("\u00a0", " ").replace("\u202f", " ")
    if " " in text:
        if re.fullmatch(r"\d{1,3}(?: \d{3})+", text):
            return Decimal(text.replace(" ", ""))
        raise _budget_forms(cell)
    marks = {mark for mark in ".," if mark in text}
    if not marks:
        return Decimal(text)
    if len(marks) == 2:  # "1.500,5" or "1,500.5": the last mark is the decimal one
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        whole, _mark, fraction = text.rpartition(decimal_mark)
        group = re.escape("," if decimal_mark == "." else ".")
        if not re.fullmatch(rf"\d{{1,3}}(?:{group}\d{{3}})+", whole) or not fraction.isdigit():
            raise _budget_forms(cell)
        return Decimal(re.sub(r"\D", "", whole) + "." + fraction)
    mark = marks.pop()
    whole, *fractions = text.split(mark)
    if len(fractions) > 1:  # "1.500.000"
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+", text):
            return Decimal(text.replace(mark, ""))
        raise _budget_forms(cell)
    fraction = fractions[0]
    if len(fraction) == 3 and whole != "0" and len(whole) <= 3:
        raise InvalidCell(_l("“%(figure)s” in “%(value)s” may be a decimal or a number with a thousands separator: "
                             "write decimals with at most two digits (1,5 tỷ) or whole numbers without separators "
                             "(1500 triệu).", figure=figure, value=cell))
    return Decimal(f"{whole}.{fraction}")


# --- Applying --------------------------------------------------------------------------------------------------

def apply_needs_import(plan: NeedImportPlan, *, actor: User | None = None,
                       progress: Callable[[int], None] | None = None) -> list[Need]:
    """Write a plan made by :func:`plan_needs_import` in the same session: create and update needs, create the
    missing firms, record one audit event. Flushes; the caller commits.

    New needs are open unless the file gives a status, anonymous unless it gives a visibility, and have no author.
    Updated needs get only the columns that differ; a status that changes closes or opens them as the site does.
    Unchanged rows are not touched at all.

    :param actor: the staff member importing, or None from the command line.
    :param progress: called with a number of rows each time that many more have been written.
    :returns: the needs created or updated.
    :raises ImportRefused: when the plan has problems.
    """
    if not plan.ok:
        raise ImportRefused(f"{len(plan.problems)} problem(s) in {plan.file_name}")
    with fewer_collections():
        return _apply(plan, actor, progress)


def _apply(plan: NeedImportPlan, actor: User | None, progress: Callable[[int], None] | None) -> list[Need]:
    now = utcnow()
    firms = dict(plan.firms)
    for key, name in plan.new_firms.items():
        firms[key] = Organization(kind=OrganizationKind.FIRM, name=name)
        db.session.add(firms[key])
    written: list[Need] = []
    to_write = [entry for entry in plan.entries if entry.action != UNCHANGED]
    for done, entry in enumerate(to_write, start=1):
        if entry.action == CREATE:
            need = Need(code=entry.code, author=None, status=entry.values.get("status") or NeedStatus.OPEN,
                        visibility=entry.values.get("visibility") or NeedVisibility.ANONYMOUS)
            if need.status == NeedStatus.CLOSED:
                need.closed_at = now
            db.session.add(need)
            _write(need, entry, [key for key in KEYS if key in entry.values], firms)
        else:
            need = entry.need
            _write(need, entry, entry.changes, firms)
            if "status" in entry.changes:
                _change_status(need, entry.values["status"])
        written.append(need)
        if done % FLUSH_EVERY == 0:
            db.session.flush()
            if progress is not None:
                progress(FLUSH_EVERY)
    db.session.flush()
    if progress is not None and len(to_write) % FLUSH_EVERY:
        progress(len(to_write) % FLUSH_EVERY)
    counts = plan.counts
    record_event("needs.import", "import", None, actor=actor, data={
        "file": plan.file_name, "format": plan.kind, "rows": plan.rows, "created": counts["created"],
        "updated": counts["updated"], "unchanged": counts["unchanged"],
        "firms_created": sorted(plan.new_firms.values()),
    })
    return written


def _write(need: Need, entry: NeedEntry, keys: list[str], firms: dict[str, Organization]) -> None:
    for key in keys:
        if key in ("code", "status"):
            continue  # the code is the need's identity; the status is set or changed by the caller
        value = entry.values[key]
        if key == "visibility" and value is None:
            continue  # an empty cell keeps the visibility (a new need's is the default)
        if key == "firm":
            need.firm = firms[entry.firm_key]
        elif key == "sectors":
            need.sectors = list(entry.sectors)
        elif key == "contact":
            need.set_contact(value)
        elif key == "budget":
            need.budget_min, need.budget_max = value
        else:
            setattr(need, key, value)


def _change_status(need: Need, status: NeedStatus) -> None:
    """Move an existing need to ``status`` the way the site does (closing withdraws its pending suggestions)."""
    if status == NeedStatus.CLOSED:
        close_need(need, None)
    elif status == NeedStatus.OPEN and need.status in (NeedStatus.DRAFT, NeedStatus.CLOSED):
        open_need(need, None)
    else:
        need.status = status
        need.closed_at = None
