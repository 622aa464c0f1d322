"""``careline up --replicas N``: the production layout on this machine."""

from __future__ import annotations

import argparse
import sys
import time


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    up = subparsers.add_parser(
        "up",
        help="run N Rasa and N action servers behind nginx on PostgreSQL, Redis, RabbitMQ",
        description="Defaults are the local servers; CARELINE_DATABASE_URL, "
        "CARELINE_TRACKER_STORE_URL, CARELINE_LOCK_STORE_URL and CARELINE_EVENT_BROKER_URL "
        "point elsewhere (docs/production.md).",
    )
    up.add_argument("--replicas", type=int, default=2, help="Rasa servers and action servers")
    up.add_argument("--port", type=int, default=8080,
                    help="nginx's public port: Twilio's webhooks and the web chat only")
    up.add_argument("--desk-port", type=int, default=8081,
                    help="nginx's public port for the agents' desk (its own sign-in)")
    up.add_argument("--edge-host",
                    help="address the public ports listen on (default: CARELINE_EDGE_HOST)")
    up.add_argument("--api-port", type=int, default=8077,
                    help="nginx's internal port in front of Rasa's HTTP API and REST channel")
    up.add_argument("--actions-port", type=int, default=8079,
                    help="nginx's port in front of the action servers")
    up.add_argument("--rasa-base-port", type=int, default=8100)
    up.add_argument("--action-base-port", type=int, default=8200)
    up.add_argument("--gateway-port", type=int, default=8300,
                    help="the first Twilio gateway's port (SMS and WhatsApp webhooks, status "
                    "callbacks); the others take the ports after it")
    up.add_argument("--gateways", type=int, default=2,
                    help="Twilio gateways behind nginx (with 2, one down costs no refusal)")
    up.add_argument("--insight-port", type=int, default=8076,
                    help="health port of the insight consumer (drains the events queue)")
    up.add_argument("--timeout", type=float, default=300.0,
                    help="seconds to wait for every process to become healthy")
    up.set_defaults(handler=_up)


def _up(args: argparse.Namespace) -> int:
    import dataclasses

    from careline.channels.twilio_client import twilio_destination
    from careline.deploy.beside import beside_hint, shared_local_secrets
    from careline.deploy.launch import start_stack
    from careline.deploy.nginx import Edge
    from careline.deploy.stack import (LOCAL_DATABASE_URL, LOCAL_EVENT_BROKER_URL,
                                       LOCAL_LOCK_STORE_URL, LOCAL_TRACKER_STORE_URL, StackPlan)
    from careline.runtime.action_secret import action_secret
    from careline.runtime.model_cache import NoTrainedModel, serving_model
    from careline.runtime.services import rasa_environment, single_instance_services
    from careline.runtime.supervisor import serve_until_interrupted, stop_on_signals
    from careline.settings import get_settings

    if args.replicas < 1 or args.gateways < 1:
        print("--replicas and --gateways must be at least 1", file=sys.stderr)
        return 2
    settings = get_settings()  # the production profile refuses here (careline/cli/main.py)
    print(f"Profile: {settings.profile.value}; {twilio_destination(settings)}", flush=True)
    edge = Edge.from_settings(settings, desk_listen_port=args.desk_port)
    if args.edge_host:
        edge = dataclasses.replace(edge, host=args.edge_host)
    try:
        model = serving_model(settings.profile)
    except NoTrainedModel as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data_dir = settings.data_dir / "up"
    data_dir.mkdir(parents=True, exist_ok=True)

    def chosen(secret, default: str) -> str:  # type: ignore[no-untyped-def]
        return secret.get_secret_value() if secret else default

    plan = StackPlan(
        replicas=args.replicas, port=args.port, api_port=args.api_port,
        actions_port=args.actions_port,
        rasa_base_port=args.rasa_base_port, action_base_port=args.action_base_port,
        gateway_port=args.gateway_port, gateways=args.gateways, data_dir=data_dir,
        model=model.path,
        token=settings.secret("rasa_token"),
        database_url=settings.database_url or LOCAL_DATABASE_URL,
        tracker_store_url=chosen(settings.tracker_store_url, LOCAL_TRACKER_STORE_URL),
        lock_store_url=chosen(settings.lock_store_url, LOCAL_LOCK_STORE_URL),
        event_broker_url=chosen(settings.event_broker_url, LOCAL_EVENT_BROKER_URL),
        lock_key_prefix=settings.lock_key_prefix,
        lock_lifetime_seconds=settings.lock_lifetime_seconds,
        event_queue=settings.event_queue, insight_port=args.insight_port,
        action_timeout_seconds=settings.action_timeout_seconds,
        bind_host=settings.bind_host, action_secret=action_secret(settings), edge=edge,
    )
    # The single-instance services of `make run` (Twilio stand-in, desk, handoff
    # worker), pointed at nginx's internal API port instead of one Rasa server.
    # An unset public URL (the local edge port's) becomes nginx's, where webhooks arrive.
    local_url = f"http://{settings.internal_host}:{settings.edge_port}"
    public_url = plan.url if settings.public_url == local_url else settings.public_url
    # the children's data dir (the desk seeds its demo agent's password there)
    behind_nginx = settings.copy(update={"rasa_port": plan.port, "rasa_url": plan.api_url,
                                         "edge_url": plan.api_url,
                                         "public_url": public_url, "data_dir": data_dir,
                                         "database_url": plan.database_url})
    extra = single_instance_services(behind_nginx)
    base_env = {**rasa_environment(behind_nginx, plan.token), **shared_local_secrets(settings)}
    # the desk sees every agent through nginx: believe nginx's X-Forwarded-For
    if _is_address(plan.internal_host):
        base_env.setdefault("CARELINE_DESK_TRUSTED_PROXIES", plan.internal_host)
    stop_on_signals()
    started = time.monotonic()
    supervisor = start_stack(plan, timeout=args.timeout, extra=extra, base_env=base_env)
    serve_until_interrupted(supervisor, [
        f"\nCareline ({settings.profile.value} profile) is up with {plan.replicas} replica(s) "
        f"in {time.monotonic() - started:.1f}s; {twilio_destination(settings)}:",
        *(f"  {url}" for service in supervisor.running for url in service.spec.urls),
        f"  Logs: {data_dir / 'logs'}",
        *(f"  {hint}" for hint in [beside_hint(settings, database_url=plan.database_url,
                                               api_url=plan.api_url)] if hint),
    ])
    return 0


def _is_address(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
