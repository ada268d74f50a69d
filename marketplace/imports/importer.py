"""Importing the Academy's list: validate every row, compare it with the catalogue, then write all of it or nothing.

Two steps, so that the dry run, the staff preview and the real import share one code path:

- :func:`plan_import` reads nothing but the database and writes nothing. It reports every problem (row, column as
  written in the file, reason) and says for each valid row whether it would be created, updated or left unchanged.
- :func:`apply_import` writes a plan that has no problem: it flushes, never commits (the caller does).

Existing technologies, institutes and sectors are loaded once into dictionaries, never row by row.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from marketplace.amounts import MAX_DONG, parse_dong
from marketplace.audit import record_event
from marketplace.catalogue.vocab import TRANSFER_MODE_NAMES
from marketplace.codes import CODE_PATTERN
from marketplace.extensions import db
from marketplace.forms import split_list
from marketplace.imports.columns import COLUMNS, IGNORED_HEADERS, KEYS, Column, column_for_header, normalize
from marketplace.imports.reader import KnownHeader, Table
from marketplace.models import Organization, OrganizationKind, Sector, Technology, TechnologyStatus, User
from marketplace.models.base import utcnow
from matching.text import slugify

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTIONS = (CREATE, UPDATE, UNCHANGED)

#: Rows written between two flushes (and between two steps of a progress bar).
FLUSH_EVERY = 1000
#: Rows checked between two steps of a progress bar.
PROGRESS_EVERY = 250
#: Codes looked up per query (well under every database's limit of bound parameters).
LOOKUP_CHUNK = 500

#: Longest values the database columns hold.
MAX_LENGTHS = {"code": 40, "title": 300, "title_en": 300, "institute": 300, "contact_name": 200,
               "contact_email": 254, "contact_phone": 40}
#: The largest price accepted (a thousand billion dong); anything above is a typing slip.
MAX_PRICE = MAX_DONG

#: Free-text columns (compared without regard to "\r\n" versus "\n").
TEXT_KEYS = ("title", "title_en", "summary", "description", "description_en", "ip_status", "applications")

#: Characters that make a spreadsheet read a cell as a formula; exports put "'" before them (see exporter).
FORMULA_STARTS = ("=", "+", "-", "@")

_NAME_WITH_SHORT_NAME = re.compile(r"(?P<name>.+?)\s*\((?P<short>[A-Z0-9][A-Z0-9&.\-]{0,19})\)")
_EMAIL = re.compile(r"[^@\s;]+@[^@\s;]+\.[^@\s;]+")
_PHONE = re.compile(r"\+?[\d\s().\-/]+")
_TRL = re.compile(r"(?:TRL[\s:\-]*)?(\d+)(?:[.,]0+)?", re.IGNORECASE)
_YES = frozenset({"yes", "y", "true", "1", "x", "co", "thoa thuan", "negotiable"})
_NO = frozenset({"", "no", "n", "false", "0", "khong", "k"})


class ImportRefused(Exception):
    """An attempt to apply a plan that has problems."""


@dataclass
class Problem:
    """Something wrong in the file.

    :param row: the row as the spreadsheet numbers it (the header is row 1).
    :param column: the column's header as written in the file; empty when the problem concerns the whole row.
    :param message: the reason, translatable.
    """

    row: int
    column: str
    message: Any

    def __str__(self) -> str:
        where = f"{self.row}" + (f" [{self.column}]" if self.column else "")
        return f"{where}: {self.message}"


EntryT = TypeVar("EntryT")


@dataclass
class Report(Generic[EntryT]):
    """What checking a file found: an entry per valid row (each with its ``action``), every problem, and remarks.

    The base of the plans of every import (the Academy's list here, firms' needs in :mod:`marketplace.needs.importer`).
    """

    file_name: str
    kind: str
    rows: int = 0
    entries: list[EntryT] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: The columns found: key → header as written.
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def entries_for(self, action: str) -> list[EntryT]:
        return [entry for entry in self.entries if entry.action == action]

    @property
    def counts(self) -> dict[str, int]:
        counts = {action: 0 for action in ACTIONS}
        for entry in self.entries:
            counts[entry.action] += 1
        return {"rows": self.rows, "created": counts[CREATE], "updated": counts[UPDATE],
                "unchanged": counts[UNCHANGED], "problems": len(self.problems),
                "rejected_rows": len({p.row for p in self.problems})}


@dataclass
class Entry:
    """A valid row and what importing it would do."""

    row: int
    code: str
    action: str
    values: dict[str, Any]
    institute_key: str
    sectors: list[Sector]
    technology: Technology | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.values.get("title") or (self.technology.title if self.technology else "")


@dataclass
class ImportPlan(Report[Entry]):
    """What importing a file would do: the entries of its valid rows and every problem found."""

    #: Institutes the file names that do not exist yet: normalized name → (name, short name) as first written.
    new_institutes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    #: Existing institutes the file names: ``"#<id>"`` → institute.
    institutes: dict[str, Organization] = field(default_factory=dict)

    def institute_of(self, entry: Entry) -> Organization | None:
        """The existing institute an entry names, or None when the import would create it."""
        return self.institutes.get(entry.institute_key)

    @property
    def counts(self) -> dict[str, int]:
        return {**super().counts, "institutes_created": len(self.new_institutes)}


class InvalidCell(Exception):
    """Raised by the cell parsers: the cell does not fit its column; the message (translatable) says why."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


