"""The Rasa server Careline starts installs its patches before Rasa runs, and freezes what
the model loaded out of garbage collection through Rasa's own loader (each in a fresh
interpreter: patches and freezing are for the whole process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from careline.runtime.model_cache import ensure_model

pytestmark = pytest.mark.slow

LOAD_THEN_COUNT = textwrap.dedent("""
    import asyncio, gc, sys, types
    from careline.rasa_integration.patches import install_server
    install_server()
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


STARTED_SERVER_PATCHES = textwrap.dedent("""
    import sys
    import rasa.__main__
    from careline.runtime import rasa_server
    rasa.__main__.main = lambda: print(sys.argv[-1])  # Rasa itself is not started here
    rasa_server.main()
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    import rasa.core.run
    for patched in (Agent.handle_message, MessageProcessor.parse_message,
                    rasa.core.run.load_agent_on_start):
        print(patched.__code__.co_filename.split("/careline/")[-1])
""")


def test_the_server_installs_every_patch_before_rasa_runs() -> None:
    done = subprocess.run([sys.executable, "-c", STARTED_SERVER_PATCHES, "run"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CARELINE_RASA_TOKEN": "-token"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-4:] == [
        "--auth-token=-token", "rasa_integration/guard.py",
        "rasa_integration/pending_offer.py", "rasa_integration/heap_freeze.py"]
