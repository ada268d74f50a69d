"""Work done in child processes by the multi-process search tests (importable by a spawned interpreter)."""

from __future__ import annotations

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Technology


def edit_titles(database_uri: str, index_dir: str, edits: list[tuple[int, str]]) -> None:
    """Like a gunicorn worker: give each technology its new title, one commit (and index drain) at a time."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_uri, SEARCH_INDEX_DIR=index_dir)
    with app.app_context():
        for technology_id, title in edits:
            db.session.get(Technology, technology_id).title = title
            commit()  # and the index drain, which waits for the other process's drain to finish
        db.session.remove()
        db.engine.dispose()
