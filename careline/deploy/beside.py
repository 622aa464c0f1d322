"""What a command run beside `careline up` needs to talk to that stack.

`careline up` keeps its processes' files under ``<data dir>/up`` and, locally, runs on this
machine's PostgreSQL; a command in another shell (``careline incident open``, ``careline
report``, ``careline desk agent add``) reads the plain settings: the data dir itself and,
unless told, the SQLite file. So the stack's processes are handed the local secrets of the
data dir itself (the ones a command beside it generates and reads), and the start-up
banner names the variables a command beside it still needs. Under the production profile
every secret is in the environment already and nothing is handed on.
"""

from __future__ import annotations

from typing import Optional

from careline.settings import Profile, Settings

#: Secrets a command and the stack must share: variable -> settings field.
SHARED_SECRETS = {
    "CARELINE_CONVERSATION_SECRET": "conversation_secret",
    "CARELINE_WEBCHAT_SECRET": "webchat_secret",
    "CARELINE_REST_TOKEN": "rest_token",
    "CARELINE_DESK_API_TOKEN": "desk_api_token",
    "CARELINE_INCIDENT_API_TOKEN": "incident_api_token",
}


def shared_local_secrets(settings: Settings) -> dict[str, str]:
    """Locally, each unset shared secret from the data dir, for the stack's environment."""
    if settings.profile is not Profile.LOCAL:
        return {}
    return {variable: settings.secret(field) for variable, field in SHARED_SECRETS.items()
            if not getattr(settings, field).get_secret_value()}


def beside_hint(settings: Settings, *, database_url: str, api_url: str) -> Optional[str]:
    """The variables a command in another shell must set to reach this stack, if any."""
    needed = []
    if not settings.database_url:
        needed.append(f"CARELINE_DATABASE_URL={database_url}")
    if settings.rasa_url != api_url:
        needed.append(f"CARELINE_RASA_URL={api_url}")
    if not needed:
        return None
    return "Commands beside this stack (careline incident, report, desk agent): export " + (
        " ".join(needed))
