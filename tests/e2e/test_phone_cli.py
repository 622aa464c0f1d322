"""``careline sms`` / ``careline whatsapp`` against the running stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

from careline.runtime.services import rasa_environment
from careline.settings import PROJECT_ROOT
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack

pytestmark = pytest.mark.slow


def _careline(stack: CarelineStack, *args: str) -> subprocess.CompletedProcess:
    env = rasa_environment(stack.settings, stack.token)
    return subprocess.run([sys.executable, "-m", "careline.cli.main", *args], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)


def test_the_same_message_sid_twice_prints_the_reply_once(careline_stack):
    number, sid = random_mobile(), "SM" + "c" * 32
    first = _careline(careline_stack, "sms", "--from", number, "--message-sid", sid, "hello")
    second = _careline(careline_stack, "sms", "--from", number, "--message-sid", sid, "hello")
    assert first.returncode == 0, first.stderr
    replies = [line for line in first.stdout.splitlines() if line.startswith("Careline: ")]
    assert replies
    assert second.returncode == 0, second.stderr
    assert "already processed" in second.stdout
    assert not [line for line in second.stdout.splitlines() if line.startswith("Careline: ")]


def test_whatsapp_media_only_message_from_the_command_line(careline_stack):
    number = random_mobile()
    result = _careline(careline_stack, "whatsapp", "--from", number,
                       "--media", "https://example.com/router.jpg")
    assert result.returncode == 0, result.stderr
    assert "Careline: " in result.stdout


def test_a_wrong_auth_token_is_reported_clearly(careline_stack):
    env_settings = careline_stack.settings.copy(
        update={"twilio_auth_token": careline_stack.settings.twilio_auth_token.__class__("x")})
    env = rasa_environment(env_settings, careline_stack.token)
    result = subprocess.run([sys.executable, "-m", "careline.cli.main", "sms", "--from",
                             random_mobile(), "hi"], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_as_a_customer_goes_through_a_signed_webhook(careline_stack):
    """``careline chat --phone`` is the customer only by the route a real phone takes: a
    WhatsApp webhook signed with the Twilio auth token, so the number is proven."""
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile(), whatsapp=True)
    env = rasa_environment(careline_stack.settings, careline_stack.token)
    chat = subprocess.run([sys.executable, "-m", "careline.cli.main", "chat", "--phone",
                           customer.msisdn], input="hello\n/quit\n", env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=180)
    assert chat.returncode == 0, chat.stderr
    assert "Careline: " in chat.stdout and "(no reply)" not in chat.stdout
    slots = careline_stack.tracker(customer.sender_id)["slots"]
    assert slots["verified"] is True and slots["verified_by"] == "whatsapp_number"
