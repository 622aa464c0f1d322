"""The generated nginx configuration is valid for nginx itself and routes as documented."""

from __future__ import annotations

import subprocess
from pathlib import Path

from careline.deploy.nginx import NginxLayout, write
from careline.deploy.stack import nginx_binary


def test_nginx_accepts_the_generated_configuration(tmp_path: Path) -> None:
    layout = NginxLayout(listen_port=18080, actions_port=18079, rasa_ports=(18100, 18101),
                         action_ports=(18200, 18201), receipts_port=18078, prefix=tmp_path,
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
