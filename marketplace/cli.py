"""Application commands: ``flask users ...``, ``flask audit verify``, ``flask translate ...``."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from marketplace.audit import verify_chain
from marketplace.auth import services
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.passwords import password_problem

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
POT_FILE = TRANSLATIONS_DIR / "messages.pot"


@click.group("users", cls=AppGroup)
def users_cli() -> None:
    """Accounts. Staff and admin accounts are created only here."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--locale", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when omitted.")
@with_appcontext
def create_user_command(email: str, full_name: str, role: str, locale: str, password: str) -> None:
    """Create an account, e.g. ``flask users create --role staff --email a@b.vn --name "Nguyễn Văn A"``."""
    problem = password_problem(password, email)
    if problem is not None:
        raise click.ClickException(str(problem))
    try:
        user = services.create_user(email=email, password=password, full_name=full_name, role=Role(role), locale=locale)
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    commit()
    click.secho(f"Created {user.role} account {user.email}.", fg="green")


@users_cli.command("set-active")
@click.argument("email")
@click.option("--active/--inactive", default=True, help="Activate (default) or deactivate.")
@with_appcontext
def set_active_command(email: str, active: bool) -> None:
    """Activate or deactivate the account with EMAIL."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    services.set_active(user, active, actor=None)
    commit()
    click.echo(f"{user.email}: {'active' if active else 'inactive'}")


@click.group("audit", cls=AppGroup)
def audit_cli() -> None:
    """The audit log."""


@audit_cli.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check the hash chain of the audit log; exit 1 and list the events that do not check out."""
    broken = verify_chain()
    if broken:
        raise click.ClickException(f"{len(broken)} audit event(s) fail the check: {', '.join(map(str, broken))}")
    click.secho("The audit log is intact.", fg="green")


@click.group("translate")
def translate_cli() -> None:
    """Interface translations (Vietnamese and English catalogues)."""


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", *args])


def _fill_english_catalogue() -> None:
    """The messages are written in English, so the English catalogue repeats each one (and is thereby complete)."""
    path = TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        empty = not message.string if isinstance(message.string, str) else not any(message.string)
        if message.id and empty:
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
    with open(path, "wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True, width=120)


@translate_cli.command("update")
def update_command() -> None:
    """Extract the messages from the code and templates and merge them into both catalogues."""
    _pybabel("extract", "-F", str(ROOT_DIR / "babel.cfg"), "-k", "_l", "--no-location", "--sort-output",
             "-o", str(POT_FILE), str(ROOT_DIR / "marketplace"), str(ROOT_DIR / "templates"))
    _pybabel("update", "-i", str(POT_FILE), "-d", str(TRANSLATIONS_DIR), "--no-fuzzy-matching", "--ignore-obsolete")
    _fill_english_catalogue()
    click.echo("Catalogues updated; translate the new entries in both, then run `flask translate compile`.")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogues (.po → .mo); the setup scripts run this."""
    _pybabel("compile", "-d", str(TRANSLATIONS_DIR), "--statistics")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(translate_cli)
