"""The proactive tests' real-row fixtures (migrated database, areas, customers)."""

from tests.careline.proactive.conftest import add_area, add_customer, engine  # noqa: F401
