"""`flask db upgrade` builds exactly the models' schema, on SQLite and on PostgreSQL."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.core.extensions import db


def schema_differences(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def index_names(app):
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return set(conn.execute(text("SELECT indexname FROM pg_indexes")).scalars())
        return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())


def upgrade_and_compare(make_app, url):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"grid_units", "categories", "departments"} <= tables
    assert schema_differences(app) == []
    # Alembic cannot compare expression indexes; check the one we have by name.
    assert "ix_cases_street_due_sort" in index_names(app)
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_build_the_model_schema_on_sqlite(make_app, tmp_path):
    upgrade_and_compare(make_app, f"sqlite:///{tmp_path / 'migrated.db'}")


@pytest.fixture
def scratch_postgres_url(postgres_url):
    """A throwaway database beside the suite's, dropped afterwards."""
    name = f"microgrid_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_build_the_model_schema_on_postgresql(make_app, scratch_postgres_url):
    upgrade_and_compare(make_app, scratch_postgres_url)
