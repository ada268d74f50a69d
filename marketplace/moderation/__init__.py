"""The staff's review of listings: the moderation queue, the rubric, the decisions."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from marketplace.moderation import routes  # noqa: E402,F401