# --- Planning --------------------------------------------------------------------------------------------------

_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a large file is checked or written.

    NOTE: an import creates millions of objects that all live until it ends; with the default thresholds the
    collector scans them again and again, which doubled the time of a 50,000-row import (bench/import_50k.py).
    Counted, so that imports running in two threads restore the thresholds only when both are done.
    """
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], 100_000), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


def plan_import(table: Table, *, progress: Callable[[int], None] | None = None) -> ImportPlan:
    """Validate every row of ``table`` and compare it with the catalogue; write nothing.

    :param table: the rows read by :func:`marketplace.imports.reader.read_table`.
    :param progress: called with a number of rows each time that many more have been checked.
    :returns: the plan; it may be applied with :func:`apply_import` only when it has no problem.
    """
    with fewer_collections():
        return _plan(table, progress)


def _plan(table: Table, progress: Callable[[int], None] | None) -> ImportPlan:
    plan = ImportPlan(file_name=table.file_name, kind=table.kind, rows=len(table.rows))
    positions = check_layout(table, plan)
    if "code" not in positions:
        return plan  # without codes no row can be checked against the catalogue

    code_at = positions["code"]
    codes = [clean_cell(cells[code_at]) for _number, cells in table.rows if code_at < len(cells)]
    lookups = _Lookups.load(codes)
    validator = _RowValidator(table.headers, positions, lookups, plan)
    first_row_of: dict[str, int] = {}
    for done, (number, cells) in enumerate(table.rows, start=1):
        problems_before = len(plan.problems)
        check_row_width(table, number, cells, plan)
        values, institute_key, sectors = validator.parse(number, cells)
        code = values.get("code")
        if code:
            check_unique_code(code, number, table.headers[code_at], first_row_of, plan)
        if len(plan.problems) == problems_before:
            entry = _entry(number, values, institute_key, sectors, lookups, plan)
            existing = entry.technology
            if existing is not None and entry.action != UNCHANGED and (
                    existing.owner_id is not None or existing.status in (TechnologyStatus.DRAFT,
                                                                        TechnologyStatus.SUBMITTED)):
                # The official list must not take over (or publish unreviewed) a listing a researcher manages;
                # a row that leaves it as it is (an exported catalogue imported back) is fine.
                plan.problems.append(Problem(number, table.headers[code_at], _l(
                    "The code “%(code)s” belongs to a listing managed by a researcher on this site; the import "
                    "cannot change it. Check the code with the Academy, or archive that listing first.", code=code)))
            else:
                if institute_key and institute_key not in plan.institutes:
                    plan.new_institutes.setdefault(institute_key,
                                                   (values["institute"], values.get("institute_short")))
                plan.entries.append(entry)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and len(table.rows) % PROGRESS_EVERY:
        progress(len(table.rows) % PROGRESS_EVERY)
    return plan


def check_layout(table: Table, plan: Report, columns: tuple[Column, ...] = COLUMNS,
                 known_header: KnownHeader = column_for_header) -> dict[str, int]:
    """Map the header row to the format's columns and check the file as a whole.

    Records in ``plan`` problems for missing required columns, repeated columns and a file without rows, and
    remarks for unknown columns and ignored worksheets.

    :param columns: the columns of the file format.
    :param known_header: the key of the column a header names, or None.
    :returns: key → position of its column.
    """
    if table.sheet_count > 1:
        plan.warnings.append(Problem(table.header_row, "", _l(
            "Only the first worksheet, “%(sheet)s”, is read; the other worksheets are ignored.",
            sheet=table.sheet_name)))
    if not table.rows:
        plan.problems.append(Problem(table.header_row, "", _l("The file has no rows below the header row.")))
    positions: dict[str, int] = {}
    for position, header in enumerate(table.headers):
        if not normalize(header):
            continue
        key = known_header(header)
        if key is None:
            if normalize(header) not in IGNORED_HEADERS:
                plan.warnings.append(Problem(table.header_row, header, _l(
                    "This column is not part of the format and is ignored.")))
        elif key in positions:
            plan.problems.append(Problem(table.header_row, header, _l(
                "This column means the same as the column “%(other)s”; keep only one of them.",
                other=table.headers[positions[key]])))
        else:
            positions[key] = position
            plan.columns[key] = header
    for column in columns:
        if column.required and column.key not in positions:
            plan.problems.append(Problem(table.header_row, "", _l(
                "The required column “%(key)s” (or “%(header)s”) is missing.", key=column.key,
                header=column.aliases[0])))
    return positions


def check_row_width(table: Table, number: int, cells: list[str], plan: Report) -> None:
    """A problem in ``plan`` when row ``number`` has values beyond the header's last column."""
    if any(cell.strip() for cell in cells[len(table.headers):]):
        plan.problems.append(Problem(number, "", _l(
            "This row has more cells than the header row has columns: check the separators and the quotes.")))


