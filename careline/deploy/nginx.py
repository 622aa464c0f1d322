"""The nginx configuration in front of Careline's replicas.

nginx listens on three ports. The public one (``listen_port``, the only one meant to be
reachable from outside) routes only the public doors: Twilio's webhooks and status
callbacks to the gateway, and the web chat's page and socket.io to the replicas;
every other path answers 404 there, so Rasa's HTTP API (``/model``, ``/conversations``,
``/status``…), the REST channel and the gateway's relayed turns are not reachable from
the public edge even with a stolen token. The internal ones listen on
``CARELINE_BIND_HOST`` (loopback by default): ``api_port`` for Rasa's HTTP API, the
REST channel and the relayed turns (the desk, the handoff worker, proactive delivery
and the gateway call it), ``actions_port`` for the action servers.

* The HTTP API and relayed turns go to any Rasa replica (least connections): the
  Redis lock serialises each conversation, so no routing by conversation is needed.
* Web chat (socket.io and the webchat channel's paths) sticks to one replica by
  client address (``ip_hash``): Rasa's socket.io channel keeps session state in the
  process that accepted the connection.
* Action calls go through their own upstream with a read timeout, which is what
  bounds the slowest allowed action (the Redis lock's lease must outlive it).
* Twilio's webhooks and delivery status callbacks (``/webhooks/sms/webhook``,
  ``/webhooks/whatsapp/status``, …) go to the Twilio gateway, not to a replica: the
  channel's checks, lookups, sends and writes would cost the replicas' event loops,
  which also run the model. The gateway relays each turn back through this nginx to
  a replica (``/webhooks/sms/turn``, token-protected) on the internal API port, and a
  replica hands the gateways its messages outside a turn (desk replies) there too
  (``/webhooks/sms/outbound``, token-protected, ``EDGE_OUTBOUND_PATHS``), passed to
  another gateway only if never sent.
* What nginx passes to another replica is only what is safe to run twice. A POST
  (``proxy_next_upstream error``, without ``non_idempotent``) goes to the next one only
  when it was never sent: nginx marks a request sent as soon as it starts writing it, and
  a POST marked sent is never retried, whatever the error. Turns and action calls may be
  retried after a replica received them (``error non_idempotent``), because a second run
  changes nothing twice: every account write and handoff is keyed by the turn's message
  id, which is a relayed turn's MessageSid and, for the REST channel, the
  ``X-Request-ID`` nginx gives the request (``TURN_PATHS``; the same on the retry), and an
  action call carries the same tracker, so the same keys. Everything else on the API port
  (the desk's events, ``trigger_intent``) is not retried once sent. GETs are retried on
  any connection error.
* Twilio's webhooks go to any of the gateways (``gateway_count`` consecutive ports from
  ``gateway_port``; they keep no state, claims and routes are in the database) over
  kept-alive connections (a fresh one per request cost a gateway half a millisecond of
  CPU each, three or four times per message). A webhook or status callback that fails
  on one, even once sent, is passed to the next (``error non_idempotent``, never on a
  timeout), so a killed gateway costs Twilio no refusal: a webhook the first had
  claimed is answered as a duplicate and its turn re-driven from the journal, and a
  status callback is an ordered upsert. Rasa's messages outside a turn, which send an
  SMS, use fresh connections (``twilio_gateway_outbound``): refused before they are
  sent, they go to the next gateway, and once sent never again.

The edge (:class:`Edge`): the public port listens on ``CARELINE_EDGE_HOST`` (loopback
unless the operator names an address, e.g. ``0.0.0.0``) and terminates TLS when
``CARELINE_TLS_CERT_FILE`` and ``CARELINE_TLS_KEY_FILE`` are set. The agents' desk gets
a public server of its own on the edge (``desk_listen_port``, same address and TLS):
agents sign in with their own accounts there, while the desk's machine API (``/api/``,
the handoff worker's) and ``/metrics`` answer 404 on it. The incidents API is internal
only: on the internal API port under ``/incidents``, behind its own bearer token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from careline.settings import Settings, reachable_host

#: The web chat's socket.io and page: public, and sticky to one replica.
STICKY_PATHS = ("/socket.io/", "/webhooks/webchat/")
#: Exactly the webhook and status routes of the SMS and WhatsApp channels.
TWILIO_GATEWAY_PATHS = r"^/webhooks/(sms|whatsapp)/(webhook|status)$"
#: Rasa's messages outside a turn, to the gateways on the internal API port.
EDGE_OUTBOUND_PATHS = r"^/webhooks/(sms|whatsapp)/outbound$"
#: Turns on the internal API port (the gateway's relayed turns, the REST channel): safe to
#: run again on another replica, as their message ids are kept.
TURN_PATHS = r"^/webhooks/((sms|whatsapp)/turn|rest/webhook)$"
#: nginx's id of a request, the same when it passes the request on: a REST turn's message id.
REQUEST_ID_HEADER = "X-Request-ID"
#: nginx closes idle upstream connections before the Sanic servers behind it do
#: (SANIC_KEEP_ALIVE_SECONDS), so it never reuses one the server is closing.
UPSTREAM_KEEPALIVE_SECONDS = 60


@dataclass(frozen=True)
class Edge:
    """nginx's public side, and the single-instance services it fronts besides Rasa."""

    #: Where the public port (and the desk's) listens: CARELINE_EDGE_HOST.
    host: str = "127.0.0.1"
    tls_cert_file: Optional[Path] = None
    tls_key_file: Optional[Path] = None
    #: The desk on the edge at this port, proxied to the desk's own (internal) port.
    desk_listen_port: Optional[int] = None
    desk_port: Optional[int] = None
    #: The incidents API's own port, routed at /incidents on the internal API port.
    incidents_port: Optional[int] = None

    @classmethod
    def from_settings(cls, settings: Settings, *, desk_listen_port: Optional[int] = None
                      ) -> Edge:
        """The edge the settings describe, fronting the desk and incidents API they run."""
        return cls(host=settings.edge_host, tls_cert_file=settings.tls_cert_file,
                   tls_key_file=settings.tls_key_file, desk_listen_port=desk_listen_port,
                   desk_port=settings.desk_port if desk_listen_port else None,
                   incidents_port=settings.resolved_incident_api_port)

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None and self.tls_key_file is not None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def url(self, port: int) -> str:
        """The edge's URL on ``port`` as a client on this machine reaches it."""
        return f"{self.scheme}://{reachable_host(self.host)}:{port}"

    def urls(self, api_url: str) -> tuple[str, ...]:
        """The desk and incidents API through nginx (``api_url``: its internal port), for
        the start-up banner."""
        found = []
        if self.desk_listen_port and self.desk_port:
            found.append(f"Agent desk (edge, agents sign in): {self.url(self.desk_listen_port)}/")
        if self.incidents_port:
            found.append(f"Incidents API (internal, bearer token): POST {api_url}/incidents")
        return tuple(found)


