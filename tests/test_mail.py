"""The mail outbox: real SMTP delivery to a local server, the log fallback, retries."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from marketplace.extensions import db
from marketplace.models import OutgoingMail


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:  # noqa: ANN001
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_reset_mail_is_delivered_by_smtp_in_the_users_language(make_app, create_user, smtp_server):
    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_DEFAULT_SENDER="san@haiphong.example")
    user = create_user("firm", locale="en")
    assert app.test_client().post("/auth/reset", data={"email": user.email}).status_code == 302
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == user.email and message["From"] == "san@haiphong.example"
    assert message["Subject"] == "Reset your password"
    assert "/auth/reset/" in message.get_payload(decode=True).decode("utf-8")
    with app.app_context():
        assert db.session.scalar(sa.select(OutgoingMail.sent_at)) is not None


def test_without_mail_server_the_message_is_logged(app, client, create_user, caplog):
    user = create_user("firm")
    with caplog.at_level("INFO", logger="marketplace.mail"):
        client.post("/auth/reset", data={"email": user.email})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert user.email in logged and "/auth/reset/" in logged and "Đặt lại mật khẩu" in logged


def test_failed_send_stays_queued_and_is_retried_by_the_cli(make_app, create_user, smtp_server):
    controller, inbox = smtp_server
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nothing listens there
    user = create_user("firm")
    response = down.test_client().post("/auth/reset", data={"email": user.email})
    assert response.status_code == 302  # the user is not punished for a mail outage
    with down.app_context():
        mail = db.session.scalar(sa.select(OutgoingMail))
        assert mail.sent_at is None and mail.attempts == 1 and "ConnectionRefused" in mail.last_error

    up = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    result = up.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert len(inbox.messages) == 1
    result = up.test_cli_runner().invoke(args=["mail", "send"])
    assert "sent 0, failed 0" in result.output


def test_background_dispatch_does_not_hold_the_request(make_app, create_user, smtp_server):
    from marketplace import mail as mail_module

    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_DISPATCH="background")
    user = create_user("firm")
    assert app.test_client().post("/auth/reset", data={"email": user.email}).status_code == 302
    mail_module._sender.submit(lambda: None).result(timeout=30)  # wait for the sender thread to be idle
    assert len(inbox.messages) == 1


def test_a_claimed_message_is_not_sent_twice(app, create_user):
    from marketplace.mail import _claim, queue_mail

    with app.app_context():
        mail = queue_mail("a@test.example", "Tiêu đề", "Nội dung")
        db.session.commit()
        assert _claim(mail.id) is True
        assert _claim(mail.id) is False  # another sender already has it
