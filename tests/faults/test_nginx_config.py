"""The generated nginx configuration is valid for nginx itself and routes as documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from careline.deploy.nginx import (
    EDGE_OUTBOUND_PATHS,
    TWILIO_GATEWAY_PATHS,
    NginxLayout,
    render,
    write,
)
from careline.deploy.stack import nginx_binary


def _layout(prefix: Path, **overrides) -> NginxLayout:
    return NginxLayout(**{"listen_port": 18080, "api_port": 18077, "actions_port": 18079,
                          "rasa_ports": (18100, 18101), "action_ports": (18200, 18201),
                          "gateway_port": 18078, "prefix": prefix,
                          "action_timeout_seconds": 20, **overrides})


def _servers(text: str) -> dict[str, str]:
    """Each ``server { … }`` block of the rendered text by the address it listens on."""
    blocks = text.split("\n  server {")[1:]
    return {re.search(r"listen (\S+);", block).group(1): block for block in blocks}


def test_nginx_accepts_the_generated_configuration(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    config = write(layout)
    checked = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    text = config.read_text()
    sticky = text.split("upstream rasa_sticky {", 1)[1].split("}", 1)[0]
    assert "ip_hash;" in sticky and "127.0.0.1:18101" in sticky
    assert "location /socket.io/ {" in text and "proxy_pass http://rasa_sticky;" in text
    assert "proxy_read_timeout 20s;" in text  # the bound on one action call
    assert f"location ~ {TWILIO_GATEWAY_PATHS} {{" in text
    gateways = text.split("upstream twilio_gateway {", 1)[1].split("}", 1)[0]
    assert "server 127.0.0.1:18078 max_fails=1" in gateways


def test_webhooks_pass_to_the_next_gateway_on_an_error_and_desk_replies_only_if_never_sent(
        tmp_path: Path) -> None:
    text = render(_layout(tmp_path, gateway_count=2))
    for upstream in ("twilio_gateway", "twilio_gateway_outbound"):
        servers = text.split(f"upstream {upstream} {{", 1)[1].split("}", 1)[0]
        assert re.findall(r"server (\S+) ", servers) == ["127.0.0.1:18078", "127.0.0.1:18079"]
        # kept alive only where a request sent to a gateway that died may be sent again
        assert ("keepalive 32;" in servers) is (upstream == "twilio_gateway")
    webhook = text.split(f"location ~ {TWILIO_GATEWAY_PATHS} {{", 1)[1].split("}", 1)[0]
    # never on a timeout; once sent too: the MessageSid claim answers a retry as a duplicate
    assert "proxy_pass http://twilio_gateway;" in webhook
    assert "proxy_next_upstream error non_idempotent;" in webhook
    assert "proxy_next_upstream_tries 2;" in webhook
    outbound = text.split(f"location ~ {EDGE_OUTBOUND_PATHS} {{", 1)[1].split("}", 1)[0]
    assert "proxy_pass http://twilio_gateway_outbound;" in outbound
    assert "proxy_next_upstream error;" in outbound  # a desk reply sent is never sent again


def test_twilio_webhooks_and_callbacks_go_to_the_gateway_and_relayed_turns_to_rasa() -> None:
    pattern = re.compile(TWILIO_GATEWAY_PATHS)
    for channel in ("sms", "whatsapp"):
        for route in ("webhook", "status"):
            assert pattern.match(f"/webhooks/{channel}/{route}")
        assert not pattern.match(f"/webhooks/{channel}/turn")  # the relay's, to a replica
    assert not pattern.match("/webhooks/rest/webhook")
    assert not pattern.match("/webhooks/sms/webhook/extra")


def test_the_public_port_routes_only_the_public_doors(tmp_path: Path) -> None:
    """Rasa's HTTP API (/model, /conversations, /status…), the REST channel and relayed
    turns are reachable only on the internal API port; the public port answers 404."""
    public = _servers(render(_layout(tmp_path)))["127.0.0.1:18080"]
    locations = re.findall(r"location ([^{]+?) \{", public)
    assert locations == ["= /nginx-health", "/socket.io/", "/webhooks/webchat/",
                         f"~ {TWILIO_GATEWAY_PATHS}", "/"]
    assert "location / { return 404; }" in public
    assert "proxy_pass http://rasa;" not in public
    for path in ("/model", "/conversations", "/status", "/version", "/webhooks/rest/webhook"):
        assert f"location {path}" not in public and f"location = {path}" not in public
    internal = _servers(render(_layout(tmp_path)))["127.0.0.1:18077"]
    assert "proxy_pass http://rasa;" in internal


def test_internal_ports_and_upstreams_use_the_bind_host(tmp_path: Path) -> None:
    text = render(_layout(tmp_path, bind_host="10.1.2.3"))
    assert set(_servers(text)) == {"127.0.0.1:18080", "10.1.2.3:18077", "10.1.2.3:18079"}
    assert "server 10.1.2.3:18100 " in text and "server 10.1.2.3:18078 " in text
    assert "127.0.0.1:181" not in text and "127.0.0.1:182" not in text
    everywhere = render(_layout(tmp_path, bind_host="0.0.0.0"))
    assert "listen 0.0.0.0:18077;" in everywhere
    assert "server 127.0.0.1:18200 " in everywhere  # a wildcard is reached on loopback
