"""Errors the profile store raises; each carries a reason a bot or operator can show."""

from __future__ import annotations


class ProfileError(Exception):
    """Base of every profile-store error; ``reason`` is a short human sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidIdentity(ProfileError, ValueError):
    """A channel address that cannot be a customer identity (e.g. a malformed number)."""


class CustomerNotFound(ProfileError, LookupError):
    """A customer id (or reference) that the store does not hold."""

    def __init__(self, customer_id: object) -> None:
        super().__init__(f"no customer with id {customer_id!r}")
        self.customer_id = customer_id


class InvalidRequest(ProfileError, ValueError):
    """A request the store understands but cannot act on (unknown plan, country, …)."""


class PolicyViolation(ProfileError):
    """A write that breaks a business policy (arrangement limits, eligibility, …)."""


class SiloUnavailable(ProfileError):
    """An operator silo (e.g. a BSS REST API) did not answer usefully."""
