"""The generated nginx configuration is valid for nginx itself and routes as documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from careline.deploy.nginx import TWILIO_GATEWAY_PATHS, NginxLayout, write
from careline.deploy.stack import nginx_binary


def test_nginx_accepts_the_generated_configuration(tmp_path: Path) -> None:
    layout = NginxLayout(listen_port=18080, actions_port=18079, rasa_ports=(18100, 18101),
                         action_ports=(18200, 18201), gateway_port=18078, prefix=tmp_path,
                         action_timeout_seconds=20)
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
    assert "server 127.0.0.1:18078;" in text.split("upstream twilio_gateway {", 1)[1]


def test_twilio_webhooks_and_callbacks_go_to_the_gateway_and_relayed_turns_to_rasa() -> None:
    pattern = re.compile(TWILIO_GATEWAY_PATHS)
    for channel in ("sms", "whatsapp"):
        for route in ("webhook", "status"):
            assert pattern.match(f"/webhooks/{channel}/{route}")
        assert not pattern.match(f"/webhooks/{channel}/turn")  # the relay's, to a replica
    assert not pattern.match("/webhooks/rest/webhook")
    assert not pattern.match("/webhooks/sms/webhook/extra")
