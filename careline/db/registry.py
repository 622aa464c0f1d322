"""Every module that defines tables, so Alembic and tests see the whole schema.

A feature that adds tables adds its models module here.
"""

import importlib

MODEL_MODULES: tuple[str, ...] = (
    "careline.profile.models",
    "careline.channels.models",
    "careline.handoff.models",
    "careline.desk.models",
    "careline.proactive.models",
    "careline.insight.models",
    "careline.identity.models",
    "careline.webchat.models",
    "careline.poison.models",
)


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
