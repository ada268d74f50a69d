"""Importing the Academy's list of technologies (CSV or XLSX) and exporting the catalogue in the same format."""

from flask import Blueprint, Flask

bp = Blueprint("imports", __name__)

from marketplace.imports import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register this package's CLI commands (``flask catalogue import`` and ``export``)."""
    from marketplace.imports import cli  # noqa: F401 - importing adds the commands to the catalogue group
