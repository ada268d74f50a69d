"""Reading an uploaded list into rows of text: CSV (UTF-8, comma, semicolon or tab) or XLSX (first worksheet).

A file that cannot be read at all is refused with :class:`FileRefused`, whose message says what to do. Whether the
rows make sense is the importer's business (:mod:`marketplace.imports.importer`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from marketplace.imports.columns import column_for_header

#: Recognises a file format's headers: the key of the column a header names, or None.
KnownHeader = Callable[[str], str | None]

#: The file formats accepted, by file-name extension.
KINDS = {".csv": "csv", ".xlsx": "xlsx"}

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 (.xls) and other old Office files

#: A workbook whose parts unpack to more than this is refused (a "zip bomb" would exhaust the memory).
XLSX_MAX_UNPACKED_BYTES = 1024 * 1024 * 1024

#: A list has at most this many rows, empty ones included (the Academy's lists hold hundreds; 50,000 import in about
#: 16 s), and a workbook is read to this many columns (the format has 17): a small workbook stretched far beyond
#: (a cell in its last column, formatting down to its last row) kept a worker busy for minutes.
MAX_ROWS = 200_000
MAX_COLUMNS = 60

#: How many rows from the top may precede the header row (a title such as "DANH MỤC CÔNG NGHỆ ...").
HEADER_SEARCH_ROWS = 10

_LINE_END = re.compile(r"\r\n|\n|\r")

SAVE_AS_CSV_UTF8 = _l("In Excel, choose File › Save As › “CSV UTF-8 (Comma delimited) (*.csv)” and upload that file.")


class FileRefused(Exception):
    """The file cannot be read as a list; the message (translatable) says why and what to do."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Table:
    """The cells of a list as text.

    :param header_row: the number of the header row as the spreadsheet shows it (1 unless a title is above it).
    :param rows: ``(row number, cells)`` for every row below the header that has a value.
    """

    file_name: str
    kind: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    #: The worksheet read, and how many the workbook has (XLSX only: only the first one is read).
    sheet_name: str | None = None
    sheet_count: int = 1


def file_kind(file_name: str) -> str:
    """``"csv"`` or ``"xlsx"`` from the file name's extension.

    :raises FileRefused: for any other extension.
    """
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix == ".xls":
        raise FileRefused(_l("This is an old Excel 97–2003 workbook (.xls). Save it as “Excel Workbook (*.xlsx)” "
                             "or as “CSV UTF-8” and upload it again."))
    if suffix not in KINDS:
        raise FileRefused(_l("Choose a CSV (.csv) or Excel (.xlsx) file."))
    return KINDS[suffix]


def read_table(data: bytes, file_name: str, known_header: KnownHeader = column_for_header) -> Table:
    """Read the rows of an uploaded list.

    :param data: the file's content.
    :param file_name: the name the file had on the user's computer; its extension selects the format.
    :param known_header: the key of the column a header names, or None (by default, the Academy's list); it finds
        the header row below a title, and the separator of a CSV.
    :raises FileRefused: when the file is empty, in another encoding, not really of its format, or has no rows.
    """
    kind = file_kind(file_name)
    if not data.strip():
        raise FileRefused(_l("The file is empty."))
    if kind == "csv":
        return _table(_csv_records(data, known_header), _base_name(file_name), kind, known_header)
    records, sheet_name, sheet_count = _xlsx_records(data)
    table = _table(records, _base_name(file_name), kind, known_header)
    table.sheet_name, table.sheet_count = sheet_name, sheet_count
    return table


def _base_name(file_name: str) -> str:
    """The file's name without any folder (some browsers send a Windows path)."""
    return PurePath(file_name.replace("\\", "/")).name


# --- CSV -------------------------------------------------------------------------------------------------------

