"""The web chat tests' real-row fixtures: migrated databases on both backends (the
channels' journal) and the proactive tests' areas and customers."""

from tests.careline.channels.conftest import (  # noqa: F401
    backend_engine, backend_store, database,
)
from tests.careline.proactive.conftest import (  # noqa: F401
    add_area, add_customer, engine, migrated_template,
)
