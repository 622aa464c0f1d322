"""Slow down password guessing at the desk's sign-in.

Failed sign-ins are counted per (username, address) and per address over a sliding
window. Past either limit the sign-in is refused with the time to wait, before the
password is even checked, so a script cannot try more than a handful of passwords
per account per window from one address. Counting per pair, not per username alone,
keeps a stranger from locking a real agent out from elsewhere; the per-address limit
catches one address spraying many usernames. The address is the real client's
(:mod:`careline.desk.client_address`: the forwarded one only from the trusted
proxy), so behind nginx one guesser holds back only themselves, never the whole
contact centre sharing the proxy's address. State lives in the desk process (one
desk serves a contact centre; a restart forgets it, which errs towards the agent).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Hashable

#: A sweep of every key happens when this many are tracked, so memory stays bounded.
SWEEP_AT = 10_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0


class LoginThrottle:
    def __init__(self, *, per_account: int = 5, per_address: int = 20,
                 window_seconds: float = 15 * 60,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {"account": per_account, "address": per_address}
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[Hashable, deque[float]] = {}

    def check(self, *, username: str, address: str) -> Verdict:
        """May this address try this username's password now?"""
        now = self._clock()
        waits = [self._wait(key, limit, now) for key, limit in self._keys(username, address)]
        longest = max(waits)
        return Verdict(allowed=longest <= 0, retry_after_seconds=max(0, int(longest + 0.999)))

    def failed(self, *, username: str, address: str) -> None:
        now = self._clock()
        if len(self._failures) >= SWEEP_AT:
            self._sweep(now)
        for key, _ in self._keys(username, address):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, *, username: str, address: str) -> None:
        """The agent proved the password: their account's count starts again."""
        self._failures.pop(("account", username.casefold(), address), None)

    def _keys(self, username: str, address: str) -> list[tuple[Hashable, int]]:
        return [(("account", username.casefold(), address), self._limits["account"]),
                (("address", address), self._limits["address"])]

    def _wait(self, key: Hashable, limit: int, now: float) -> float:
        failures = self._failures.get(key)
        if not failures:
            return 0.0
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if len(failures) < limit:
            return 0.0
        # allowed again when enough of the oldest failures leave the window
        return failures[len(failures) - limit] + self._window - now

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            failures = self._failures[key]
            if not failures or failures[-1] <= now - self._window:
                del self._failures[key]
