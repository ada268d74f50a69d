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
