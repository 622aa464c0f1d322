"""The proactive tests' real-row fixtures (migrated database, areas, customers)."""

from tests.careline.proactive.conftest import (  # noqa: F401
    add_area, add_customer, engine, migrated_template,
)
