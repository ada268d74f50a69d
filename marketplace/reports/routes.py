"""Views of this blueprint: the staff dashboard, the unmet demand, the steering committee's report (page and XLSX),
and the open-data export of the public catalogue."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Response, render_template, request, send_file, stream_with_context
from flask_babel import get_locale

from marketplace import authz
from marketplace.catalogue.urls import technology_url
from marketplace.imports.importer import guard_formula
from marketplace.reports import bp, services
from marketplace.reports.xlsx import CONTENT_TYPE, local_day, write_steering_report
from marketplace.rounds.services import all_rounds


def _locale() -> str:
    return str(get_locale() or "vi")


def _filter(period: bool = True) -> tuple[services.ReportFilter | None, list[Any]]:
    """The report's filter from the query string, or None and the messages saying what is wrong with it."""
    try:
        return services.parse_filter(request.args, period=period), []
    except services.FilterError as exc:
        return None, exc.messages


@bp.route("/reports")
@authz.permission(authz.STAFF)
def dashboard():
    criteria, errors = _filter()
    figures = services.dashboard(criteria, _locale()) if criteria is not None else None
    return render_template("reports/dashboard.html", figures=figures, criteria=criteria, errors=errors,
                           rounds=all_rounds(), args=request.args), 400 if errors else 200


@bp.route("/reports/unmet")
@authz.permission(authz.STAFF)
def unmet():
    criteria, errors = _filter(period=False)
    groups = services.unmet_by_sector(criteria) if criteria is not None else []
    return render_template("reports/unmet.html", groups=groups, criteria=criteria, errors=errors,
                           rounds=all_rounds(), args=request.args, threshold=services.match_threshold(),
                           open_needs=services.open_need_count(criteria) if criteria is not None else 0,
                           unmet_count=len({need.id for group in groups for need in group.needs})
                           ), 400 if errors else 200


@bp.route("/reports/steering")
@authz.permission(authz.STAFF)
def steering():
    criteria, errors = _filter(period=False)
    report = services.steering_report(criteria.round) if criteria is not None else None
    return render_template("reports/steering.html", report=report, errors=errors, rounds=all_rounds(),
                           args=request.args, reported_firm=services.reported_firm), 400 if errors else 200


@bp.route("/reports/steering.xlsx")
@authz.permission(authz.STAFF)
def steering_xlsx():
    criteria, errors = _filter(period=False)
    if criteria is None:
        return render_template("reports/steering.html", report=None, errors=errors, rounds=all_rounds(),
                               args=request.args, reported_firm=services.reported_firm), 400
    report = services.steering_report(criteria.round)
    buffer = io.BytesIO()
    write_steering_report(report, buffer, _locale())
    buffer.seek(0)
    suffix = f"-round-{criteria.round.id}" if criteria.round else ""
    return send_file(buffer, mimetype=CONTENT_TYPE, as_attachment=True,
                     download_name=f"steering-report{suffix}-{local_day(report.generated_at):%Y-%m-%d}.xlsx")


def _records() -> Iterator[dict[str, Any]]:
    for technology in services.published_technologies():
        yield services.open_data_record(technology, technology_url(technology, _external=True))


@bp.route("/open-data/technologies.csv")
@authz.permission(authz.PUBLIC)
def open_data_csv():
    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # NOTE: the byte-order mark makes Excel read the file as UTF-8 (Vietnamese accents) instead of ANSI.
        buffer.write("\ufeff")
        writer.writerow(services.OPEN_DATA_COLUMNS)
        for count, record in enumerate(_records(), start=1):
            writer.writerow([guard_formula(value) if isinstance(value, str) else value
                             for value in services.open_data_row(record)])
            if count % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=technologies.csv"})


@bp.route("/open-data/technologies.json")
@authz.permission(authz.PUBLIC)
def open_data_json():
    def generate() -> Iterator[str]:
        yield "["
        for count, record in enumerate(_records()):
            yield ("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False)
        yield "\n]\n"

    return Response(stream_with_context(generate()), mimetype="application/json")
