"""The technology catalogue: public pages, researchers' listings, attachments."""

from flask import Blueprint

from marketplace.catalogue.urls import technology_url

bp = Blueprint("catalogue", __name__)
bp.add_app_template_global(technology_url)

from marketplace.catalogue import routes  # noqa: E402,F401
