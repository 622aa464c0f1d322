"""The address a sign-in really came from, for the login throttle.

Behind nginx every request connects from the proxy's address, so counting
failures per connecting address would let one guesser lock the whole contact
centre out. The forwarded header is believed only when the connection comes
from a configured trusted proxy (anyone else can write any header), and then
its right-most address not itself a trusted proxy is the client: entries to the
left of it were written by the client and prove nothing.
"""

from __future__ import annotations

import ipaddress
from typing import Optional, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """``CARELINE_DESK_TRUSTED_PROXIES`` parsed; a malformed entry fails at start-up."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in setting.split(",") if part.strip())


def client_address(*, remote: Optional[str], forwarded_for: Optional[str],
                   trusted: tuple[Network, ...]) -> str:
    peer = remote or "unknown"
    if not forwarded_for or not _within(peer, trusted):
        return peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not _within(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _within(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
