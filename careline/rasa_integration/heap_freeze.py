"""Freeze what the model loaded out of the garbage collector's way.

Once the model is loaded, every object then alive (the model, TensorFlow's and Rasa's
modules: over half a million objects) is frozen (``gc.freeze``): a full collection
otherwise walks them all, and under load that stalled a replica's event loop for
190–380 ms a time; frozen, about 4 ms (docs/production.md). They live as long as the
process anyway. The patch wraps Rasa's model loader, ``rasa.core.run.load_agent_on_start``,
which runs before the server takes requests; only Careline's Rasa server installs it
(:func:`careline.rasa_integration.patches.install_server`).
"""

from __future__ import annotations

import gc
import logging
from typing import Any, Callable

logger = logging.getLogger(__name__)


def freezing_after_load(load: Callable[..., Any]) -> Callable[..., Any]:
    """The patch of ``rasa.core.run.load_agent_on_start``."""

    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        logger.info("%d objects loaded with the model frozen out of garbage collection",
                    gc.get_freeze_count())
        return agent

    return load_agent_on_start
