"""Firms' technology needs: their pages, forms, coaching and proposals of catalogue technologies."""

from flask import Blueprint

bp = Blueprint("needs", __name__)

from marketplace.needs import routes  # noqa: E402,F401
