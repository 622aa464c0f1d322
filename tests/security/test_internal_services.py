"""Internal services are internal: the action server answers only Rasa, nothing but the
public edge listens beyond loopback, and nginx's public port routes no Rasa HTTP API.

Against the running stack (``careline run`` on free ports) and, for nginx, a real nginx
running the rendered configuration in front of stand-in upstreams that record what
reaches them.
"""

from __future__ import annotations

import asyncio
import fcntl
import http.server
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from careline.channels.phone_simulator import PhoneMessage
from careline.channels.store import ChannelStore
from careline.channels.apology import APOLOGY
from careline.db.session import get_engine
from careline.deploy.nginx import NginxLayout, write
from careline.deploy.stack import nginx_binary
from careline.runtime.supervisor import wait_healthy
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack, free_port
from tests.e2e.test_twilio_channels import _bodies
from tests.eventually import eventually

pytestmark = pytest.mark.slow

#: Words and figures of an account answer (utter_balance_due / utter_balance_clear).
ACCOUNT_WORDS = ("£", "balance", "due", "amount")


def _actions_url(stack: CarelineStack) -> str:
    return f"http://127.0.0.1:{stack.settings.actions_port}"


def _secret(stack: CarelineStack) -> str:
    return (stack.settings.data_dir / "secrets" / "action-secret").read_text().strip()


def _forged_call(customer_id: int) -> dict:
    """What Rasa would post for a verified customer asking for their balance."""
    sender = f"customer-{customer_id}"
    slots = {"verified": True, "customer_id": str(customer_id), "channel": "webchat",
             "second_factor": True}
    return {"next_action": "action_check_balance", "sender_id": sender, "version": "3.6.21",
            "tracker": {"sender_id": sender, "slots": slots, "latest_message": {},
                        "events": [], "paused": False, "followup_action": None,
                        "active_loop": {}, "latest_action_name": "action_listen"},
            "domain": {}}


@pytest.mark.parametrize("authorization", [None, "Bearer guessed-secret", "Bearer "])
def test_a_forged_tracker_posted_to_the_action_server_reads_no_account(
        careline_stack: CarelineStack, authorization: str | None) -> None:
    """Attack: POST the action server's ``/webhook`` directly with a tracker whose slots say
    ``verified: true`` for a real customer, without the shared secret or with a guessed one,
    and read that customer's balance: the action server believes the tracker it is sent."""
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile())
    headers = {"Authorization": authorization} if authorization is not None else {}
    reply = requests.post(f"{_actions_url(careline_stack)}/webhook",
                          json=_forged_call(customer.customer_id), headers=headers, timeout=30)
    assert reply.status_code == (401 if authorization is None else 403)
    assert "responses" not in reply.text and "events" not in reply.text
    assert not any(word in reply.text.lower() for word in ACCOUNT_WORDS)
    # the same call with Rasa's secret is answered: the refusal is the secret's doing
    secret = _secret(careline_stack)
    trusted = requests.post(f"{_actions_url(careline_stack)}/webhook", timeout=30,
                            json=_forged_call(customer.customer_id),
                            headers={"Authorization": f"Bearer {secret}"})
    assert trusted.status_code == 200 and "responses" in trusted.json()


