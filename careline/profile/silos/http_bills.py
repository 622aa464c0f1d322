"""Customer bills from an operator's BSS over a TMF678-style REST API (``requests``).

Endpoints used (relative to the API root, e.g. ``https://bss.example/tmf-api/
customerBillManagement/v4``):

- ``GET /customerBill?billingAccount.id=ACC&sort=-billDate&limit=N``
- ``GET /appliedCustomerBillingRate?bill.id=BILL`` (skipped when a bill embeds
  ``appliedCustomerBillingRate``)
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Optional

import requests

from careline import clock
from careline.profile.errors import SiloUnavailable
from careline.profile.schemas import InvoiceInfo
from careline.profile.silos.tmf678 import parse_bill


class HttpCustomerBills:
    """A :class:`~careline.profile.silos.protocols.CustomerBillSilo` over HTTP."""

    def __init__(self, base_url: str, *, timeout: float = 3.0,
                 session: Optional[requests.Session] = None,
                 headers: Optional[dict[str, str]] = None,
                 today: Optional[Callable[[], date]] = None) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._http = session or requests.Session()
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._today = today or clock.today

    def bills(self, *, account_number: str, limit: int) -> tuple[InvoiceInfo, ...]:
        found = self._get("/customerBill", {"billingAccount.id": account_number,
                                            "sort": "-billDate", "limit": str(limit)})
        if found is None:
            return ()
        if not isinstance(found, list):
            raise SiloUnavailable("the billing API did not return a list of bills")
        mine = [b for b in found if isinstance(b, dict)
                and (b.get("billingAccount") or {}).get("id", account_number) == account_number]
        mine.sort(key=lambda b: str(b.get("billDate", "")), reverse=True)
        today = self._today()
        result = []
        for bill in mine[:limit]:
            rates = bill.get("appliedCustomerBillingRate")
            if rates is None:
                rates = self._get("/appliedCustomerBillingRate", {"bill.id": str(bill.get("id"))})
            result.append(parse_bill(bill, rates or [], today=today))
        return tuple(result)

    def _get(self, path: str, params: dict[str, str]) -> Any:
        """JSON from ``path``; None on 404; SiloUnavailable on anything else unusable."""
        try:
            response = self._http.get(self._base + path, params=params, headers=self._headers,
                                      timeout=self._timeout)
        except requests.RequestException as error:
            raise SiloUnavailable(f"the billing API did not answer ({type(error).__name__})") \
                from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SiloUnavailable(f"the billing API answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise SiloUnavailable("the billing API sent something that is not JSON") from error
