"""``flask needs ...``: commands on firms' needs.

``flask needs import FILE [--dry-run] [--verbose]`` behaves like ``flask catalogue import`` and prints the same
report; messages go through the catalogues (the command line speaks the default language, Vietnamese).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from marketplace.db import commit
from marketplace.extensions import db
from marketplace.imports.cli import echo_entries, echo_problems, read_file, write_plan
from marketplace.models import Need
from marketplace.needs.importer import (
    NeedImportPlan,
    apply_needs_import,
    need_column_for_header,
    plan_needs_import,
)

log = logging.getLogger(__name__)

needs_cli = AppGroup("needs", help="Firms' technology needs.")


@needs_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="Also list every row that is created or updated.")
def import_command(path: Path, dry_run: bool, verbose: bool) -> None:
    """Import firms' technology needs from FILE (.csv or .xlsx), as the Department collects them.

    All or nothing: a file with any problem is refused (exit status 1) and nothing is written. Rows are matched to
    needs by code; unknown firms are created; new needs are open and anonymous unless the file says otherwise.
    The format: docs/import-format.md.
    """
    table = read_file(path, need_column_for_header)
    with click.progressbar(length=len(table.rows), label=_("Checking the rows")) as bar:
        plan = plan_needs_import(table, progress=bar.update)
    _echo_plan(plan, verbose)
    written: list[Need] = []
    if not write_plan(plan, lambda progress: written.extend(apply_needs_import(plan, progress=progress)),
                      dry_run=dry_run, nothing_to_change=_("Nothing to change: the needs already match the file."),
                      changed_meanwhile=_("The needs changed during the import; nothing was imported. Run the "
                                          "command again.")):
        return
    click.secho(_("The needs have been imported."), fg="green")
    _suggest(written)


def _suggest(needs: list[Need]) -> None:
    from marketplace.suggestions import services as suggestions

    match_needs = getattr(suggestions, "match_needs", None)
    if match_needs is None:
        return
    try:
        count = match_needs(needs)
        commit()
    except Exception:
        db.session.rollback()
        log.exception("suggestions for %d imported needs failed", len(needs))
        click.secho(_("The needs were imported, but their suggestions could not be computed: run “flask match "
                      "rebuild”."), fg="yellow", err=True)
        return
    click.echo(_("Technologies suggested for the imported needs: %(count)d.", count=count))


def _echo_plan(plan: NeedImportPlan, verbose: bool) -> None:
    counts = plan.counts
    click.echo(_("%(file)s — rows: %(rows)d, new: %(created)d, changed: %(updated)d, unchanged: %(unchanged)d, "
                 "new firms: %(firms)d.", file=plan.file_name, rows=counts["rows"], created=counts["created"],
                 updated=counts["updated"], unchanged=counts["unchanged"], firms=counts["firms_created"]))
    for name in sorted(plan.new_firms.values()):
        click.echo("  " + _("New firm: %(name)s", name=name))
    if verbose:
        echo_entries(plan)
    echo_problems(plan)


def init_app(app: Flask) -> None:
    app.cli.add_command(needs_cli)
