"""The TMF678 HTTP bill silo against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from careline.profile.errors import SiloUnavailable
from careline.profile.schemas import BillCategory, InvoiceStatus
from careline.profile.service import ProfileService
from careline.profile.silos.http_bills import HttpCustomerBills
from careline.profile.silos.sql import SqlBills
from careline.profile.silos.tmf678 import render_bill
from tests.conftest import SEEDED_AT


class BssStub:
    """What the test's BSS serves: bills and rates by account, or a forced failure."""

    def __init__(self) -> None:
        self.bills: dict[str, list[dict]] = {}
        self.rates: dict[str, list[dict]] = {}
        self.fail_with: int | None = None
        self.body: bytes | None = None
        self.requests: list[str] = []


@pytest.fixture
def bss() -> Iterator[tuple[BssStub, str]]:
    stub = BssStub()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            stub.requests.append(self.path)
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if stub.fail_with:
                return self._send(stub.fail_with, b"{}")
            if stub.body is not None:
                return self._send(200, stub.body)
            if url.path.endswith("/customerBill"):
                found = stub.bills.get(query.get("billingAccount.id", ""))
                if found is None:
                    return self._send(404, b'{"code": "404", "reason": "Not found"}')
                return self._send(200, json.dumps(found).encode())
            if url.path.endswith("/appliedCustomerBillingRate"):
                return self._send(200, json.dumps(stub.rates.get(query["bill.id"], [])).encode())
            return self._send(404, b"{}")

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/tmf-api/customerBillManagement/v4"
    try:
        requests.get(base + "/health", timeout=2)  # the server answers before tests start
        yield stub, base
    finally:
        server.shutdown()
        server.server_close()


def publish(stub: BssStub, base: str, account: str, invoices, embed: bool = False) -> None:
    stub.bills[account] = []
    for invoice in invoices:
        bill, rates = render_bill(invoice, account_number=account, base_url=base)
        if embed:
            bill["appliedCustomerBillingRate"] = rates
        else:
            stub.rates[bill["id"]] = rates
        stub.bills[account].append(bill)


@pytest.mark.parametrize("embed", [False, True])
def test_http_bills_match_the_sql_bills_they_were_rendered_from(seeded_sqlite_db, bss, embed):
    stub, base = bss
    with seeded_sqlite_db.session() as session:
        expected = SqlBills(session, SEEDED_AT.date()).bills(account_number="CL10000102", limit=3)
    publish(stub, base, "CL10000102", reversed(expected), embed=embed)
    silo = HttpCustomerBills(base, today=lambda: SEEDED_AT.date())
    assert silo.bills(account_number="CL10000102", limit=3) == expected
    assert any("billingAccount.id=CL10000102" in r for r in stub.requests)
    assert embed == (not any("appliedCustomerBillingRate" in r for r in stub.requests))


def test_service_explains_a_bill_from_the_operator_api(seeded_sqlite_db, bss, settings):
    stub, base = bss
    with seeded_sqlite_db.session() as session:
        tom_bills = SqlBills(session, SEEDED_AT.date()).bills(account_number="CL10000102",
                                                              limit=2)
    publish(stub, base, "CL10000102", tom_bills)
    with seeded_sqlite_db.sessions() as sessions:
        service = ProfileService(sessions=sessions, settings=settings, clock=lambda: SEEDED_AT,
                                 bills=HttpCustomerBills(base, today=lambda: SEEDED_AT.date()))
        tom = service.find_customer(channel="sms", address="+447700900102")
        explanation = service.explain_bill(customer_id=tom.customer_id)
        assert explanation.main_driver.category is BillCategory.ROAMING
        assert explanation.main_driver.difference == D("97.20")
        emma = service.find_customer(channel="sms", address="+447700900105")
        assert service.explain_bill(customer_id=emma.customer_id) is None  # BSS: 404


def test_the_service_uses_the_billing_api_url_setting(seeded_sqlite_db, bss, tmp_path):
    from careline.settings import Settings

    stub, base = bss
    stub.bills["CL10000104"] = []
    settings = Settings(data_dir=tmp_path, billing_api_url=base)
    with seeded_sqlite_db.sessions() as sessions:
        service = ProfileService(sessions=sessions, settings=settings, clock=lambda: SEEDED_AT)
        gareth = service.find_customer(channel="sms", address="+447700900104")
        assert service.balance(customer_id=gareth.customer_id).amount_due == 0
    assert stub.requests


def test_overdue_and_paid_states_from_tmf_json(bss):
    stub, base = bss
    stub.bills["ACC1"] = [
        {"id": "B1", "billDate": "2026-01-01T00:00:00Z", "paymentDueDate": "2026-01-15",
         "amountDue": {"unit": "GBP", "value": 30.5}, "remainingAmount": {"unit": "GBP",
                                                                          "value": 30.5},
         "state": "sent", "billingAccount": {"id": "ACC1"},
         "appliedCustomerBillingRate": [
             {"type": "recurringCharge", "name": "Plan", "taxExcludedAmount":
              {"unit": "GBP", "value": 25.42}},
             {"type": "tax", "name": "VAT", "taxExcludedAmount": {"unit": "GBP",
                                                                  "value": 5.08}}]},
        {"id": "B0", "billDate": "2025-12-01", "paymentDueDate": "2025-12-15",
         "amountDue": {"unit": "GBP", "value": 30}, "state": "settled",
         "billingAccount": {"id": "ACC1"}, "appliedCustomerBillingRate": []},
    ]
    bills = HttpCustomerBills(base, today=lambda: date(2026, 2, 1)).bills(
        account_number="ACC1", limit=5)
    assert [b.invoice_number for b in bills] == ["B1", "B0"]
    assert bills[0].status is InvoiceStatus.OVERDUE and bills[0].outstanding == D("30.50")
    assert [line.category for line in bills[0].lines] == [BillCategory.PLAN, BillCategory.TAX]
    assert bills[1].status is InvoiceStatus.PAID and bills[1].outstanding == 0


@pytest.mark.parametrize("status", [500, 503, 401])
def test_api_errors_become_silo_unavailable(bss, status):
    stub, base = bss
    stub.fail_with = status
    with pytest.raises(SiloUnavailable) as error:
        HttpCustomerBills(base).bills(account_number="ACC1", limit=2)
    assert str(status) in error.value.reason


@pytest.mark.parametrize("body", [b"not json", b'{"not": "a list"}',
                                  b'[{"id": "B1", "billingAccount": {"id": "ACC1"}}]'])
def test_malformed_answers_become_silo_unavailable(bss, body):
    stub, base = bss
    stub.body = body
    with pytest.raises(SiloUnavailable):
        HttpCustomerBills(base).bills(account_number="ACC1", limit=2)


def test_unreachable_api_becomes_silo_unavailable():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SiloUnavailable) as error:
        HttpCustomerBills(f"http://127.0.0.1:{port}", timeout=1).bills(account_number="A",
                                                                       limit=1)
    assert "did not answer" in error.value.reason
