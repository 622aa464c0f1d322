"""The load bench's targets: the plain `rasa init` bot and Careline's replicated stack,
each started on free ports with a Twilio stand-in of its own (`bench/load.py` drives them).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from careline.deploy.launch import start_stack
from careline.deploy.stack import (LOCAL_EVENT_BROKER_URL, StackPlan, delete_queue,
                                   ensure_postgres_database)
from careline.profile.seed.runner import seed_database
from careline.runtime.model_cache import cache_dir, ensure_model
from careline.runtime.services import (ServiceSpec, standin_service,
                                       twilio_environment)
from careline.runtime.supervisor import Supervisor
from careline.settings import Settings

PLAIN_PROJECT = Path(__file__).resolve().parent / "plain_rasa"
#: Holds the sitecustomize that sends the plain bot's twilio requests to the stand-in.
PLAIN_TWILIO_SHIM = Path(__file__).resolve().parent / "plain_twilio"
SERVER = "postgresql://postgres@127.0.0.1:5432"
BENCH_CUSTOMERS = 1000


def ensure_plain_model() -> Path:
    """Train the plain bot once into the model cache (keyed by its files and Rasa's version)."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"rasa=={version('rasa')}".encode())
    for path in sorted(p for p in PLAIN_PROJECT.rglob("*.yml")):
        digest.update(path.read_bytes())
    name = f"plain-{digest.hexdigest()[:16]}"
    model = cache_dir() / f"{name}.tar.gz"
    if not model.exists():
        print(f"training the plain bot into {model} …", flush=True)
        with tempfile.TemporaryDirectory() as rasa_cache:  # keep .rasa/ out of the tree
            subprocess.run(["nice", "-n", "10", sys.executable, "-m", "rasa", "train",
                            "--config", "config.yml", "--domain", "domain.yml", "--data",
                            "data", "--out", str(model.parent), "--fixed-model-name", name],
                           cwd=PLAIN_PROJECT, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL,  # progress bars; rerun by hand on failure
                           env={**os.environ, "RASA_CACHE_DIRECTORY": rasa_cache})
    return model


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _consecutive_free(count: int) -> int:
    import socket

    while True:
        base = _free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue


def twilio_standin(public_url: str) -> tuple[Settings, dict[str, str], ServiceSpec]:
    """A fresh Twilio stand-in: the settings that sign webhooks to ``public_url``, the
    environment that points a target's twilio client at it, and its service."""
    port = _free_port()
    settings = Settings(public_url=public_url, rasa_url=public_url, twilio_standin_port=port,
                        twilio_api_base_url=f"http://127.0.0.1:{port}",
                        twilio_account_sid="ACbench", twilio_auth_token=uuid.uuid4().hex)
    return settings, twilio_environment(settings), standin_service(settings)


def _environment_without_ours() -> dict[str, str]:
    """This process's environment without Careline's and Twilio's settings: each target
    gets its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CARELINE_", "TWILIO_"))}


def start_plain(model: Path, workdir: Path) -> tuple[Supervisor, str, Settings]:
    """The plain bot with Rasa's REST and Twilio channels (credentials written for it), and
    a stand-in its real twilio client sends to."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings, standin_env, standin = twilio_standin(url)
    workdir.mkdir(parents=True, exist_ok=True)
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "twilio:\n"
        f"  account_sid: {settings.twilio_account_sid}\n"
        f"  auth_token: {settings.twilio_auth_token.get_secret_value()}\n"
        f"  twilio_number: \"{settings.twilio_sms_from}\"\n")
    env = _environment_without_ours() | standin_env
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PLAIN_TWILIO_SHIM), env.get("PYTHONPATH")) if p)
    supervisor = Supervisor(workdir / "logs", env, PLAIN_PROJECT)
    supervisor.start([standin, ServiceSpec(
        name="plain-rasa",
        argv=("env", f"PLAIN_TWILIO_API_BASE_URL={settings.twilio_api_base_url}",
              sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port),
              "--credentials", str(credentials)),
        health_url=f"{url}/",
    )], timeout=900)
    return supervisor, url, settings


def start_careline(workdir: Path, replicas: int) -> tuple[Supervisor, StackPlan, Settings]:
    """What `careline up --replicas N` runs (nginx in front), on fresh bench databases of its
    own (the profile store seeded), with the Twilio stand-in; the desk and handoff worker
    are left out. Stacks of different N can run side by side."""
    from sqlalchemy import create_engine, text

    profiles, trackers = f"careline_bench_x{replicas}", f"careline_bench_x{replicas}_tracker"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # fresh databases: runs stay comparable
        for name in (profiles, trackers):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    # nothing consumes the bench's events: each run starts its queue empty
    delete_queue(LOCAL_EVENT_BROKER_URL, f"{profiles}_events")
    # the catalogue and a thousand customers, as a live profile store would hold
    ensure_postgres_database(f"{SERVER}/{profiles}")
    seed_database(f"{SERVER}/{profiles}", customers=BENCH_CUSTOMERS)
    shutil.rmtree(workdir, ignore_errors=True)
    plan = StackPlan(
        replicas=replicas, port=_free_port(), api_port=_free_port(), actions_port=_free_port(),
        rasa_base_port=_consecutive_free(replicas),
        action_base_port=_consecutive_free(replicas), gateway_port=_free_port(),
        data_dir=workdir, token=uuid.uuid4().hex,
        model=Path(os.environ.get("BENCH_LOAD_MODEL") or ensure_model().path),
        database_url=f"{SERVER}/{profiles}", tracker_store_url=f"{SERVER}/{trackers}",
        lock_key_prefix=f"bench-{uuid.uuid4().hex[:8]}", event_queue=f"{profiles}_events",
    )
    settings, standin_env, standin = twilio_standin(plan.url)
    base_env = _environment_without_ours() | standin_env | {"CARELINE_PUBLIC_URL": plan.url}
    supervisor = start_stack(plan, timeout=900, extra=[standin], base_env=base_env)
    return supervisor, plan, settings