def check_unique_code(code: str, number: int, header: str, first_row_of: dict[str, int], plan: Report) -> None:
    """A problem in ``plan`` when ``code`` was already used on an earlier row (``first_row_of`` remembers them)."""
    if code in first_row_of:
        plan.problems.append(Problem(number, header, _l(
            "The code “%(code)s” is also used on row %(row)d.", code=code, row=first_row_of[code])))
    else:
        first_row_of[code] = number


def load_sectors() -> dict[str, Sector]:
    """Every sector by its normalized code, Vietnamese name and English name, for :func:`parse_sectors`."""
    sectors: dict[str, Sector] = {}
    for sector in db.session.scalars(sa.select(Sector)):
        for name in (sector.slug, sector.name_vi, sector.name_en):
            sectors[normalize(name)] = sector
    return sectors


def organizations_by_name(kind: OrganizationKind) -> tuple[dict[str, Organization], dict[str, Organization | None]]:
    """The organizations of one kind by name, to recognise them in a file.

    :returns: by name exactly as stored; and by normalized name, display name or short name — a full name wins
        over a short one, and a name that fits several organizations maps to None.
    """
    organizations = db.session.scalars(
        sa.select(Organization).where(Organization.kind == kind).order_by(Organization.id)).all()
    exact = {organization.name: organization for organization in organizations}
    folded: dict[str, Organization | None] = {}
    for names in ([o.name for o in organizations], [o.display_name for o in organizations],
                  [o.short_name for o in organizations]):
        level: dict[str, Organization | None] = {}
        for organization, name in zip(organizations, names, strict=True):
            if name:
                key = normalize(name)
                level[key] = None if level.get(key, organization) is not organization else organization
        for key, organization in level.items():
            folded.setdefault(key, organization)
    return exact, folded


