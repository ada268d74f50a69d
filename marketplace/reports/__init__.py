"""Reports for the Department and the city's steering committee, and the open-data export of the catalogue."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from marketplace.reports import routes  # noqa: E402,F401
