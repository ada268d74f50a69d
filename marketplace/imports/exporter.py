"""Writing the catalogue in the import format, so that importing the file back changes nothing.

Only published technologies are exported (drafts, submissions under review, rejected and archived listings are not
part of the Academy's public list, and an import publishes every row it holds). The confidential part of a listing
is never exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.extensions import db
from marketplace.imports.columns import KEYS
from marketplace.imports.importer import contact_cell, guard_formula
from marketplace.models import Technology, TechnologyStatus

#: The statuses exported.
EXPORTED_STATUSES = (TechnologyStatus.PUBLISHED,)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: Column widths (in characters) of the exported workbook; the others get 20.
_XLSX_WIDTHS = {"code": 16, "title": 50, "title_en": 40, "summary": 60, "description": 80, "institute": 40,
                "trl": 6, "contact": 40, "description_en": 60}


def technology_row(technology: Technology) -> list[Any]:
    """The cells of one technology, in the order of :data:`marketplace.imports.columns.KEYS`."""
    values: dict[str, Any] = {
        "code": technology.code,
        "title": technology.title,
        "title_en": technology.title_en or "",
        "summary": technology.summary or "",
        "description": technology.description or "",
        "institute": technology.institute.name,
        "sectors": "; ".join(sector.slug for sector in technology.sectors),
        "keywords": "; ".join(technology.keywords or []),
        "trl": technology.trl,
        "transfer_modes": "; ".join(technology.transfer_modes or []),
        "contact": contact_cell(technology.contact_name, technology.contact_email, technology.contact_phone),
        "description_en": technology.description_en or "",
        "price_min": "" if technology.price_min is None else technology.price_min,
        "price_max": "" if technology.price_max is None else technology.price_max,
        "price_negotiable": "yes" if technology.price_negotiable else "no",
        "ip_status": technology.ip_status or "",
        "applications": technology.applications or "",
    }
    # NOTE: line breaks typed in a browser arrive as "\r\n"; exported as "\n" (what an import stores), so that
    # export → import → export gives the same file.
    return [guard_formula(value.replace("\r\n", "\n").replace("\r", "\n")) if isinstance(value, str) else value
            for value in (values[key] for key in KEYS)]


def export_rows() -> Iterator[list[Any]]:
    """The header row (the column keys), then one row per exported technology, by code."""
    yield list(KEYS)
    query = (
        sa.select(Technology)
        .where(Technology.status.in_(EXPORTED_STATUSES))
        .order_by(Technology.code)
        .options(so.selectinload(Technology.sectors), so.joinedload(Technology.institute))
        .execution_options(yield_per=1000)
    )
    for technology in db.session.scalars(query):
        yield technology_row(technology)


def write_export(stream: IO[bytes], kind: str) -> int:
    """Write the export to a binary stream.

    :param kind: ``"csv"`` (UTF-8 with a BOM, so that Excel reads the accents, comma-separated) or ``"xlsx"``.
    :returns: the number of technologies written.
    """
    if kind == "csv":
        return _write_csv(stream)
    if kind == "xlsx":
        return _write_xlsx(stream)
    raise ValueError(f"unknown export format {kind!r}")


def export_bytes(kind: str) -> bytes:
    """The export as bytes (for a download)."""
    buffer = io.BytesIO()
    write_export(buffer, kind)
    return buffer.getvalue()


def _write_csv(stream: IO[bytes]) -> int:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    count = -1
    for count, row in enumerate(export_rows()):  # noqa: B007 - counts the rows
        writer.writerow(row)
    text.flush()
    text.detach()  # leave the caller's stream open
    return count


def _write_xlsx(stream: IO[bytes]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("technologies")
    for position, key in enumerate(KEYS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = _XLSX_WIDTHS.get(key, 20)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    count = -1
    for count, row in enumerate(export_rows()):
        if count == 0:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        else:
            # NOTE: control characters are not allowed in a workbook; they cannot be typed in a form anyway.
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    workbook.save(stream)
    return count