@dataclass
class _Lookups:
    sectors: dict[str, Sector]
    institutes: dict[str, Organization | None]  # by normalized name; None: the name fits several institutes
    institutes_exact: dict[str, Organization]  # by name exactly as stored
    technologies: dict[str, Technology]
    transfer_modes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, codes: list[str]) -> _Lookups:
        sectors = load_sectors()
        institutes_exact, institutes = organizations_by_name(OrganizationKind.INSTITUTE)
        technologies: dict[str, Technology] = {}
        unique = sorted({code for code in codes if code})
        for start in range(0, len(unique), LOOKUP_CHUNK):
            query = (sa.select(Technology).where(Technology.code.in_(unique[start:start + LOOKUP_CHUNK]))
                     .options(so.selectinload(Technology.sectors)))
            technologies.update((technology.code, technology) for technology in db.session.scalars(query))
        modes: dict[str, str] = {normalize("licence"): "license"}
        for mode, names in TRANSFER_MODE_NAMES.items():
            for name in (mode.value, *names):
                modes[normalize(name)] = mode.value
        return cls(sectors=sectors, institutes=institutes, institutes_exact=institutes_exact,
                   technologies=technologies, transfer_modes=modes)


class _RowValidator:
    """Turns the cells of one row into values, recording a problem for each cell that does not fit."""

    def __init__(self, headers: list[str], positions: dict[str, int], lookups: _Lookups, plan: ImportPlan) -> None:
        self.headers = headers
        self.positions = positions
        self.lookups = lookups
        self.plan = plan

    def parse(self, number: int, cells: list[str]) -> tuple[dict[str, Any], str, list[Sector]]:
        values: dict[str, Any] = {}
        institute_key, sectors = "", []
        for key, position in self.positions.items():
            text = clean_cell(cells[position]) if position < len(cells) else ""
            try:
                if key == "institute":
                    values[key], values["institute_short"], institute_key = self._institute(text)
                elif key == "sectors":
                    sectors = self._sectors(text)
                    values[key] = [sector.slug for sector in sectors]
                elif key == "transfer_modes":
                    values[key] = self._transfer_modes(text)
                else:
                    values[key] = _PARSERS[key](text)
            except InvalidCell as exc:
                self.plan.problems.append(Problem(number, self.headers[position], exc.message))
        low, high = values.get("price_min"), values.get("price_max")
        if low is not None and high is not None and high < low:
            self.plan.problems.append(Problem(number, self.headers[self.positions["price_max"]], _l(
                "The upper price must not be lower than the lower one.")))
        return values, institute_key, sectors

    def _institute(self, text: str) -> tuple[str, str | None, str]:
        """(name, short name, key): the key is ``#<id>`` for an existing institute, the normalized name otherwise."""
        name = " ".join(text.split())
        key = normalize(name)
        if not key:
            raise InvalidCell(_l("The institute is empty."))
        check_length(name, MAX_LENGTHS["institute"])
        short = None
        match = _NAME_WITH_SHORT_NAME.fullmatch(name)
        if match and key not in self.lookups.institutes and name not in self.lookups.institutes_exact:
            # "Viện Hải dương học (IO)": a name and a short name, as the site writes them.
            name, short, key = match.group("name"), match.group("short"), normalize(match.group("name"))
            if normalize(short) in self.lookups.institutes:
                short = None  # already another institute's short name
        institute = self.lookups.institutes_exact.get(name) or self.lookups.institutes.get(key)
        if institute is None and key in self.lookups.institutes:
            raise InvalidCell(_l("“%(name)s” fits several institutes: write the full name exactly as the site shows "
                                 "it.", name=name))
        if institute is None:
            return name, short, key  # a new institute
        key = f"#{institute.id}"
        self.plan.institutes[key] = institute
        return institute.name, None, key

    def _sectors(self, text: str) -> list[Sector]:
        found = parse_sectors(text, self.lookups.sectors)
        if not found:
            raise InvalidCell(_l("No sector is given: name at least one."))
        return found

    def _transfer_modes(self, text: str) -> list[str]:
        modes: list[str] = []
        for item in split_items(text):
            mode = self.lookups.transfer_modes.get(normalize(item))
            parts = [mode] if mode else [self.lookups.transfer_modes.get(normalize(p)) for p in item.split(",")
                                         if p.strip()]
            if not mode and ("," not in item or not all(parts)):
                raise InvalidCell(_l("Unknown transfer mode “%(value)s”: write license, turnkey, consulting, "
                                     "joint_venture or training, or their Vietnamese or English names.", value=item))
            modes.extend(part for part in parts if part not in modes)
        return modes


