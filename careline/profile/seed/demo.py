"""Named demo customers: one per story, so anyone can try every flow.

Phone numbers are in Ofcom's drama range (+44 7700 900xxx), which is never
allocated to a real subscriber. The table in docs/profile.md lists them.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from typing import Any, Optional

from careline.profile import models
from careline.profile.pins import hash_pin
from careline.profile.seed.builder import DatasetBuilder
from careline.profile.seed.customers import (CustomerSpec, CycleUsage, add_customer,
                                             add_incident, add_interaction)


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    segment: str
    account_number: str
    phone: Optional[str]
    whatsapp: Optional[str]
    web_account: Optional[str]
    email: Optional[str]
    pin: str
    story: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEMO_CUSTOMERS = (
    DemoCustomer("Priya Shah", "vip", "CL10000101", "+447700900101", "+447700900101",
                 "priya.shah", "priya.shah@example.com", "2468",
                 "VIP hit by a mobile-data outage in Manchester city centre (ETA in a few "
                 "hours); reported it on WhatsApp yesterday."),
    DemoCustomer("Tom Becker", "postpaid", "CL10000102", "+447700900102", "+447700900112",
                 "tom.becker", "tom.becker@example.com", "1357",
                 "Roaming bill shock: last bill has over £100 of data roaming in the United "
                 "States; a good case for a roaming pass quote."),
    DemoCustomer("Aisha Okafor", "prepaid", "CL10000103", "+447700900103", "+447700900103",
                 None, None, "8642",
                 "Prepaid, 4.7 of 5 GB used this month with £3.20 credit; usually hits the cap, "
                 "so a bigger plan is recommended."),
    DemoCustomer("Gareth Jones", "postpaid", "CL10000104", "+447700900104", None,
                 "gareth.jones", "gareth.jones@example.com", "9753",
                 "Two unpaid bills, one well overdue: eligible for a payment arrangement."),
    DemoCustomer("Emma Clarke", "postpaid", "CL10000105", "+447700900105", "+447700900105",
                 "emma.clarke", "emma.clarke@example.com", "1122",
                 "Happy postpaid customer on autopay, all paid; uses far less data than her "
                 "plan, so a cheaper plan is recommended."),
    DemoCustomer("Noah Williams", "postpaid", "CL10000106", None, None,
                 "noah.w", "noah.williams@example.com", "4321",
                 "Web-chat only: no phone or WhatsApp identity on file, found by web account "
                 "id or email."),
    DemoCustomer("Olivia Brown", "postpaid", "CL10000107", "+447700900107", "+447700900107",
                 "olivia.brown", "olivia.brown@example.com", "5555",
                 "Frustrated repeat contact: three contacts in five days about no signal at "
                 "home, an open fault case, last chat handed to an agent."),
)

_BY_NAME = {c.name: c for c in DEMO_CUSTOMERS}


def _identities(demo: DemoCustomer) -> tuple[tuple[str, str], ...]:
    pairs = [("msisdn", demo.phone), ("whatsapp", demo.whatsapp),
             ("web_account", demo.web_account), ("email", demo.email)]
    return tuple((kind, value) for kind, value in pairs if value)


def _spec(name: str, *, plan: str, area: tuple[str, str, str, str], usage: tuple[CycleUsage, ...],
          since: date, line_msisdn: Optional[str] = None, **extra: Any) -> CustomerSpec:
    demo = _BY_NAME[name]
    first, last = demo.name.split(" ", 1)
    line1, town, postcode, area_code = area
    return CustomerSpec(
        first_name=first, last_name=last, segment=demo.segment,
        account_number=demo.account_number, customer_since=since, address_line1=line1,
        town=town, postcode=postcode, area_code=area_code, identities=_identities(demo),
        msisdn=line_msisdn or demo.phone or "", plan_code=plan, usage=usage,
        pin_hash=_demo_pin_hash(demo.pin), **extra)


@functools.lru_cache(maxsize=len(DEMO_CUSTOMERS))
def _demo_pin_hash(pin: str) -> str:
    """Hashed once per process: scrypt is deliberately slow and tests seed many databases."""
    return hash_pin(pin)


def _steady(data: str, minutes: int, texts: int, months: int = 4) -> tuple[CycleUsage, ...]:
    return tuple(CycleUsage(m, D(data), minutes, texts) for m in range(months))


def add_demo_customers(builder: DatasetBuilder, *, today: date, now: datetime) -> None:
    """Every demo customer with the rows their story needs."""
    ids = {}
    ids["Priya Shah"] = add_customer(builder, _spec(
        "Priya Shah", plan="UNL-MAX", area=("14 Piccadilly Place", "Manchester", "M1 3BN", "M1"),
        usage=_steady("38.5", 640, 120), since=date(2014, 3, 2), preferred_channel="whatsapp",
        autopay=True), today=today, now=now)
    ids["Tom Becker"] = add_customer(builder, _spec(
        "Tom Becker", plan="SIMO-10", area=("7 Cardigan Road", "Leeds", "LS6 1LF", "LS6"),
        usage=(CycleUsage(0, D("3.1"), 90, 20), CycleUsage(
            1, D("8.2"), 210, 35, roaming_gb=D("16.2"), roaming_country="United States"),
            CycleUsage(2, D("7.9"), 190, 30), CycleUsage(3, D("8.4"), 200, 28)),
        since=date(2019, 6, 11), autopay=True), today=today, now=now)
    ids["Aisha Okafor"] = add_customer(builder, _spec(
        "Aisha Okafor", plan="PAYG-5", area=("22 Broad Street", "Birmingham", "B1 2HF", "B1"),
        usage=(CycleUsage(0, D("4.72"), 310, 80),) + tuple(
            CycleUsage(m, D("4.98"), 420, 95) for m in (1, 2, 3)),
        since=date(2022, 1, 20), prepaid_credit=D("3.20")), today=today, now=now)
    ids["Gareth Jones"] = add_customer(builder, _spec(
        "Gareth Jones", plan="SIMO-25", area=("3 Bute Terrace", "Cardiff", "CF10 2FE", "CF10"),
        usage=(CycleUsage(0, D("6.0"), 150, 40),
               CycleUsage(1, D("14.0"), 260, 50, one_offs=(("Late payment fee", D("10.00")),)),
               CycleUsage(2, D("12.5"), 240, 45), CycleUsage(3, D("13.1"), 250, 47)),
        since=date(2018, 9, 3), unpaid_months_back=frozenset({1, 2})), today=today, now=now)
    ids["Emma Clarke"] = add_customer(builder, _spec(
        "Emma Clarke", plan="SIMO-60", area=("9 Queen Square", "Bristol", "BS1 4LH", "BS1"),
        usage=_steady("7.8", 300, 60), since=date(2016, 11, 5), autopay=True,
        marketing_opt_in=True), today=today, now=now)
    ids["Noah Williams"] = add_customer(builder, _spec(
        "Noah Williams", plan="SIMO-10", area=("41 Commercial Street", "London", "E1 6LP", "E1"),
        usage=_steady("5.5", 80, 10), since=date(2023, 4, 14), line_msisdn="+447700900106",
        preferred_channel="webchat", autopay=True), today=today, now=now)
    ids["Olivia Brown"] = add_customer(builder, _spec(
        "Olivia Brown", plan="UNL", area=("88 Borough High Street", "London", "SE1 1LL", "SE1"),
        usage=_steady("22.0", 400, 70), since=date(2020, 2, 28), autopay=True),
        today=today, now=now)
    _add_demo_events(builder, {name: seeded.customer_id for name, seeded in ids.items()}, now)


def _add_demo_events(builder: DatasetBuilder, ids: dict[str, int], now: datetime) -> None:
    start = now - timedelta(hours=5)
    add_incident(
        builder, reference="INC-M1-0042", area_code="M1",
        title="No mobile data around Manchester Piccadilly", severity="major", status="fixing",
        started_at=start, eta=now + timedelta(hours=3), services=("mobile_data",),
        updates=((start, "investigating", "We are investigating reports of no mobile data."),
                 (start + timedelta(hours=1), "identified",
                  "A fibre link to two masts near Piccadilly was cut by roadworks."),
                 (start + timedelta(hours=3), "fixing",
                  "Engineers are on site splicing the fibre.")))
    old = now - timedelta(days=9)
    add_incident(
        builder, reference="INC-M1-0031", area_code="M1",
        title="Calls dropping in Manchester city centre", severity="minor", status="resolved",
        started_at=old, eta=None, services=("voice",),
        updates=((old, "investigating", "Some calls are dropping."),
                 (old + timedelta(hours=4), "resolved", "A mast software fault was fixed.")))
    add_interaction(builder, customer_id=ids["Priya Shah"], channel="whatsapp",
                    occurred_at=now - timedelta(days=1, hours=2), intent="report_outage",
                    summary="Reported no mobile data in Manchester city centre; told about the "
                            "outage and its ETA.", outcome="resolved", satisfaction=3)
    add_interaction(builder, customer_id=ids["Tom Becker"], channel="webchat",
                    occurred_at=now - timedelta(days=3), intent="ask_bill",
                    summary="Asked why the bill is so high; left before an answer.",
                    outcome="abandoned")
    add_interaction(builder, customer_id=ids["Gareth Jones"], channel="sms",
                    occurred_at=now - timedelta(days=8), intent="ask_balance",
                    summary="Asked for the balance after a payment reminder.", outcome="resolved")
    add_interaction(builder, customer_id=ids["Emma Clarke"], channel="voice",
                    occurred_at=now - timedelta(days=40), intent="ask_plan",
                    summary="Asked about handset upgrades.", outcome="resolved", satisfaction=5)
    add_interaction(builder, customer_id=ids["Noah Williams"], channel="webchat",
                    occurred_at=now - timedelta(days=2), intent="ask_contract",
                    summary="Asked when the contract ends.", outcome="resolved", satisfaction=4)
    case_id = builder.add(models.Case, reference="FLT-DEMO0107", customer_id=ids["Olivia Brown"],
                          kind="fault", status="open", channel="whatsapp",
                          summary="No signal at home (SE1 1LL) since last week.",
                          service="voice", amount=None, invoice_number=None,
                          opened_at=now - timedelta(days=5))
    for days, channel, outcome, satisfaction, summary in (
            (5, "whatsapp", "resolved", None, "Reported no signal at home; fault case opened."),
            (3, "sms", "resolved", 2, "Asked for an update on the no-signal fault."),
            (1, "webchat", "handed_off", 1, "Still no signal; angry; handed to an agent.")):
        add_interaction(builder, customer_id=ids["Olivia Brown"], channel=channel,
                        occurred_at=now - timedelta(days=days), intent="report_fault",
                        summary=summary, outcome=outcome, satisfaction=satisfaction,
                        case_id=case_id)
