"""The Alembic revision creates exactly the tables the models describe, on both backends."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from careline.db.base import Base
from careline.db.registry import import_all_models

PROFILE_PREFIXES = ("crm_", "bil_", "cat_", "sub_", "net_", "eng_")


def _profile_differences(engine):
    import_all_models()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    return [d for d in differences if any(p in repr(d)[:200] for p in PROFILE_PREFIXES)]


def test_sqlite_schema_matches_the_models(sqlite_db):
    assert _profile_differences(sqlite_db.engine) == []


@pytest.mark.postgres
def test_postgres_schema_matches_the_models(postgres_db):
    assert _profile_differences(postgres_db.engine) == []


def test_lookup_indexes_exist(sqlite_db):
    from sqlalchemy import inspect

    inspector = inspect(sqlite_db.engine)
    assert "ix_crm_identities_customer_id" in {i["name"] for i in
                                               inspector.get_indexes("crm_identities")}
    unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("crm_identities")}
    assert ("kind", "value") in unique
    assert "ix_eng_interactions_customer_id_occurred_at" in {
        i["name"] for i in inspector.get_indexes("eng_interactions")}
