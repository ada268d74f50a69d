"""Fixtures: a migrated test database (SQLite, or PostgreSQL via TEST_DATABASE_URL), app, client, runner, factories.

The database schema is built once per session by the real migrations; each test starts from empty tables (the
sector taxonomy, seeded by the migration, stays).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from marketplace import create_app
from marketplace.config import TestingConfig, database_url
from marketplace.db import commit
from marketplace.extensions import db
from marketplace.models import Organization, OrganizationKind, Role

pytest_plugins = ["tests.search_server"]

PASSWORD = "correct-horse-battery-9"
KEPT_TABLES = {"sector", "alembic_version"}


def _make_app(url: str, **overrides: object) -> Flask:
    return create_app(TestingConfig, **{"SQLALCHEMY_DATABASE_URI": url, **overrides})


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = database_url(url)
    app = _make_app(url)
    with app.app_context():
        # Start from nothing, then build the schema exactly as production does: through the migrations.
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in KEPT_TABLES:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_uri: str, tmp_path: Path):
    """Build an app on the test database with extra settings, e.g. ``make_app(WTF_CSRF_ENABLED=True)``."""
    apps: list[Flask] = []

    def build(**overrides: object) -> Flask:
        app = _make_app(database_uri, **{"UPLOAD_DIR": str(tmp_path / "uploads"),
                                         "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
                                         "MATCH_MODEL_PATH": str(tmp_path / "match-model.pkl"), **overrides})
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
    # The next test starts from empty tables, whichever apps this one built (some point at other databases).
    main = next((app for app in apps if app.config["SQLALCHEMY_DATABASE_URI"] == database_uri), None)
    if main is not None:
        with main.app_context():
            _empty_tables()
            db.session.remove()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@dataclass
class UserInfo:
    id: int
    email: str
    password: str
    role: Role
    organization_id: int | None


@pytest.fixture
def create_user(app: Flask):
    """Create an account (committed) and return its plain details: ``create_user("firm", email=...)``."""
    counter = {"n": 0}

    def create(role: str = "firm", *, email: str | None = None, password: str = PASSWORD, locale: str = "vi",
               organization: str | None = None, active: bool = True) -> UserInfo:
        from marketplace.auth.services import create_user as create_account

        counter["n"] += 1
        email = email or f"{role}{counter['n']}@test.example"
        with app.app_context():
            org = None
            kind = {"firm": OrganizationKind.FIRM, "researcher": OrganizationKind.INSTITUTE}.get(
                role, OrganizationKind.DEPARTMENT)
            name = organization or {"firm": "Công ty TNHH Thử Nghiệm", "researcher": "Viện Thử Nghiệm"}.get(
                role, "Sở Khoa học và Công nghệ")
            org = db.session.scalar(sa.select(Organization).where(Organization.kind == kind, Organization.name == name))
            if org is None:
                org = Organization(kind=kind, name=name)
                db.session.add(org)
            user = create_account(email=email, password=password, full_name=f"Người dùng {counter['n']}",
                                  role=Role(role), locale=locale, organization=org)
            user.active = active
            commit()
            return UserInfo(user.id, user.email, password, user.role, user.organization_id)

    return create


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra: object):
        return self.client.post("/auth/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = re.search(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class TechnologyInfo:
    id: int
    code: str
    slug: str
    owner_id: int | None
    institute_id: int


@pytest.fixture
def create_technology(app: Flask, create_user):
    """Create a technology (committed) directly in the database and return its plain details.

    ``create_technology(owner=researcher_info, status="published", sectors=["cang-bien"], title=..., trl=7)``;
    without an owner, one researcher is created and shared by the calls of the test; ``imported=True`` leaves the
    listing without an owner, as the Academy's list import does (its institute is the owner's).
    """
    from marketplace.models import Sector, Technology, TechnologyStatus, User
    from marketplace.models.base import utcnow
    from matching.text import slugify

    state: dict[str, object] = {"n": 0, "owner": None}

    def create(*, owner: UserInfo | None = None, status: str = "published", sectors: tuple[str, ...] = ("cang-bien",),
               title: str | None = None, code: str | None = None, trl: int = 7, imported: bool = False,
               **fields: object) -> TechnologyInfo:
        state["n"] += 1
        if owner is None:
            state["owner"] = state["owner"] or create_user("researcher", email="owner@test.example")
            owner = state["owner"]
        title = title or f"Công nghệ xử lý nước thải cảng biển số {state['n']}"
        with app.app_context():
            user = db.session.get(User, owner.id)
            technology = Technology(
                code=code or f"TEST-{state['n']:03d}", title=title, slug=slugify(title), trl=trl,
                summary=fields.pop("summary", "Tóm tắt công nghệ phục vụ thử nghiệm."),
                description=fields.pop("description", "Mô tả chi tiết công nghệ phục vụ thử nghiệm."),
                institute_id=user.organization_id, owner_id=None if imported else user.id,
                status=TechnologyStatus(status),
                transfer_modes=fields.pop("transfer_modes", ["license"]), keywords=fields.pop("keywords", []),
                **fields,
            )
            if status == "published":
                technology.published_at = technology.confirmed_at = utcnow()
            technology.sectors = list(db.session.scalars(sa.select(Sector).where(Sector.slug.in_(sectors))))
            db.session.add(technology)
            commit()
            return TechnologyInfo(technology.id, technology.code, technology.slug, technology.owner_id,
                                  technology.institute_id)

    return create