def _entry(number: int, values: dict[str, Any], institute_key: str, sectors: list[Sector], lookups: _Lookups,
           plan: ImportPlan) -> Entry:
    code = values["code"]
    technology = lookups.technologies.get(code)
    entry = Entry(row=number, code=code, action=CREATE, values=values, institute_key=institute_key,
                  sectors=sectors, technology=technology)
    if technology is not None:
        institute = plan.institutes.get(institute_key) if "institute" in values else None
        entry.changes = _changes(technology, values, institute, sectors)
        entry.action = UPDATE if entry.changes else UNCHANGED
    return entry


def _changes(technology: Technology, values: dict[str, Any], institute: Organization | None,
             sectors: list[Sector]) -> list[str]:
    """The keys of the columns whose value differs from ``technology`` (plus "status" when it is not published)."""
    changes = []
    for key in KEYS:
        if key not in values or key == "code":
            continue
        new = values[key]
        if key in TEXT_KEYS:
            same = comparable_text(getattr(technology, key)) == comparable_text(new)
        elif key == "institute":
            same = institute is not None and institute.id == technology.institute_id
        elif key == "sectors":
            same = {sector.id for sector in sectors} == {sector.id for sector in technology.sectors}
        elif key == "transfer_modes":
            same = sorted(new) == sorted(technology.transfer_modes or [])
        elif key == "keywords":
            same = new == list(technology.keywords or [])
        elif key == "contact":
            current = (technology.contact_name, technology.contact_email, technology.contact_phone)
            same = tuple(comparable_text(v) for v in current) == tuple(
                comparable_text(new.get(k)) for k in ("name", "email", "phone"))
        elif key == "price_negotiable":
            same = bool(technology.price_negotiable) == new
        else:
            same = getattr(technology, key) == new
        if not same:
            changes.append(key)
    if technology.status != TechnologyStatus.PUBLISHED:
        changes.append("status")
    return changes


# --- Cells -----------------------------------------------------------------------------------------------------

def clean_cell(raw: str) -> str:
    """A cell's text: trimmed, line breaks as "\\n", without the "'" that guards a formula-like start."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS:
        text = text[1:]
    return text


def guard_formula(text: str) -> str:
    """``text`` with a "'" in front when a spreadsheet would run it as a formula (the exports' defence against
    formula injection); :func:`clean_cell` takes that "'" off again on import, so that the round trip is exact."""
    # Any "-" too, a list item's included: "- 1+cmd|…" is a formula for a spreadsheet (OWASP's rule for CSV).
    if text.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def comparable_text(value: str | None) -> str:
    """A stored or imported text as compared to find changes: None as "", line breaks as "\\n"."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def split_items(text: str) -> list[str]:
    """The items of a list cell, separated by ";" or line breaks."""
    return [item.strip() for item in text.replace("\n", ";").split(";") if item.strip()]


def check_length(text: str, limit: int) -> None:
    """:raises InvalidCell: when ``text`` is longer than ``limit`` characters."""
    if len(text) > limit:
        raise InvalidCell(_l("This is longer than %(max)d characters.", max=limit))


def parse_sectors(text: str, sectors: dict[str, Sector]) -> list[Sector]:
    """The sectors a cell names (possibly none), each by its code or its Vietnamese or English name.

    :param sectors: from :func:`load_sectors`.
    :raises InvalidCell: for a name that is no sector.
    """
    found: list[Sector] = []
    for item in split_items(text):
        sector = sectors.get(normalize(item))
        if sector is not None:
            parts = [sector]
        else:
            # "Cảng biển, Logistics": commas where semicolons were meant.
            parts = [sectors.get(normalize(part)) for part in item.split(",") if part.strip()]
            if "," not in item or not all(parts):
                raise InvalidCell(_l("Unknown sector “%(value)s”: write a sector's code or its Vietnamese or "
                                     "English name.", value=item))
        found.extend(part for part in parts if part not in found)
    return found


