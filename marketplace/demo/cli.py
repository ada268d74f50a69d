"""``flask demo load``."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.db import commit
from marketplace.demo.loader import DemoDataError, load_demo
from marketplace.extensions import db
from marketplace.models import User

demo_cli = AppGroup("demo", help="Demo content.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
def load_command(if_empty: bool) -> None:
    """Fill the database with the demo content and one account per role. Safe to run again."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("The database is not empty: demo content not loaded.")
        return
    password = current_app.config["DEMO_PASSWORD"] or secrets.token_urlsafe(9)
    try:
        report = load_demo(password)
    except DemoDataError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    commit()
    # Suggestions for the demo needs, so that their pages have something to show.
    from marketplace.suggestions.services import rebuild

    _matcher, needs, suggestions = rebuild()
    commit()
    # The Department's work on them: rounds, and matches at every stage of their lifecycle.
    from marketplace.demo.workflow import run_demo_workflow
    from marketplace.web import url_context

    with url_context():  # the notifications are mailed, with links to the site
        moved = run_demo_workflow()
        commit()
    created = ", ".join(f"{count} {kind}" for kind, count in sorted(report.created.items())) or "nothing new"
    click.echo(f"Demo content loaded ({created}); {suggestions} suggested matches for {needs} open needs, "
               f"{moved} of them taken further by the Department.")
    click.echo(f"Demo accounts (password of each new one: {password}):")
    for role, email in report.accounts:
        click.echo(f"  {role.value:<11} {email}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