def test_the_action_server_does_not_list_its_actions_to_strangers(
        careline_stack: CarelineStack) -> None:
    """Attack: ``GET /actions`` maps what the action server can do before forging a call;
    only ``/health`` answers without the secret (for the supervisors' probes)."""
    assert requests.get(f"{_actions_url(careline_stack)}/actions", timeout=10).status_code == 401
    health = requests.get(f"{_actions_url(careline_stack)}/health", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_rasa_calls_the_action_server_with_the_secret(careline_stack: CarelineStack) -> None:
    """Not an attack: the door still opens for Rasa. A real SMS turn runs a custom action
    (the plan catalogue, action_list_plans), which answers (its events follow it in the
    tracker) instead of failing with 401."""
    number = random_mobile()
    asyncio.run(careline_stack.phone("sms", number).send(
        PhoneMessage(text="what mobile plans do you offer")))
    bodies = eventually(lambda: _bodies(careline_stack, number), timeout=90)
    assert APOLOGY not in bodies
    store = ChannelStore(get_engine(careline_stack.database_url))
    conversation = eventually(lambda: [d.sender_id for d in store.deliveries(to_address=number)
                                        if d.sender_id])[0]
    secret = _secret(careline_stack)
    served = {a["name"] for a in requests.get(
        f"{_actions_url(careline_stack)}/actions", timeout=10,
        headers={"Authorization": f"Bearer {secret}"}).json()}
    events = careline_stack.tracker(conversation)["events"]
    answered = [event["name"] for event, after in zip(events, events[1:])
                if event["event"] == "action" and event["name"] in served
                and after["event"] != "action"]
    assert answered, "no custom action produced events: Rasa's calls were refused"


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of every listening TCP socket on ``port`` (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _machine_addresses() -> set[str]:
    """This machine's own non-loopback IPv4 addresses (no traffic leaves it)."""
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915,  # SIOCGIFADDR
                                     struct.pack("256s", name[:15].encode()))
            except OSError:
                continue  # an interface without an IPv4 address
            address = socket.inet_ntoa(packed[20:24])
            if not address.startswith("127."):
                found.add(address)
    return found


def _stack_ports(stack: CarelineStack) -> dict[str, int]:
    settings = stack.settings
    return {"rasa": settings.rasa_port, "actions": settings.actions_port,
            "desk": settings.desk_port, "handoff-worker": settings.resolved_handoff_worker_port,
            "incidents": settings.resolved_incident_api_port,
            "twilio-standin": settings.twilio_standin_port, "gateway": settings.edge_port}


def test_no_internal_service_listens_beyond_loopback(careline_stack: CarelineStack) -> None:
    """Attack: reach the action server, Rasa's HTTP API, the desk or the incidents API from
    another host on the network: rasa and rasa_sdk listen on every interface by default."""
    for name, port in _stack_ports(careline_stack).items():
        addresses = _listening_addresses(port)
        assert addresses, f"{name} is not listening on {port}"
        assert addresses <= {"127.0.0.1", "::1"}, f"{name} listens on {addresses}"
    for address in _machine_addresses():
        for name, port in _stack_ports(careline_stack).items():
            with socket.socket() as sock:
                sock.settimeout(2)
                assert sock.connect_ex((address, port)) != 0, f"{name} answers on {address}"


class _Recorder(http.server.ThreadingHTTPServer):
    """An upstream stand-in that answers 200 with its name and records every path."""

    def __init__(self, name: str) -> None:
        self.name, self.paths = name, []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                recorder.paths.append(self.path)
                body = recorder.name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NginxLayout, _Recorder,
                                                                     _Recorder]]:
    """nginx with careline up's rendered configuration; a recorder as the replica and one
    as the Twilio gateway."""
    rasa, gateway = _Recorder("rasa"), _Recorder("gateway")
    layout = NginxLayout(listen_port=free_port(), api_port=free_port(),
                         actions_port=free_port(), rasa_ports=(rasa.server_address[1],),
                         action_ports=(free_port(),), gateway_port=gateway.server_address[1],
                         prefix=tmp_path_factory.mktemp("nginx"), action_timeout_seconds=5)
    process = subprocess.Popen([nginx_binary(), "-p", str(layout.prefix), "-c",
                                str(write(layout))], stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{layout.listen_port}/nginx-health",
                     deadline=time.monotonic() + 30, process=process)
        yield layout, rasa, gateway
    finally:
        process.terminate()
        process.wait(timeout=10)
        rasa.shutdown()
        gateway.shutdown()


#: Rasa's HTTP API and the internal routes, each as an attacker would ask for them.
API_ATTACKS = [
    ("PUT", "/model"),  # replace the running model
    ("GET", "/conversations/customer-1/tracker?token=stolen"),
    ("POST", "/conversations/customer-1/trigger_intent"),
    ("POST", "/conversations/customer-1/tracker/events"),
    ("GET", "/status"), ("GET", "/version"), ("GET", "/"),
    ("POST", "/webhooks/rest/webhook"),
    ("POST", "/webhooks/sms/turn"),
    ("POST", "/webhooks/whatsapp/outbound"),  # Rasa's messages to the gateways: internal
    ("GET", "/webhooks/webchat/../../conversations/customer-1/tracker"),
    ("GET", "/webhooks/webchat/%2e%2e/%2e%2e/status"),
    ("GET", "/socket.io/../model"),
    ("GET", "//conversations/customer-1/tracker"),
]


@pytest.mark.parametrize(("method", "path"), API_ATTACKS)
def test_the_public_edge_routes_no_rasa_http_api(edge, method: str, path: str) -> None:
    """Attack: from the internet, call Rasa's HTTP API through nginx's public port (replace
    the model, read or write any conversation with a leaked token, inject a relayed turn),
    directly or by walking out of a public prefix with ``..``."""
    layout, rasa, gateway = edge
    before = len(rasa.paths) + len(gateway.paths)
    reply = requests.request(method, f"http://127.0.0.1:{layout.listen_port}{path}", timeout=10)
    assert reply.status_code == 404
    assert len(rasa.paths) + len(gateway.paths) == before, rasa.paths[before:]


def test_the_public_doors_and_the_internal_api_still_open(edge) -> None:
    """Not an attack: Twilio's webhooks reach the gateway, the web chat the replica, and
    Careline's own services reach Rasa's HTTP API on the internal port."""
    layout, rasa, gateway = edge
    public = f"http://127.0.0.1:{layout.listen_port}"
    assert requests.post(f"{public}/webhooks/sms/webhook", timeout=10).text == "gateway"
    assert requests.post(f"{public}/webhooks/whatsapp/status", timeout=10).text == "gateway"
    assert requests.get(f"{public}/webhooks/webchat/chat", timeout=10).text == "rasa"
    assert requests.get(f"{public}/socket.io/?EIO=4&transport=polling", timeout=10).text == "rasa"
    internal = f"http://127.0.0.1:{layout.api_port}"
    assert requests.get(f"{internal}/status", timeout=10).text == "rasa"
    assert rasa.paths[-1] == "/status"
    # Rasa hands the gateways its messages outside a turn on the internal port
    assert requests.post(f"{internal}/webhooks/sms/outbound", timeout=10).text == "gateway"
    assert gateway.paths[-1] == "/webhooks/sms/outbound"
