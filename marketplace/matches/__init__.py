"""Matches after the matcher: the staff review queue, the lifecycle from introduction to deal, the parties' views."""

from flask import Blueprint

bp = Blueprint("matches", __name__)

from marketplace.matches import routes  # noqa: E402,F401