@dataclass(frozen=True)
class NginxLayout:
    """Ports and files of one nginx instance."""

    listen_port: int
    #: Internal: Rasa's HTTP API, the REST channel, the gateway's relayed turns and
    #: Rasa's messages outside a turn to the gateways.
    api_port: int
    actions_port: int
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    #: The first gateway's port; the others follow it (``gateway_count`` in all).
    gateway_port: int
    prefix: Path
    action_timeout_seconds: float
    #: Where the internal ports listen and the upstream servers are reached.
    bind_host: str = "127.0.0.1"
    edge: Edge = Edge()
    gateway_count: int = 1

    @property
    def config_path(self) -> Path:
        return self.prefix / "nginx.conf"

    @property
    def gateway_ports(self) -> tuple[int, ...]:
        return tuple(self.gateway_port + i for i in range(self.gateway_count))


def render(layout: NginxLayout) -> str:
    """nginx.conf text for ``layout`` (foreground, every path inside the prefix)."""
    host = reachable_host(layout.bind_host)
    rasa = "\n".join(f"    server {host}:{p} max_fails=1 fail_timeout=5s;"
                     for p in layout.rasa_ports)
    actions = "\n".join(f"    server {host}:{p} max_fails=1 fail_timeout=5s;"
                        for p in layout.action_ports)
    gateways = "\n".join(f"    server {host}:{p} max_fails=1 fail_timeout=5s;"
                         for p in layout.gateway_ports)
    sticky = "\n".join(_sticky_location(path) for path in STICKY_PATHS)
    prefix = layout.prefix
    timeout = max(1, int(layout.action_timeout_seconds))
    edge = layout.edge
    public_listen = _edge_listen(edge, layout.listen_port)
    incidents = (_incidents_location(host, edge.incidents_port)
                 if edge.incidents_port else "")
    desk = _desk_server(edge, host) if edge.desk_listen_port and edge.desk_port else ""
    return f"""# Generated by `careline up`; do not edit (see careline/deploy/nginx.py).
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
  upstream rasa {{
    least_conn;
{rasa}
    keepalive 32;
    keepalive_timeout {UPSTREAM_KEEPALIVE_SECONDS}s;
  }}
  upstream rasa_sticky {{
    ip_hash;
{rasa}
  }}
  # webhooks and status callbacks: kept alive, as their retries are answered once
  upstream twilio_gateway {{
{gateways}
    keepalive 32;
    keepalive_timeout {UPSTREAM_KEEPALIVE_SECONDS}s;
  }}
  # messages outside a turn: a fresh connect is refused before the message is sent
  upstream twilio_gateway_outbound {{
{gateways}
  }}
  upstream actions {{
    least_conn;
{actions}
    keepalive 32;
    keepalive_timeout {UPSTREAM_KEEPALIVE_SECONDS}s;
  }}
  server {{
{public_listen}
    location = /nginx-health {{ return 200 "ok\\n"; }}
{sticky}
    location ~ {TWILIO_GATEWAY_PATHS} {{
      proxy_pass http://twilio_gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # even once sent: a MessageSid claimed by the failed gateway is a duplicate here
      proxy_next_upstream error non_idempotent;
      proxy_next_upstream_tries {len(layout.gateway_ports)};
    }}
    # Rasa's HTTP API, the REST channel and relayed turns: internal only (api_port).
    location / {{ return 404; }}
  }}
  server {{
    listen {layout.bind_host}:{layout.api_port};
    location = /nginx-health {{ return 200 "ok\\n"; }}
{incidents}
    # Rasa's messages outside a turn, to a gateway to send: never sent twice
    location ~ {EDGE_OUTBOUND_PATHS} {{
      proxy_pass http://twilio_gateway_outbound;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_next_upstream error;
      proxy_next_upstream_tries {len(layout.gateway_ports)};
    }}
    # a turn runs again on another replica even once sent: its writes are keyed by its id
    location ~ {TURN_PATHS} {{
      proxy_set_header {REQUEST_ID_HEADER} $request_id;
{_rasa_proxy("error non_idempotent")}
    }}
    # anything else is passed on only if it was never sent (a POST) or on an error (a GET)
    location / {{
{_rasa_proxy("error")}
    }}
  }}
  server {{
    listen {layout.bind_host}:{layout.actions_port};
    client_body_buffer_size 1m;  # action calls carry the tracker: keep them in memory
    location / {{
      proxy_pass http://actions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout {timeout}s;
      # a call that reached a dead action server runs again: the account writes are keyed
      proxy_next_upstream error non_idempotent;
      proxy_next_upstream_tries 2;
    }}
  }}
{desk}
}}
"""


