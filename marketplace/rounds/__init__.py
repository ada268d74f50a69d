"""Proposal rounds ("đợt đề xuất"): calls for needs and proposals with a legal reference and a deadline."""

from flask import Blueprint

bp = Blueprint("rounds", __name__)

from marketplace.rounds import routes  # noqa: E402,F401
