"""The steering committee's report as an XLSX workbook: a cover sheet naming the round, its legal reference and the
date, then the figures by sector, the needs and the matches (each listed under every sector it counts in)."""

from __future__ import annotations

from datetime import date, datetime
from typing import IO, Any

from flask_babel import gettext as _

from marketplace.i18n import city_zone
from marketplace.i18n_labels import MATCH_ORIGIN_LABELS, MATCH_STATUS_LABELS, NEED_STATUS_LABELS, TRANSFER_MODE_LABELS
from marketplace.imports.importer import guard_formula
from marketplace.models import Match, Need, Sector
from marketplace.reports.services import SteeringReport, reported_firm

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = "#,##0"


def cell_value(value: Any) -> Any:
    """A value as a cell holds it: text guarded against formula injection (openpyxl would store "=…" as a formula)
    and without the control characters a workbook cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return guard_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def local_day(moment: datetime) -> date:
    """The day of ``moment`` in Hai Phong."""
    return moment.astimezone(city_zone()).date()


def sector_label(sector: Sector | None, locale: str) -> str:
    return sector.name(locale) if sector is not None else _("Without a sector")


def need_label(need: Need) -> str:
    return need.code or f"#{need.id}"


def write_steering_report(report: SteeringReport, stream: IO[bytes], locale: str) -> None:
    """Write ``report`` as an XLSX workbook to the binary ``stream`` (labels in ``locale``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    workbook = Workbook()

    def sheet_with(title: str, headers: list[str], widths: list[int]) -> Any:
        sheet = workbook.create_sheet(title)
        sheet.append(headers)
        for position, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = width
            sheet.cell(row=1, column=position).font = bold
        sheet.freeze_panes = "A2"
        return sheet

    def append(sheet: Any, values: list[Any], formats: dict[int, str] | None = None) -> None:
        sheet.append([cell_value(value) for value in values])
        for column, number_format in (formats or {}).items():
            sheet.cell(row=sheet.max_row, column=column).number_format = number_format

    cover = workbook.active
    cover.title = _("Report")
    cover.column_dimensions["A"].width = 34
    cover.column_dimensions["B"].width = 90
    cover.append([cell_value(_("Report to the steering committee on technology supply and demand"))])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([])
    rows: list[tuple[str, Any, str | None]] = [
        (_("Round"), report.round.name if report.round else _("All rounds, and needs outside any round"), None),
        (_("Legal reference"), report.round.legal_reference if report.round else "—", None),
        (_("Generated on"), local_day(report.generated_at), DATE_FORMAT),
        (_("Needs posted by firms"), len(report.needs), None),
        (_("Technologies proposed by firms"), len(report.proposals), None),
        (_("Approved matches"), len(report.approved), None),
        (_("Agreements signed"), len(report.deals), None),
        (_("Contract value (VND)"), report.contract_value, MONEY_FORMAT),
    ]
    for label, value, number_format in rows:
        append(cover, [label, value], {2: number_format} if number_format else None)
        cover.cell(row=cover.max_row, column=1).font = bold
        cover.cell(row=cover.max_row, column=2).alignment = Alignment(horizontal="left", wrap_text=True)
    cover.append([])
    if report.is_empty:
        append(cover, [_("There are no needs or matches in this round yet.")])
    else:
        append(cover, [_("Sectors are listed with the city's priority sectors first. A need or match in several "
                         "sectors is listed under each; the totals above count it once.")])

    summary = sheet_with(_("By sector"), [_("Sector"), _("Priority sector"), _("Needs"), _("Proposals by firms"),
                                          _("Approved matches"), _("Agreements signed"), _("Contract value (VND)")],
                         [46, 14, 10, 18, 18, 18, 22])
    for section in report.sections:
        append(summary, [sector_label(section.sector, locale),
                         _("Yes") if section.sector and section.sector.is_priority else _("No"),
                         len(section.needs), len(section.proposals), len(section.approved), len(section.deals),
                         section.contract_value], {7: MONEY_FORMAT})
    append(summary, [_("Total (each counted once)"), "", len(report.needs), len(report.proposals),
                     len(report.approved), len(report.deals), report.contract_value], {7: MONEY_FORMAT})
    for cell in summary[summary.max_row]:
        cell.font = bold

    needs = sheet_with(_("Needs"), [_("Sector"), _("Code"), _("Need"), _("Firm"), _("Status"), _("Posted on")],
                       [40, 14, 60, 40, 16, 14])
    for section in report.sections:
        for need in section.needs:
            append(needs, [sector_label(section.sector, locale), need_label(need), need.title, reported_firm(need),
                           str(NEED_STATUS_LABELS[need.status]), local_day(need.created_at)], {6: DATE_FORMAT})

    matches = sheet_with(_("Matches"), [
        _("Sector"), _("Need code"), _("Need"), _("Firm"), _("Technology code"), _("Technology"), _("Institute"),
        _("Origin"), _("Stage"), _("Transfer mode"), _("Contract value (VND)"), _("Signed on"),
    ], [40, 14, 50, 36, 14, 50, 36, 24, 24, 18, 20, 14])
    for section in report.sections:
        seen: set[int] = set()
        for match in [*section.proposals, *section.approved]:
            if match.id not in seen:
                seen.add(match.id)
                append(matches, _match_row(section.sector, match, locale), {11: MONEY_FORMAT, 12: DATE_FORMAT})
    workbook.save(stream)


def _match_row(sector: Sector | None, match: Match, locale: str) -> list[Any]:
    return [sector_label(sector, locale), need_label(match.need), match.need.title,
            reported_firm(match.need, match),
            match.technology.code, match.technology.title, match.technology.institute.name,
            str(MATCH_ORIGIN_LABELS[match.origin]), str(MATCH_STATUS_LABELS[match.status]),
            str(TRANSFER_MODE_LABELS[match.transfer_mode]) if match.transfer_mode else "",
            match.contract_value, match.signed_on]