def _csv_records(data: bytes, known_header: KnownHeader) -> list[tuple[int, list[str]]]:
    if data.startswith(ZIP_SIGNATURE):
        raise FileRefused(_l("This file is an Excel workbook with a .csv name. Rename it to .xlsx, or save it from "
                             "Excel as “CSV UTF-8”."))
    if data.startswith(OLE_SIGNATURE):
        raise FileRefused(_l("This file is an old Excel 97–2003 workbook with a .csv name. Save it from Excel as "
                             "“CSV UTF-8” and upload it again."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        # Excel's "Unicode Text" and some exports are UTF-16; the NUL bytes give them away.
        raise FileRefused(_l("The file is not in UTF-8 (it looks like UTF-16 “Unicode text”). %(advice)s",
                             advice=SAVE_AS_CSV_UTF8))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileRefused(_l("The file is not in UTF-8: it was probably saved in a Windows encoding (the first "
                             "character that is not UTF-8 is on line %(line)d). %(advice)s",
                             line=line, advice=SAVE_AS_CSV_UTF8)) from None
    if "\x00" in text:
        raise FileRefused(_l("This file is not a CSV text file."))

    # Excel writes and reads a first line "sep=;" to name the separator; it does not show that line as a row.
    first_line, _, rest = text.partition("\n")
    match = re.fullmatch(r"sep=(.)", first_line.strip())
    if match:
        delimiter, text = match.group(1), rest
    else:
        delimiter = _detect_delimiter(text, known_header)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(_lines(text), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):  # noqa: B007 - the last number is reported on error
            if number > MAX_ROWS:
                raise FileRefused(too_many_rows())
            records.append((number, cells))
    except csv.Error:
        raise FileRefused(_l("The CSV file cannot be read after row %(row)d: check the quotes in that area.",
                             row=number)) from None
    return records


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their ends, as a file opened with ``newline=""`` gives them.

    Lighter than ``io.StringIO(text)``, which would hold a second, wider copy of a large file.
    """
    start = 0
    for match in _LINE_END.finditer(text):
        yield text[start:match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def _detect_delimiter(text: str, known_header: KnownHeader) -> str:
    """The separator that turns the top rows into the most known headers (then into the most cells)."""
    best, best_score = ",", (-1, -1)
    top = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS * 4])
    for delimiter in (",", ";", "\t"):
        if delimiter not in top:
            continue
        known, widest = 0, 0
        try:
            for index, cells in enumerate(csv.reader(io.StringIO(top, newline=""), delimiter=delimiter)):
                if index >= HEADER_SEARCH_ROWS:
                    break
                known = max(known, sum(1 for cell in cells if known_header(cell)))
                widest = max(widest, len(cells))
        except csv.Error:
            continue
        if (known, widest) > best_score:
            best, best_score = delimiter, (known, widest)
    return best


# --- XLSX ------------------------------------------------------------------------------------------------------

def _xlsx_records(data: bytes) -> tuple[list[tuple[int, list[str]]], str, int]:
    import openpyxl  # imported here: only staff importing a workbook need it loaded

    if data.startswith(OLE_SIGNATURE):
        raise FileRefused(_l("This is an old Excel 97–2003 workbook (.xls) with a .xlsx name. Save it as “Excel "
                             "Workbook (*.xlsx)” or as “CSV UTF-8” and upload it again."))
    not_a_workbook = _l("This is not a real Excel workbook (.xlsx) and cannot be opened. Save it again from Excel "
                        "as “Excel Workbook (*.xlsx)”, or as “CSV UTF-8” with a .csv name.")
    if not data.startswith(ZIP_SIGNATURE):
        raise FileRefused(not_a_workbook)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNPACKED_BYTES:
                raise FileRefused(_l("This workbook is too large once unpacked. Split it into smaller files."))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on a damaged or foreign file
        raise FileRefused(not_a_workbook) from None
    try:
        if not workbook.worksheets:
            raise FileRefused(_l("The workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        # NOTE: some programs write a wrong sheet size; without this, read-only mode would believe it.
        sheet.reset_dimensions()
        records = []
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if number > MAX_ROWS:
                raise FileRefused(too_many_rows())
            records.append((number, [_cell_text(value) for value in values]))
        return records, sheet.title, len(workbook.worksheets)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet fails only while it is read
        raise FileRefused(not_a_workbook) from None
    finally:
        workbook.close()


def too_many_rows() -> Any:  # noqa: ANN401 - a lazy string
    return _l("The list has more than %(count)s rows (empty rows with formatting count too). Split it into smaller "
              "files, or delete the empty rows below the list.", count=format_decimal(MAX_ROWS))


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold: whole numbers without ".0", dates in ISO format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --- Both ------------------------------------------------------------------------------------------------------

def _table(records: list[tuple[int, list[str]]], file_name: str, kind: str, known_header: KnownHeader) -> Table:
    records = [(number, cells) for number, cells in records if any(cell.strip() for cell in cells)]
    if not records:
        raise FileRefused(_l("The file is empty."))
    # The header is the first row naming at least two known columns; rows above it are a title.
    header_index = 0
    for index, (_number, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in cells if known_header(cell)) >= 2:
            header_index = index
            break
    header_row, headers = records[header_index]
    return Table(file_name=file_name, kind=kind, header_row=header_row, headers=[h.strip() for h in headers],
                 rows=records[header_index + 1:])