def parse_code(text: str) -> str:
    """A row's code (≤ 40 characters, as the code columns of the site hold). :raises InvalidCell: when missing."""
    if not text:
        raise InvalidCell(_l("The code is missing."))
    check_length(text, MAX_LENGTHS["code"])
    if not re.match(CODE_PATTERN, text):
        raise InvalidCell(_l("Use letters, digits, dots, dashes and underscores only."))
    return text


def parse_title(text: str) -> str:
    """A title (≤ 300 characters). :raises InvalidCell: when empty."""
    if not text:
        raise InvalidCell(_l("The title is empty."))
    check_length(text, MAX_LENGTHS["title"])
    return text


def _parse_title_en(text: str) -> str | None:
    check_length(text, MAX_LENGTHS["title_en"])
    return text or None


def _parse_trl(text: str) -> int:
    if not text:
        raise InvalidCell(_l("The readiness level (TRL) is missing: write a whole number from 1 to 9."))
    match = _TRL.fullmatch(text)
    level = int(match.group(1)) if match else None
    if level is None or not 1 <= level <= 9:
        raise InvalidCell(_l("The readiness level (TRL) must be a whole number from 1 to 9, not “%(value)s”.",
                             value=text))
    return level


def _parse_price(text: str) -> int | None:
    if not text:
        return None
    value = parse_dong(text)
    if value is not None and value <= MAX_PRICE:
        return value
    raise InvalidCell(_l("The price must be a whole number of dong, e.g. 1500000 or 1.500.000, not “%(value)s”.",
                         value=text))


def _parse_yes_no(text: str) -> bool:
    answer = normalize(text)
    if answer in _YES:
        return True
    if answer in _NO:
        return False
    raise InvalidCell(_l("Write “yes” or “no”, not “%(value)s”.", value=text))


def parse_contact(text: str) -> dict[str, str | None]:
    """A contact cell, ``"Name; email; phone"``, as the ``{"name", "email", "phone"}`` that ``set_contact`` takes.

    Three parts are taken in that order (any may be empty) unless the email is clearly elsewhere; otherwise each part
    is recognised by its look.

    :raises InvalidCell: for a malformed cell or email address, or a part too long.
    """
    parts = [part.strip() for part in text.replace("\n", ";").split(";")]
    contact: dict[str, str | None] = {"name": None, "email": None, "phone": None}
    if not text:
        return contact
    bad_shape = InvalidCell(_l("Write the contact as “Name; email; phone” (leave a part empty if unknown)."))
    if len(parts) == 3 and (not parts[1] or "@" in parts[1] or not any("@" in part for part in parts)):
        contact = dict(zip(("name", "email", "phone"), (part or None for part in parts), strict=True))
    elif len(parts) <= 3:
        for part in filter(None, parts):
            kind = "email" if "@" in part else "phone" if _looks_like_phone(part) else "name"
            if contact[kind] is not None:
                raise bad_shape
            contact[kind] = part
    else:
        raise bad_shape
    if contact["email"] is not None and not _EMAIL.fullmatch(contact["email"]):
        raise InvalidCell(_l("“%(value)s” is not a valid email address.", value=contact["email"]))
    for kind in ("name", "email", "phone"):
        if contact[kind] is not None:
            check_length(contact[kind], MAX_LENGTHS[f"contact_{kind}"])
    return contact


def contact_cell(name: str | None, email: str | None, phone: str | None) -> str:
    """The contact cell for an export: ``"Name; email; phone"``, trailing empty parts left out when that reads
    back the same."""
    parts = [name or "", email or "", phone or ""]
    if not any(parts):
        return ""
    expected = {"name": name or None, "email": email or None, "phone": phone or None}
    short = list(parts)
    while not short[-1]:
        short.pop()
    for candidate in ("; ".join(filter(None, parts)), "; ".join(short)):
        try:
            if parse_contact(candidate) == expected:
                return candidate
        except InvalidCell:
            pass
    return "; ".join(parts)


