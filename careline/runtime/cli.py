"""``careline run``, ``careline model`` and ``careline settings``."""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run", help="train if needed, prepare the database and start every service"
    )
    run.add_argument("--timeout", type=float, default=300.0,
                     help="seconds to wait for every service to become healthy")
    run.set_defaults(handler=_run)

    model = subparsers.add_parser("model", help="make sure a model trained on the current data exists")
    model.add_argument("--print-path", action="store_true",
                       help="print only the model's path (for scripts)")
    model.set_defaults(handler=_model)

    rasa = subparsers.add_parser(
        "rasa", help="run a rasa command with Careline's environment (endpoints, tokens)",
    )
    rasa.add_argument("rasa_args", nargs=argparse.REMAINDER, help="arguments for rasa")
    rasa.set_defaults(handler=_rasa)

    settings = subparsers.add_parser("settings", help="print the settings in force, secrets masked")
    settings.add_argument("--json", action="store_true", help="print JSON")
    settings.set_defaults(handler=_settings)


def _model(args: argparse.Namespace) -> int:
    from careline.runtime.model_cache import ensure_model

    result = ensure_model()
    if args.print_path:
        print(result.path)
    else:
        verb = "trained" if result.trained else "reused cached"
        print(f"{verb} model {result.path} in {result.seconds:.1f}s")
    return 0


def _rasa(args: argparse.Namespace) -> int:
    import os

    from careline.runtime.services import rasa_environment
    from careline.settings import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = settings.secret("rasa_token")
    env = rasa_environment(settings, token)
    os.execve(sys.executable, [sys.executable, "-m", "rasa", *args.rasa_args], env)


def _settings(args: argparse.Namespace) -> int:
    from careline.settings import get_settings

    shown = get_settings().masked()
    if args.json:
        print(json.dumps(shown, indent=2))
    else:
        width = max(map(len, shown))
        for name, value in shown.items():
            print(f"{name:<{width}}  {value}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from careline.runtime.launch import prepare_and_start
    from careline.runtime.model_cache import NoTrainedModel
    from careline.runtime.supervisor import serve_until_interrupted, stop_on_signals

    stop_on_signals()
    started = time.monotonic()
    try:
        supervisor, urls = prepare_and_start(timeout=args.timeout)
    except NoTrainedModel as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    serve_until_interrupted(supervisor, [
        f"\nCareline is up in {time.monotonic() - started:.1f}s. Try:",
        *(f"  {url}" for url in urls),
    ])
    return 0
