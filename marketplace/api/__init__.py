"""The JSON API (read-only for now): the catalogue search and title suggestions."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from marketplace.api import routes  # noqa: E402,F401
