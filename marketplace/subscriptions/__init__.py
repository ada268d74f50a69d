"""Subscriptions to new technologies, and the in-app notification pages."""

from flask import Blueprint, Flask

bp = Blueprint("subscriptions", __name__)

from marketplace.subscriptions import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register this package's CLI commands (``flask notify ...``)."""
    from marketplace.subscriptions.cli import notify_cli

    app.cli.add_command(notify_cli)
