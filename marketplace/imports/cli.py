"""``flask catalogue import FILE [--dry-run]`` and ``flask catalogue export FILE``, and the steps every import
command shares (:func:`read_file`, :func:`write_plan`, :func:`echo_entries`, :func:`echo_problems`).

Messages go through the catalogues like the pages' (the command line speaks the default language, Vietnamese).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from marketplace.catalogue.cli import catalogue_cli
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.imports.columns import column_for_header
from marketplace.imports.exporter import write_export
from marketplace.imports.importer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportPlan,
    Problem,
    Report,
    apply_import,
    plan_import,
)
from marketplace.imports.reader import KINDS, FileRefused, KnownHeader, Table, read_table


@catalogue_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="Also list every row that is created or updated.")
def import_command(path: Path, dry_run: bool, verbose: bool) -> None:
    """Import the Academy's list of technologies from FILE (.csv or .xlsx).

    All or nothing: a file with any problem is refused (exit status 1) and nothing is written. Rows are matched to
    the catalogue by code; imported technologies are published at once. The format: docs/import-format.md.
    """
    table = read_file(path)
    with click.progressbar(length=len(table.rows), label=_("Checking the rows")) as bar:
        plan = plan_import(table, progress=bar.update)
    _echo_plan(plan, verbose)
    if write_plan(plan, lambda progress: apply_import(plan, actor=None, progress=progress), dry_run=dry_run,
                  nothing_to_change=_("Nothing to change: the catalogue already matches the file."),
                  changed_meanwhile=_("The catalogue changed during the import; nothing was imported. Run the "
                                      "command again.")):
        click.secho(_("The list has been imported."), fg="green")


def read_file(path: Path, known_header: KnownHeader = column_for_header) -> Table:
    """The rows of the file at ``path`` (see :func:`marketplace.imports.reader.read_table`).

    :raises click.ClickException: when the file cannot be read, with the reason and what to do.
    """
    try:
        return read_table(path.read_bytes(), path.name, known_header)
    except FileRefused as exc:
        raise click.ClickException(str(exc)) from None


def write_plan(plan: Report, write: Callable[[Callable[[int], None]], object], *, dry_run: bool,
               nothing_to_change: str, changed_meanwhile: str) -> bool:
    """What every import command does once its plan is printed: refuse a plan with problems; stop after a dry run
    or when nothing would change; else write the plan with a progress bar and commit.

    :param write: writes the plan in the session (flushing, not committing); called with a progress callback.
    :param nothing_to_change: the message shown when every row is unchanged.
    :param changed_meanwhile: the message of the refusal when the database changed during the import.
    :returns: whether the plan was written and committed.
    :raises click.ClickException: when the plan has problems or the database changed meanwhile; nothing is written.
    """
    if not plan.ok:
        db.session.rollback()
        raise click.ClickException(_("The file is refused (problems found: %(count)d); nothing was imported.",
                                     count=len(plan.problems)))
    if dry_run:
        db.session.rollback()
        click.secho(_("Dry run: nothing was written."), fg="yellow")
        return False
    to_write = len(plan.entries) - len(plan.entries_for(UNCHANGED))
    if not to_write:
        db.session.rollback()
        click.secho(nothing_to_change, fg="green")
        return False
    try:
        with click.progressbar(length=to_write, label=_("Writing")) as bar:
            write(bar.update)
        commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise click.ClickException(changed_meanwhile) from None
    return True


def problem_line(problem: Problem) -> str:
    """A problem or remark as one line of a report: row, column as written in the file, reason."""
    if problem.column:
        return _("Row %(row)d, column “%(column)s”: %(message)s", row=problem.row, column=problem.column,
                 message=str(problem.message))
    return _("Row %(row)d: %(message)s", row=problem.row, message=str(problem.message))


def _echo_plan(plan: ImportPlan, verbose: bool) -> None:
    counts = plan.counts
    click.echo(_("%(file)s — rows: %(rows)d, new: %(created)d, changed: %(updated)d, unchanged: %(unchanged)d, "
                 "new institutes: %(institutes)d.", file=plan.file_name, rows=counts["rows"],
                 created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"],
                 institutes=counts["institutes_created"]))
    for name, short_name in sorted(plan.new_institutes.values()):
        click.echo("  " + _("New institute: %(name)s", name=f"{name} ({short_name})" if short_name else name))
    if verbose:
        echo_entries(plan)
    echo_problems(plan)


def echo_entries(plan: Report) -> None:
    """One line per row a plan creates (``+ code  title``) or updates (``~ code  title  (changed columns)``)."""
    for entry in plan.entries_for(CREATE):
        click.echo(f"  + {entry.code}  {entry.title}")
    for entry in plan.entries_for(UPDATE):
        click.echo(f"  ~ {entry.code}  {entry.title}  ({', '.join(entry.changes)})")


def echo_problems(plan: Report) -> None:
    """A plan's remarks, then its problems with their count, on standard error."""
    for warning in plan.warnings:
        click.secho("  " + problem_line(warning), fg="yellow", err=True)
    if plan.problems:
        counts = plan.counts
        click.secho(_("Problems found: %(count)d (rows concerned: %(rows)d):", count=counts["problems"],
                      rows=counts["rejected_rows"]), fg="red", err=True)
        for problem in plan.problems:
            click.echo("  " + problem_line(problem), err=True)


@catalogue_cli.command("export")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def export_command(path: Path) -> None:
    """Write the published catalogue to FILE in the import format: CSV or XLSX by FILE's extension.

    Importing the file back changes nothing. Confidential details are never exported.
    """
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise click.ClickException(_("Name the file .csv or .xlsx."))
    # Written beside the target and renamed at the end, so that a failure never leaves half a file.
    handle, temporary = tempfile.mkstemp(dir=path.resolve().parent, prefix=".export-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            count = write_export(stream, kind)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    click.echo(_("Technologies written to %(file)s: %(count)d.", count=count, file=str(path)))
