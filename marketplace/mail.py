"""Outgoing mail: queued in the outbox within the caller's transaction, sent after commit.

With ``MAIL_SERVER`` set, mail goes out by SMTP; without it, each message is written to the log so that a developer
can follow the links it contains. A failed send stays in the outbox and is retried by ``flask mail send``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import click
import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask.cli import AppGroup
from flask_babel import force_locale

from marketplace.db import after_commit
from marketplace.extensions import db
from marketplace.models import OutgoingMail, User
from marketplace.models.base import utcnow

log = logging.getLogger(__name__)


def queue_mail(recipient: str, subject: str, body: str) -> OutgoingMail:
    """Add a message to the outbox (flushed with the caller's transaction, sent after its commit)."""
    mail = OutgoingMail(recipient=recipient, subject=subject, body=body)
    db.session.add(mail)
    db.session.flush()
    return mail


def queue_templated_mail(user: User, template: str, subject: str, **context: object) -> OutgoingMail:
    """Render ``templates/mail/<template>.txt`` in the user's language and queue it.

    :param subject: an untranslated (lazy) subject; it is translated in the user's language here.
    """
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(f"mail/{template}.txt", user=user, **context)
        return queue_mail(user.email, str(subject), body)


def _build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="marketplace.local")
    message.set_content(mail.body)
    return message


def _smtp_connection() -> smtplib.SMTP:
    config = current_app.config
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


#: A claim older than this is considered abandoned (the sender died) and the message is tried again.
CLAIM_TIMEOUT = timedelta(minutes=10)


def _claim(mail_id: int) -> bool:
    """Take the message for this sender; False when another sender has it."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None),
               sa.or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < now - CLAIM_TIMEOUT))
        .values(claimed_at=now)
    ).rowcount
    db.session.commit()
    return claimed == 1


def dispatch_pending(limit: int = 50) -> tuple[int, int]:
    """Send up to ``limit`` unsent messages, each claimed first so that concurrent senders never send one twice;
    commit the outcome of each.

    :returns: (sent, failed) counts.
    """
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    stale_claim = utcnow() - CLAIM_TIMEOUT
    pending_ids = db.session.scalars(
        sa.select(OutgoingMail.id)
        .where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < max_attempts,
               sa.or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < stale_claim))
        .order_by(OutgoingMail.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    smtp = None
    try:
        for mail_id in pending_ids:
            if not _claim(mail_id):
                continue
            mail = db.session.get(OutgoingMail, mail_id)
            mail.attempts += 1
            try:
                if current_app.config["MAIL_SERVER"]:
                    smtp = smtp or _smtp_connection()
                    smtp.send_message(_build_message(mail))
                else:
                    log.info("Mail (MAIL_SERVER unset, not sent) to %s: %s\n%s",
                             mail.recipient, mail.subject, mail.body)
                mail.sent_at = utcnow()
                mail.last_error = None
                sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                mail.last_error = f"{type(exc).__name__}: {exc}"
                mail.claimed_at = None  # free for the next try
                failed += 1
                log.warning("Sending mail %s to %s failed: %s", mail.id, mail.recipient, mail.last_error)
                smtp = None
            db.session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed


# One background sender per process: requests never wait for SMTP, whose delays would also tell an observer
# whether an address has an account.
_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")


def _dispatch_in_background(app: Flask) -> None:
    with app.app_context():
        try:
            dispatch_pending()
        except Exception:  # noqa: BLE001 - the outbox keeps the messages for `flask mail send`
            log.exception("background mail dispatch failed")


def _dispatch_after_commit() -> None:
    mode = current_app.config["MAIL_DISPATCH"]
    if mode == "inline":
        dispatch_pending()
    elif mode == "background":
        _sender.submit(_dispatch_in_background, current_app._get_current_object())


@click.group("mail", cls=AppGroup)
def mail_cli() -> None:
    """Outgoing mail."""


@mail_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Send queued mail (and retry failed sends). Schedule it, e.g. every 5 minutes."""
    sent, failed = dispatch_pending(limit=limit)
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    after_commit(_dispatch_after_commit)
    app.cli.add_command(mail_cli)