def _rasa_proxy(next_upstream: str) -> str:
    """A location's body passing to the replicas, retried on the next when ``next_upstream``."""
    return f"""      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 120s;
      proxy_next_upstream {next_upstream};
      proxy_next_upstream_tries 2;"""


def _edge_listen(edge: Edge, port: int) -> str:
    """A public server's listen line, and its certificate when the edge terminates TLS."""
    address = f"[{edge.host}]" if ":" in edge.host else edge.host
    if not edge.tls:
        return f"    listen {address}:{port};"
    return f"""    listen {address}:{port} ssl;
    ssl_certificate {edge.tls_cert_file};
    ssl_certificate_key {edge.tls_key_file};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:edge:10m;
    add_header Strict-Transport-Security "max-age=31536000" always;"""


def _incidents_location(host: str, port: int) -> str:
    return f"""    location /incidents {{
      proxy_pass http://{host}:{port};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 300s;
    }}"""


def _desk_server(edge: Edge, host: str) -> str:
    """The agents' desk on the edge: every page behind its sign-in, never its machine API
    (``/api/`` but the designers' review API, which their session signs).

    X-Forwarded-For is set to the client's address, not appended to, so the desk's
    sign-in throttle (which believes nginx, CARELINE_DESK_TRUSTED_PROXIES) cannot be fed
    a made-up address; the live queue and transcripts stream, so nothing is buffered.
    """
    return f"""  server {{
{_edge_listen(edge, edge.desk_listen_port or 0)}
    location /api/ {{ return 404; }}
    location = /metrics {{ return 404; }}
    location /api/review/ {{
{_desk_proxy(host, edge.desk_port or 0)}
    }}
    location / {{
{_desk_proxy(host, edge.desk_port or 0)}
    }}
  }}"""


def _desk_proxy(host: str, port: int) -> str:
    return f"""      proxy_pass http://{host}:{port};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_read_timeout 3600s;"""


def _sticky_location(path: str) -> str:
    return f"""    location {path} {{
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
    }}"""


def write(layout: NginxLayout) -> Path:
    """Write the configuration and the temp directories nginx needs."""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (layout.prefix / name).mkdir(parents=True, exist_ok=True)
    layout.config_path.write_text(render(layout))
    return layout.config_path
