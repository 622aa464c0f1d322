"""What ``careline run`` does before it waits: database, model, children."""

from __future__ import annotations

from careline.db.migrate import upgrade
from careline.profile.seed.runner import seed_if_empty
from careline.runtime.model_cache import serving_model
from careline.runtime.services import local_services, rasa_environment
from careline.runtime.supervisor import Supervisor
from careline.settings import PROJECT_ROOT, Settings, get_settings


def prepare_and_start(
    *, timeout: float, settings: Settings | None = None
) -> tuple[Supervisor, list[str]]:
    """Migrate, make sure a model exists, start every service and wait for health.

    Tests pass their own ``settings`` (a temporary data dir, other ports).
    """
    settings = settings or get_settings()
    model = serving_model(settings.profile)  # production refuses here, before touching data
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    seed_if_empty(settings.resolved_database_url)
    token = settings.secret("rasa_token")
    specs = local_services(settings, model.path)
    supervisor = Supervisor(settings.data_dir / "logs", rasa_environment(settings, token),
                            PROJECT_ROOT)
    try:
        supervisor.start(specs, timeout=timeout)
    except BaseException:
        supervisor.stop()
        raise
    urls = [url for spec in specs for url in spec.urls]
    urls.append(f"Model: {model.path}")  # a designer's `rasa train` one, when it matches
    urls.append(f"Logs: {settings.data_dir / 'logs'}")
    return supervisor, urls
