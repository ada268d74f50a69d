"""Matchmaking sessions ("phiên kết nối cung – cầu công nghệ"): events, meetings of approved matches, the schedule."""

from flask import Blueprint

bp = Blueprint("matchmaking", __name__)

from marketplace.matchmaking import routes  # noqa: E402,F401
