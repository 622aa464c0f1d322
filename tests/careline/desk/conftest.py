"""The desk's tests use the handoff suite's fixtures: a seeded SQLite copy per test."""

from tests.careline.handoff.conftest import careline_env, engine, seeded_template  # noqa: F401
