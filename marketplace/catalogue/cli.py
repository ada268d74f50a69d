"""``flask catalogue ...``: the import/export commands (marketplace/imports/cli.py) and re-confirmation reminders."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

catalogue_cli = AppGroup("catalogue", help="The technology catalogue.")


@catalogue_cli.command("remind")
def remind_command() -> None:
    """Remind owners to re-confirm their listings, and mark unconfirmed ones out of date. Run it daily."""
    from marketplace.catalogue.services import send_confirmation_reminders
    from marketplace.db import commit
    from marketplace.web import url_context

    with url_context():
        reminded, staled = send_confirmation_reminders()
        commit()
    click.echo(f"reminded {reminded}, marked out of date {staled}")


def init_app(app: Flask) -> None:
    app.cli.add_command(catalogue_cli)
