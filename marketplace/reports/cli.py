"""``flask report ...`` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from marketplace.reports import services
from marketplace.reports.xlsx import write_steering_report

report_cli = AppGroup("report", help="Reports for the Department and the steering committee.")


@report_cli.command("export")
@click.argument("path", metavar="FILE.xlsx", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--round", "round_name", metavar="NAME", help="Report on this proposal round only (by its name).")
def export_command(path: Path, round_name: str | None) -> None:
    """Write the steering committee's report (needs and proposals of firms, approved matches and deals, by sector,
    the priority sectors first) to FILE.xlsx: for one round with --round, else for everything."""
    proposal_round = None
    if round_name is not None:
        proposal_round = services.find_round(round_name)
        if proposal_round is None:
            raise click.BadParameter(_("no proposal round is called “%(name)s”.", name=round_name),
                                     param_hint="--round")
    report = services.steering_report(proposal_round)
    with path.open("wb") as stream:
        write_steering_report(report, stream, current_app.config["BABEL_DEFAULT_LOCALE"])
    if report.is_empty:
        click.secho(_("There are no needs or matches in this round yet; %(file)s says so.", file=path),
                    fg="yellow")
    else:
        click.secho(_("%(file)s written: %(needs)d needs, %(approved)d approved matches, %(deals)d agreements "
                      "signed.", file=path, needs=len(report.needs), approved=len(report.approved),
                      deals=len(report.deals)), fg="green")


def init_app(app: Flask) -> None:
    """Register the report commands."""
    app.cli.add_command(report_cli)
