"""Migrations build exactly the models' schema; the sector taxonomy is seeded; timestamps stay UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.extensions import db
from marketplace.models import Organization, OrganizationKind, Sector

PRIORITY = {"cang-bien", "logistics", "cong-nghe-cao", "nong-nghiep"}
OTHERS = {"thuy-san", "moi-truong", "nang-luong", "vat-lieu", "y-sinh", "cntt", "co-khi-che-tao", "xay-dung",
          "hang-khong-vu-tru", "ban-dan"}


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_sector_taxonomy_is_seeded(app):
    with app.app_context():
        sectors = {s.slug: s for s in db.session.scalars(sa.select(Sector))}
    assert set(sectors) == PRIORITY | OTHERS
    assert {slug for slug, s in sectors.items() if s.is_priority} == PRIORITY
    assert sectors["cang-bien"].name_vi == "Cảng biển" and sectors["cang-bien"].name_en == "Seaports"
    assert sectors["cong-nghe-cao"].name_vi == "Công nghiệp công nghệ cao"
    assert all(s.priority_weight > 1 for s in sectors.values() if s.is_priority)


def test_timestamps_are_aware_utc(app):
    with app.app_context():
        org = Organization(kind=OrganizationKind.FIRM, name="Công ty TNHH Hải Âu")
        db.session.add(org)
        db.session.commit()
        db.session.expire_all()
        assert org.created_at.tzinfo is UTC
        with pytest.raises(sa.exc.StatementError):
            org.updated_at = datetime(2026, 1, 1)  # naive: refused
            db.session.commit()
        db.session.rollback()


def test_downgrade_and_upgrade_round_trip(make_app, tmp_path):
    import flask_migrate

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sector)) == 14


def test_the_folded_text_migration_fills_existing_listings(tmp_path):
    import flask_migrate

    from marketplace import create_app
    from marketplace.config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    now = datetime.now(UTC)
    with app.app_context():
        flask_migrate.upgrade(revision="0004")
        organization = sa.table("organization", *(sa.column(name) for name in ("id", "kind", "name", "created_at",
                                                                                 "updated_at")))
        technology = sa.table("technology", *(sa.column(name) for name in (
            "id", "code", "slug", "title", "title_en", "summary", "description", "keywords", "trl", "transfer_modes",
            "price_negotiable", "status", "institute_id", "version_id", "created_at", "updated_at")))
        db.session.execute(organization.insert().values(id=1, kind="institute", name="Viện Cơ học", created_at=now,
                                                        updated_at=now))
        db.session.execute(technology.insert(), [
            {"id": n, "code": f"T-{n}", "slug": "x", "title": title, "title_en": title_en,
             "summary": "Điều độ bến bãi.", "description": "", "keywords": keywords, "trl": 7, "transfer_modes": "[]",
             "price_negotiable": False, "status": "published", "institute_id": 1, "version_id": 1, "created_at": now,
             "updated_at": now}
            for n, title, title_en, keywords in [(1, "Quản lý CẢNG BIỂN", "Smart seaport", '["đóng tàu"]'),
                                                 (2, "Hoà bình", None, "[]")]])
        db.session.commit()
        flask_migrate.upgrade()
        folded = dict(db.session.execute(sa.text("SELECT id, folded_text FROM technology")).all())
        assert folded == {1: "quan ly cang bien smart seaport dong tau dieu do ben bai.",
                          2: "hoa binh dieu do ben bai."}
        flask_migrate.downgrade(revision="0004")
        assert "folded_text" not in {column["name"] for column in sa.inspect(db.engine).get_columns("technology")}
        db.session.remove()
        db.engine.dispose()
