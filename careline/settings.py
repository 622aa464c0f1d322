"""Careline's one typed settings object.

Everything configurable comes from the environment (``CARELINE_*`` and
``TWILIO_*``) with safe local defaults, so moving from a laptop to production
never means editing a file. The object is built on first use by
:func:`get_settings`, never at import, so tests and commands can set the
environment first.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseSettings, Field, SecretStr, root_validator

from careline.runtime.local_secrets import local_secret

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Secrets that ship as local defaults; the production profile refuses them.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "local-dev-token", "ACtest", "test"})
#: Twilio's magic test numbers, the local default senders: real Twilio refuses them.
PLACEHOLDER_NUMBERS = frozenset({"", "+15005550006", "+15005550007"})
#: Secrets production takes from the environment only: a secret generated into one host's
#: data dir would differ between hosts, containers and pods.
PRODUCTION_SECRETS = ("twilio_auth_token", "rasa_token", "action_secret", "conversation_secret",
                      "webchat_secret", "desk_api_token", "incident_api_token")


class MissingSecret(RuntimeError):
    """The production profile was asked for a secret it has no real value for."""


class Profile(str, Enum):
    """Where Careline runs: ``local`` allows embedded defaults, ``production`` does not."""

    LOCAL = "local"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """All of Careline's settings; see the README's settings table."""

    profile: Profile = Field(default=Profile.LOCAL, env="CARELINE_PROFILE")
    data_dir: Path = Field(default=PROJECT_ROOT / ".careline", env="CARELINE_DATA_DIR")

    database_url: Optional[str] = Field(default=None, env="CARELINE_DATABASE_URL")
    db_timeout_seconds: float = Field(default=5.0, env="CARELINE_DB_TIMEOUT_SECONDS")
    #: An SMS or WhatsApp message accepted but not answered this long after its turn's
    #: process was last heard from is run again (careline/channels/inbound_journal.py).
    redrive_after_seconds: float = Field(default=60.0, gt=0, env="CARELINE_REDRIVE_AFTER_SECONDS")
    #: PostgreSQL cancels a statement, and SQLite stops waiting for a lock, after this long:
    #: it bounds the work a caller that gave up (CARELINE_DB_TIMEOUT_SECONDS) leaves behind.
    db_statement_timeout_seconds: float = Field(default=30.0, gt=0,
                                                env="CARELINE_DB_STATEMENT_TIMEOUT_SECONDS")
    #: Failed tries before a consumer parks a message (careline/poison); a database that is
    #: down never counts as a try.
    poison_max_tries: int = Field(default=5, ge=1, env="CARELINE_POISON_MAX_TRIES")
    #: Days the handoff worker keeps the keys of account writes (eng_account_writes; a
    #: retried turn comes within minutes), the journalled customer messages
    #: (channel_inbound_messages; a duplicate comes within minutes) and the tries of
    #: messages that were never parked (poison_tries) before deleting them
    #: (careline/db/retention.py).
    keys_retention_days: int = Field(default=7, ge=1, env="CARELINE_KEYS_RETENTION_DAYS")

    rasa_port: int = Field(default=5005, env="CARELINE_RASA_PORT")
    actions_port: int = Field(default=5055, env="CARELINE_ACTIONS_PORT")
    desk_port: int = Field(default=5080, env="CARELINE_DESK_PORT")
    twilio_standin_port: int = Field(default=5099, env="CARELINE_TWILIO_STANDIN_PORT")
    #: The Twilio edge's port under `careline run` (careline/channels/twilio_gateway.py).
    edge_port: int = Field(default=5006, env="CARELINE_EDGE_PORT")
    #: Where every internal service listens: Rasa replicas, action servers, the Twilio
    #: gateway, the desk, the handoff worker, the incidents API, nginx's internal ports
    #: (careline/runtime/services.py says what binds where). Loopback unless the operator
    #: names an interface (an IPv4 address or a host name) the other hosts reach it on.
    bind_host: str = Field(default="127.0.0.1", env="CARELINE_BIND_HOST")
    #: Where nginx's public port listens under `careline up` (the only door meant for the
    #: outside: Twilio's webhooks, the web chat, the desk); e.g. 0.0.0.0 on a server.
    edge_host: str = Field(default="127.0.0.1", env="CARELINE_EDGE_HOST")
    #: nginx terminates TLS on the public port when both are set (PEM files).
    tls_cert_file: Optional[Path] = Field(default=None, env="CARELINE_TLS_CERT_FILE")
    tls_key_file: Optional[Path] = Field(default=None, env="CARELINE_TLS_KEY_FILE")

    #: Unset, Rasa's follows the local Rasa port (CARELINE_RASA_PORT), the edge's and the
    #: public one the local edge port (CARELINE_EDGE_PORT), see _local_urls.
    rasa_url: str = Field(default="", env="CARELINE_RASA_URL")
    rasa_token: SecretStr = Field(default=SecretStr(""), env="CARELINE_RASA_TOKEN")
    action_endpoint: Optional[str] = Field(default=None, env="CARELINE_ACTION_ENDPOINT")
    #: Rasa sends it with every action call and the action server refuses calls without it
    #: (careline/runtime/action_server.py); empty means a generated local secret.
    action_secret: SecretStr = Field(default=SecretStr(""), env="CARELINE_ACTION_SECRET")
    public_url: str = Field(default="", env="CARELINE_PUBLIC_URL")
    #: Where Rasa hands the Twilio edge messages outside a turn (an internal address).
    edge_url: str = Field(default="", env="CARELINE_EDGE_URL")

    twilio_account_sid: str = Field(default="ACtest", env="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr = Field(default=SecretStr("test"), env="TWILIO_AUTH_TOKEN")
    twilio_sms_from: str = Field(default="+15005550006", env="TWILIO_SMS_FROM")
    twilio_whatsapp_from: str = Field(default="+15005550007", env="TWILIO_WHATSAPP_FROM")
    twilio_messaging_service_sid: Optional[str] = Field(
        default=None, env="TWILIO_MESSAGING_SERVICE_SID"
    )
    #: Where the twilio client sends instead of Twilio's API (the stand-in); see
    #: Settings.resolved_twilio_api_base_url for what an unset value means per profile.
    twilio_api_base_url: Optional[str] = Field(default=None, env="TWILIO_API_BASE_URL")
    #: Lets the production profile send to TWILIO_API_BASE_URL: only for tests that run the
    #: production layout against the stand-in; never set in a real deployment.
    allow_twilio_standin: bool = Field(default=False, env="CARELINE_ALLOW_TWILIO_STANDIN")
    #: Signs web chat identity tokens (HS256); empty means a generated local secret.
    webchat_secret: SecretStr = Field(default=SecretStr(""), env="CARELINE_WEBCHAT_SECRET")
    #: python-socketio's manager across replicas (redis://…, careline/webchat/fanout.py):
    #: any replica then reaches any web chat socket. Empty = in-process (one replica).
    webchat_manager_url: Optional[SecretStr] = Field(default=None, env="CARELINE_WEBCHAT_MANAGER_URL")
    #: Keys a known customer's conversation id (an HMAC of the customer id), so the id of
    #: someone's conversation cannot be worked out from their customer number; empty means
    #: a generated local secret, refused by the production profile. Changing it starts
    #: every customer's conversation afresh.
    conversation_secret: SecretStr = Field(default=SecretStr(""), env="CARELINE_CONVERSATION_SECRET")
    #: Bearer token of the REST channel (trusted callers: ``careline chat``, tests, bench);
    #: empty means a generated local secret, and under the production profile the REST
    #: channel is off unless a real token is set (careline/channels/rest.py).
    rest_token: SecretStr = Field(default=SecretStr(""), env="CARELINE_REST_TOKEN")
    pay_url: str = Field(default="https://pay.careline.example/bill", env="CARELINE_PAY_URL")
    #: Where a pay-as-you-go customer tops up (a bill's payment page has nothing to pay).
    top_up_url: str = Field(default="https://pay.careline.example/top-up",
                            env="CARELINE_TOP_UP_URL")

    default_region: str = Field(default="GB", env="CARELINE_DEFAULT_REGION")
    log_level: str = Field(default="INFO", env="CARELINE_LOG_LEVEL")
    #: ``json`` (one object a line: ``careline up``, containers) or ``text`` (a terminal);
    #: careline/observability/logs.py. A set log file is rotated at the size, keeping backups.
    log_format: str = Field(default="text", regex=r"^(json|text)$", env="CARELINE_LOG_FORMAT")
    log_file: Optional[Path] = Field(default=None, env="CARELINE_LOG_FILE")
    log_max_bytes: int = Field(default=20_000_000, ge=10_000, env="CARELINE_LOG_MAX_BYTES")
    log_backups: int = Field(default=5, ge=0, env="CARELINE_LOG_BACKUPS")

    # Profile store (careline/profile, docs/profile.md): payment-arrangement policy,
    # plan-recommendation tolerance, and an operator's BSS billing API instead of our tables.
    arrangement_max_instalments: int = Field(default=6, ge=1, le=24,
                                             env="CARELINE_ARRANGEMENT_MAX_INSTALMENTS")
    arrangement_max_deferral_days: int = Field(default=30, ge=0, le=90,
                                               env="CARELINE_ARRANGEMENT_MAX_DEFERRAL_DAYS")
    arrangement_min_instalment: Decimal = Field(default=Decimal("10.00"), ge=0,
                                                env="CARELINE_ARRANGEMENT_MIN_INSTALMENT")
    plan_price_tolerance: Decimal = Field(default=Decimal("5.00"), ge=0,
                                          env="CARELINE_PLAN_PRICE_TOLERANCE")
    # the VAT a postpaid bill adds to catalogue prices: prices quoted to customers include it
    vat_rate: Decimal = Field(default=Decimal("0.20"), ge=0, le=1, env="CARELINE_VAT_RATE")
    billing_api_url: Optional[str] = Field(default=None, env="CARELINE_BILLING_API_URL")
    billing_api_timeout_seconds: float = Field(default=3.0, gt=0,
                                               env="CARELINE_BILLING_API_TIMEOUT_SECONDS")

    # Identity (careline/identity, docs/conversations.md): this many failed sign-in codes, or
    # failed second factors (PIN or code), within the window pause that check for the customer
    # for one window, across every conversation and channel.
    identity_lockout_max_failures: int = Field(default=5, ge=1, le=100,
                                               env="CARELINE_IDENTITY_LOCKOUT_MAX_FAILURES")
    identity_lockout_window_minutes: float = Field(default=30.0, gt=0, le=24 * 60,
                                                   env="CARELINE_IDENTITY_LOCKOUT_WINDOW_MINUTES")
    # At most this many one-time codes are texted per customer, and per number, within the
    # window (no SMS bombing a customer or a phone by asking again and again); counted in the
    # database, so the limit holds across replicas.
    identity_code_limit: int = Field(default=5, ge=1, le=100, env="CARELINE_IDENTITY_CODE_LIMIT")
    identity_code_window_minutes: float = Field(default=60.0, gt=0, le=24 * 60,
                                                env="CARELINE_IDENTITY_CODE_WINDOW_MINUTES")

    # Per-sender caps on every channel (careline/rasa_integration/sender_limits.py): a longer
    # message is refused unread; past the rate, one "slow down", then silence for the window.
    message_max_chars: int = Field(default=2000, ge=1, env="CARELINE_MESSAGE_MAX_CHARS")
    sender_rate_limit: int = Field(default=30, ge=1, env="CARELINE_SENDER_RATE_LIMIT")
    sender_rate_window_seconds: float = Field(default=60.0, gt=0,
                                              env="CARELINE_SENDER_RATE_WINDOW_SECONDS")

    # Rasa's stores (careline/rasa_integration, docs/production.md): unset = embedded defaults.
    tracker_store_url: Optional[SecretStr] = Field(default=None, env="CARELINE_TRACKER_STORE_URL")
    tracker_db: Optional[Path] = Field(default=None, env="CARELINE_TRACKER_DB")
    lock_store_url: Optional[SecretStr] = Field(default=None, env="CARELINE_LOCK_STORE_URL")
    lock_key_prefix: str = Field(default="careline", env="CARELINE_LOCK_KEY_PREFIX")
    lock_lifetime_seconds: float = Field(default=60.0, env="CARELINE_LOCK_LIFETIME_SECONDS")
    lock_wait_seconds: float = Field(default=30.0, env="CARELINE_LOCK_WAIT_SECONDS")
    action_timeout_seconds: float = Field(default=20.0, env="CARELINE_ACTION_TIMEOUT_SECONDS")
    event_broker_url: Optional[SecretStr] = Field(default=None, env="CARELINE_EVENT_BROKER_URL")
    event_queue: str = Field(default="careline_events", env="CARELINE_EVENT_QUEUE")
    events_db: Optional[Path] = Field(default=None, env="CARELINE_EVENTS_DB")

    # Handoff and agent desk (careline/handoff, careline/desk, docs/handoff.md).
    handoff_policy: Optional[Path] = Field(default=None, env="CARELINE_HANDOFF_POLICY")
    desk_url: str = Field(default="http://127.0.0.1:5080", env="CARELINE_DESK_URL")
    desk_api_token: SecretStr = Field(default=SecretStr(""), env="CARELINE_DESK_API_TOKEN")
    desk_event_queue: str = Field(default="careline_desk_events", env="CARELINE_DESK_EVENT_QUEUE")
    #: Addresses (or CIDR networks, comma-separated) of the proxy in front of the desk: only
    #: from these is X-Forwarded-For believed for the sign-in throttle; empty believes none.
    desk_trusted_proxies: str = Field(default="", env="CARELINE_DESK_TRUSTED_PROXIES")
    #: Canned responses agents insert (default: careline/desk/canned_responses.yml).
    desk_canned_responses: Optional[Path] = Field(default=None, env="CARELINE_DESK_CANNED_RESPONSES")
    #: How long a resolved conversation waits for the satisfaction score before the bot
    #: takes over anyway (any message from the customer ends the wait sooner).
    desk_rating_wait_minutes: float = Field(default=10.0, gt=0, env="CARELINE_DESK_RATING_WAIT_MINUTES")
    #: Health port of the handoff outbox worker; unset means the desk's port + 1.
    handoff_worker_port: Optional[int] = Field(default=None, env="CARELINE_HANDOFF_WORKER_PORT")
    handoff_retry_max_seconds: float = Field(default=60.0, gt=0, env="CARELINE_HANDOFF_RETRY_MAX_SECONDS")

    # Proactive outage care and insight (careline/proactive, careline/insight, docs/insight.md).
    incident_api_token: SecretStr = Field(default=SecretStr(""), env="CARELINE_INCIDENT_API_TOKEN")
    incident_api_port: Optional[int] = Field(default=None, env="CARELINE_INCIDENT_API_PORT")
    operator_timezone: str = Field(default="Europe/London", env="CARELINE_TIMEZONE")
    quiet_hours: str = Field(default="21:00-08:00", regex=r"^\d\d:\d\d-\d\d:\d\d$",
                             env="CARELINE_QUIET_HOURS")
    notice_rate_limit: int = Field(default=3, ge=1, env="CARELINE_NOTICE_RATE_LIMIT")
    notice_rate_window_hours: float = Field(default=24.0, gt=0, env="CARELINE_NOTICE_RATE_WINDOW_HOURS")
    #: Notices in flight at once; Twilio's rate is kept by the pacer, not by this.
    notice_concurrency: int = Field(default=32, ge=1, le=200, env="CARELINE_NOTICE_CONCURRENCY")
    #: Messages per second Twilio takes from one SMS number (or Messaging Service), and
    #: from the WhatsApp sender: proactive sends of one process never go faster
    #: (careline/channels/pacing.py).
    twilio_sends_per_second: float = Field(default=10.0, gt=0, le=1000,
                                           env="CARELINE_TWILIO_SENDS_PER_SECOND")
    twilio_whatsapp_sends_per_second: float = Field(
        default=80.0, gt=0, le=1000, env="CARELINE_TWILIO_WHATSAPP_SENDS_PER_SECOND")
    #: More numbers proactive SMS go out from (comma-separated E.164) besides
    #: TWILIO_SMS_FROM, each at that rate; unused when a Messaging Service picks numbers.
    twilio_sms_numbers: str = Field(default="", env="CARELINE_TWILIO_SMS_NUMBERS")
    outage_template_sid: str = Field(default="HX0000000000000000000000000000outage",
                                     env="CARELINE_OUTAGE_TEMPLATE_SID")
    insight_event_queue: str = Field(default="careline_insight_events", env="CARELINE_INSIGHT_EVENT_QUEUE")
    #: How often the process serving the dashboard folds new events (insight/folding.py).
    insight_fold_seconds: float = Field(default=5.0, gt=0, env="CARELINE_INSIGHT_FOLD_SECONDS")

    class Config:
        case_sensitive = False
        allow_mutation = False

    @root_validator(skip_on_failure=True)
    def _local_urls(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Unset URLs follow the local ports, so moving ports moves every URL: Twilio's
        webhooks go to the edge, everything else to Rasa."""
        host = reachable_host(values['bind_host'])
        edge = f"http://{host}:{values['edge_port']}"
        values["rasa_url"] = values.get("rasa_url") or f"http://{host}:{values['rasa_port']}"
        values["edge_url"] = values.get("edge_url") or edge
        values["public_url"] = values.get("public_url") or edge
        return values

    @root_validator(skip_on_failure=True)
    def _tls_needs_both_files(cls, values: dict[str, Any]) -> dict[str, Any]:
        if bool(values.get("tls_cert_file")) != bool(values.get("tls_key_file")):
            raise ValueError("TLS needs both CARELINE_TLS_CERT_FILE and CARELINE_TLS_KEY_FILE")
        return values

    @root_validator(skip_on_failure=True)
    def _production_refuses_placeholders(cls, values: dict[str, Any]) -> dict[str, Any]:
        """One error naming every variable production still needs (never their values)."""
        if values.get("profile") != Profile.PRODUCTION:
            return values
        problems = [_env(name) for name in PRODUCTION_SECRETS
                    if values[name].get_secret_value() in PLACEHOLDER_SECRETS]
        if values.get("twilio_account_sid", "") in PLACEHOLDER_SECRETS:
            problems.append(_env("twilio_account_sid"))
        if not values.get("twilio_messaging_service_sid"):
            problems += [f"{_env(name)} (or TWILIO_MESSAGING_SERVICE_SID)"
                         for name in ("twilio_sms_from", "twilio_whatsapp_from")
                         if values.get(name, "") in PLACEHOLDER_NUMBERS]
        if not values.get("database_url"):
            problems.append(_env("database_url"))
        standin = bool(values.get("allow_twilio_standin"))
        if values.get("twilio_api_base_url") and not standin:
            problems.append("TWILIO_API_BASE_URL must be unset (it points the twilio client "
                            "away from Twilio; only CARELINE_ALLOW_TWILIO_STANDIN=true allows it)")
        # Twilio signs the public URL and calls it with customers' messages: https, unless
        # a test runs the production layout against the stand-in on this machine.
        if not str(values.get("public_url", "")).startswith("https://") and not standin:
            problems.append("CARELINE_PUBLIC_URL (an https:// URL Twilio reaches)")
        if problems:
            raise ValueError("the production profile needs real values for: "
                             + ", ".join(problems))
        return values

    @property
    def resolved_database_url(self) -> str:
        """The profile store's URL: the environment's, or a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'careline.db'}"

    @property
    def standin_url(self) -> str:
        """The local Twilio stand-in's address (CARELINE_TWILIO_STANDIN_PORT)."""
        return f"http://{self.internal_host}:{self.twilio_standin_port}"

    @property
    def resolved_twilio_api_base_url(self) -> Optional[str]:
        """Where the twilio client sends: TWILIO_API_BASE_URL if set, else locally the
        stand-in (so no command beside `make run` reaches Twilio by accident), and under
        the production profile None: Twilio's own API (api.twilio.com)."""
        if self.twilio_api_base_url:
            return self.twilio_api_base_url
        return self.standin_url if self.profile is Profile.LOCAL else None

    @property
    def resolved_handoff_worker_port(self) -> int:
        return self.handoff_worker_port or self.desk_port + 1

    @property
    def resolved_incident_api_port(self) -> int:
        """The incidents API's port: the environment's, or the desk's port + 2."""
        return self.incident_api_port or self.desk_port + 2

    @property
    def resolved_action_endpoint(self) -> str:
        """Where Rasa calls the action server: the environment's, or the local port."""
        return self.action_endpoint or f"http://{self.internal_host}:{self.actions_port}/webhook"

    @property
    def internal_host(self) -> str:
        """Where Careline's own processes reach each other: see :func:`reachable_host`."""
        return reachable_host(self.bind_host)

    def secret(self, name: str) -> str:
        """The secret setting ``name`` (e.g. ``"rasa_token"``): its configured value, or
        under the local profile one generated once into ``<data dir>/secrets/rasa-token``,
        which every process and command on this data dir then shares.

        The production profile never generates one (each host would make its own) and
        raises :class:`MissingSecret` for an unset or placeholder value.
        """
        configured = getattr(self, name).get_secret_value()
        if self.profile is Profile.PRODUCTION:
            if configured in PLACEHOLDER_SECRETS:
                raise MissingSecret(f"the production profile needs {_env(name)}")
            return str(configured)
        return str(configured) or local_secret(self.data_dir, name.replace("_", "-"))

    def masked(self) -> dict[str, str]:
        """Settings as strings safe to print: secrets and URL passwords hidden."""
        shown: dict[str, str] = {}
        for name, value in self:
            if isinstance(value, SecretStr):
                shown[name] = "**********" if value.get_secret_value() else ""
            elif name == "database_url" and value:
                shown[name] = _mask_url_password(value)
            else:
                shown[name] = "" if value is None else str(getattr(value, "value", value))
        return shown


def _env(name: str) -> str:
    """The environment variable behind a settings field (what an operator sets)."""
    return str(Settings.__fields__[name].field_info.extra["env"])


#: Addresses that mean "every interface": a client cannot connect to them.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def reachable_host(bind_host: str) -> str:
    """The address a local client connects to for a server bound to ``bind_host``:
    loopback when it listens on every interface (an operator's choice, never a default)."""
    return "127.0.0.1" if bind_host in WILDCARD_HOSTS else bind_host


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return repr(make_url(url))


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings from the environment the first time they are needed."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings so the next call re-reads the environment (tests)."""
    get_settings.cache_clear()
