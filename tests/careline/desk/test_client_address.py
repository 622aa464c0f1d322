"""Which address a sign-in is counted against: the forwarded one only via the trusted proxy."""

import pytest

from careline.desk.client_address import client_address, trusted_networks

PROXY = trusted_networks("10.0.0.5, 192.168.10.0/24")


def test_the_proxys_forwarded_client_is_used():
    assert client_address(remote="10.0.0.5", forwarded_for="203.0.113.7",
                          trusted=PROXY) == "203.0.113.7"


def test_a_client_cannot_forge_its_address_through_the_proxy():
    # nginx appends the real peer; what the client wrote sits to its left
    assert client_address(remote="10.0.0.5", forwarded_for="1.2.3.4, 203.0.113.7",
                          trusted=PROXY) == "203.0.113.7"
    assert client_address(remote="10.0.0.5", forwarded_for="1.2.3.4, 203.0.113.7, "
                          "192.168.10.9", trusted=PROXY) == "203.0.113.7"


def test_the_header_is_ignored_from_anyone_but_the_trusted_proxy():
    assert client_address(remote="203.0.113.7", forwarded_for="1.2.3.4",
                          trusted=PROXY) == "203.0.113.7"
    assert client_address(remote="10.0.0.5", forwarded_for="1.2.3.4",
                          trusted=()) == "10.0.0.5"
    assert client_address(remote="10.0.0.5", forwarded_for="not-an-ip",
                          trusted=PROXY) == "10.0.0.5"


def test_a_malformed_setting_fails_at_start_up():
    with pytest.raises(ValueError):
        trusted_networks("10.0.0.300")
