"""The Rasa server Careline starts freezes what the model loaded out of garbage collection,
through Rasa's own loader (in a fresh interpreter: freezing is for the whole process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from careline.runtime.model_cache import ensure_model

pytestmark = pytest.mark.slow

LOAD_THEN_COUNT = textwrap.dedent("""
    import asyncio, gc, sys, types
    from careline.runtime import rasa_server
    rasa_server._freeze_heap_after_loading()
    import rasa.core.run
    from rasa.core.utils import AvailableEndpoints
    app = types.SimpleNamespace(ctx=types.SimpleNamespace())
    before = gc.get_freeze_count()
    agent = asyncio.run(rasa.core.run.load_agent_on_start(
        sys.argv[1], AvailableEndpoints(), None, app, None))
    print(before, gc.get_freeze_count(), agent.is_ready(), gc.isenabled())
""")


def test_the_loaded_model_is_frozen_out_of_collection() -> None:
    done = subprocess.run([sys.executable, "-c", LOAD_THEN_COUNT, str(ensure_model().path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, ready, enabled = done.stdout.split()[-4:]
    assert (int(before), ready, enabled) == (0, "True", "True")  # collection still runs
    assert int(after) > 100_000  # the model's and the frameworks' objects