def _looks_like_phone(text: str) -> bool:
    return bool(_PHONE.fullmatch(text)) and sum(ch.isdigit() for ch in text) >= 6


_PARSERS: dict[str, Callable[[str], Any]] = {
    "code": parse_code,
    "title": parse_title,
    "title_en": _parse_title_en,
    "summary": lambda text: text,
    "description": lambda text: text,
    "description_en": lambda text: text or None,
    "keywords": split_list,
    "trl": _parse_trl,
    "contact": parse_contact,
    "price_min": _parse_price,
    "price_max": _parse_price,
    "price_negotiable": _parse_yes_no,
    "ip_status": lambda text: text or None,
    "applications": lambda text: text or None,
}


# --- Applying --------------------------------------------------------------------------------------------------

def apply_import(plan: ImportPlan, *, actor: User | None, progress: Callable[[int], None] | None = None) -> None:
    """Write a plan made by :func:`plan_import` in the same session: create and update technologies, create the
    missing institutes, tell subscribers about newly published technologies, record one audit event. Flushes; the
    caller commits.

    Imported technologies are published at once (the Academy vetted its list) and attributed to their institute;
    updated ones keep their owner. Unchanged rows are not touched at all.

    :param actor: the staff member importing, or None from the command line.
    :param progress: called with a number of rows each time that many more have been written.
    :raises ImportRefused: when the plan has problems.
    """
    if not plan.ok:
        raise ImportRefused(f"{len(plan.problems)} problem(s) in {plan.file_name}")
    with fewer_collections():
        _apply(plan, actor, progress)


def _apply(plan: ImportPlan, actor: User | None, progress: Callable[[int], None] | None) -> None:
    from marketplace.catalogue.services import after_publication
    from marketplace.suggestions.services import technologies_changed

    now = utcnow()
    institutes = dict(plan.institutes)
    for key, (name, short_name) in plan.new_institutes.items():
        institutes[key] = Organization(kind=OrganizationKind.INSTITUTE, name=name, short_name=short_name)
        db.session.add(institutes[key])
    newly_published: list[Technology] = []
    written: list[Technology] = []
    to_write = [entry for entry in plan.entries if entry.action != UNCHANGED]
    for done, entry in enumerate(to_write, start=1):
        if entry.action == CREATE:
            technology = Technology(code=entry.code, owner=None, status=TechnologyStatus.PUBLISHED)
            db.session.add(technology)
            _write(technology, entry, [key for key in KEYS if key in entry.values and key != "code"], institutes)
        else:
            technology = entry.technology
            _write(technology, entry, entry.changes, institutes)
        technology.status = TechnologyStatus.PUBLISHED
        if technology.published_at is None:
            technology.published_at = now
            newly_published.append(technology)
        technology.confirmed_at = now
        written.append(technology)
        if done % FLUSH_EVERY == 0:
            db.session.flush()
            if progress is not None:
                progress(FLUSH_EVERY)
    db.session.flush()
    if progress is not None and len(to_write) % FLUSH_EVERY:
        progress(len(to_write) % FLUSH_EVERY)
    after_publication(newly_published)
    technologies_changed(written)
    counts = plan.counts
    record_event("catalogue.import", "import", None, actor=actor, data={
        "file": plan.file_name, "format": plan.kind, "rows": plan.rows, "created": counts["created"],
        "updated": counts["updated"], "unchanged": counts["unchanged"],
        "institutes_created": sorted(name for name, _short in plan.new_institutes.values()),
    })


def _write(technology: Technology, entry: Entry, keys: list[str], institutes: dict[str, Organization]) -> None:
    for key in keys:
        if key == "status":
            continue  # set by the caller
        value = entry.values[key]
        if key == "institute":
            technology.institute = institutes[entry.institute_key]
        elif key == "sectors":
            technology.sectors = list(entry.sectors)
        elif key == "contact":
            technology.set_contact(value)
        else:
            setattr(technology, key, value)
            if key == "title":
                technology.slug = slugify(value) or slugify(entry.code) or "cong-nghe"
