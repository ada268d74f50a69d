"""``flask notify digest``: the periodic mail of new technologies to subscribers."""

from __future__ import annotations

import click
from flask.cli import AppGroup

notify_cli = AppGroup("notify", help="Notifications to subscribers.")


@notify_cli.command("digest")
def digest_command() -> None:
    """Mail each subscriber the newly published technologies that match what they follow. Run it weekly.

    Links in the mail point to BASE_URL. The mail is queued in the outbox; what is not sent right away goes out
    with ``flask mail send``.
    """
    from marketplace.db import commit
    from marketplace.subscriptions.services import send_digests

    mails, listed = send_digests()
    commit()
    click.echo(f"queued {mails} digests listing {listed} technologies")
