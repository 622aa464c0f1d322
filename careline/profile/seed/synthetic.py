"""A deterministic synthetic population with realistic distributions.

The same ``seed`` always gives the same customers. Mix: 35 % prepaid, 55 %
postpaid, 4 % VIP, 6 % business; data use is log-normal around ~65 % of the
allowance (about one in six goes over); 5 % of cycles include roaming; 8 % of
postpaid customers have unpaid bills; about one customer in two contacted us
in the last 90 days. Synthetic numbers are +44 7700 1xxxxx, then +44 7800 1xxxxx to
9xxxxx (outside the drama range the demo customers use) and must never be sent real
messages.
"""

from __future__ import annotations

from typing import Any
import functools
import itertools
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from careline.profile.pins import hash_pin
from careline.profile.seed.builder import DatasetBuilder
from careline.profile.seed.customers import (CustomerSpec, CycleUsage, add_customer,
                                             add_incident, add_interaction)
from careline.profile.seed.reference import AREAS, DESTINATIONS, PLAN_BY_CODE, TOWNS

FIRST = ("Oliver Amelia Harry Isla Jack Ava George Mia Noah Grace Leo Freya Arthur Lily Oscar "
         "Sophie Charlie Ella Jacob Evie Muhammad Zara Alfie Chloe Thomas Ruby Ethan Poppy "
         "Rohan Aaliyah Kai Niamh Dylan Seren Callum Eilidh Ciaran Maya Tariq Hannah").split()
LAST = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Thompson "
        "Evans Walker White Roberts Green Hall Wood Jackson Clarke Khan Hughes Edwards Lewis "
        "Murphy Campbell Kelly Ahmed Singh Hussain Begum Morgan Reid Fraser").split()
STREETS = ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
           "Mill Lane", "King Street", "Queens Road", "New Street", "Green Lane")
SEGMENTS = (("prepaid", 35), ("postpaid", 55), ("vip", 4), ("business", 6))
PLAN_MIX = {
    "prepaid": (("PAYG-5", 45), ("PAYG-15", 35), ("PAYG-40", 20)),
    "postpaid": (("SIMO-5", 15), ("SIMO-10", 25), ("SIMO-25", 25), ("SIMO-60", 15),
                 ("UNL", 15), ("CLASSIC-2", 5)),
    "vip": (("UNL-MAX", 70), ("UNL", 30)),
    "business": (("UNL", 50), ("SIMO-60", 50)),
}
CHANNELS = (("webchat", 30), ("whatsapp", 25), ("voice", 25), ("sms", 15), ("store", 5))
INTENTS = ("ask_bill", "ask_balance", "report_outage", "ask_plan", "roaming", "report_fault",
           "payment_arrangement", "cancel_service")
OUTCOMES = (("resolved", 70), ("handed_off", 18), ("abandoned", 12))
SYNTHETIC_NUMBER_BASE = 7700100000
#: Where the 100,000th synthetic customer on is numbered: past +44 7700 1xxxxx the 7700
#: block has ranges no UK operator uses (refused as invalid, so never found by number) and
#: the demo customers' drama range; +44 7800 xxxxxx is valid throughout.
OVERFLOW_NUMBER_BASE, OVERFLOW_FROM = 7800000000, 100_000
PIN_POOL = 8
HISTORY_MONTHS = 3


@functools.lru_cache(maxsize=PIN_POOL * 4)
def _pooled_pin_hash(pin: str) -> str:
    """scrypt is slow on purpose: synthetic customers share a small pool of hashed PINs."""
    return hash_pin(pin)


@functools.cache
def _population(weighted: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    """Values and cumulative weights: ``choices`` draws the same with either weights."""
    return [v for v, _ in weighted], list(itertools.accumulate(w for _, w in weighted))


def synthetic_msisdn(index: int) -> str:
    """The ``index``-th synthetic customer's number: +44 7700 1xxxxx for the first 100,000,
    then +44 7800 100000 onwards (a million customers end at +44 7800 999999)."""
    if index < OVERFLOW_FROM:
        return f"+44{SYNTHETIC_NUMBER_BASE + index}"
    return f"+44{OVERFLOW_NUMBER_BASE + index}"


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, cumulative = _population(weighted)
    return rng.choices(values, cum_weights=cumulative)[0]


def add_synthetic_customers(builder: DatasetBuilder, *, count: int, seed: int, today: date,
                            now: datetime, batch: int = 2000) -> None:
    """``count`` customers plus network incidents, flushed every ``batch`` customers."""
    rng = random.Random(seed)
    pins = [_pooled_pin_hash(f"{rng.randrange(10000):04d}") for _ in range(PIN_POOL)]
    _add_incidents(builder, rng, now)
    for index in range(count):
        _add_one(builder, rng, index, pins, today, now)
        if (index + 1) % batch == 0:
            builder.flush()
    builder.flush()


def _add_one(builder: DatasetBuilder, rng: random.Random, index: int, pins: list[str],
             today: date, now: datetime) -> None:
    segment = _pick(rng, SEGMENTS)
    plan_code = _pick(rng, PLAN_MIX[segment])
    plan = PLAN_BY_CODE[plan_code]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    area_code = rng.choice(AREAS)[0]
    msisdn = synthetic_msisdn(index)
    account = f"CL{20000000 + index}"
    handle = f"{first}.{last}{index}".lower()
    identities = [("msisdn", msisdn)]
    if rng.random() < 0.7:
        identities.append(("whatsapp", msisdn))
    if rng.random() < 0.6:
        identities.append(("web_account", handle))
    if rng.random() < 0.5:
        identities.append(("email", f"{handle}@example.net"))
    spec = CustomerSpec(
        first_name=first, last_name=last, segment=segment, account_number=account,
        customer_since=today - timedelta(days=rng.randrange(30, 15 * 365)),
        address_line1=f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
        town=TOWNS[area_code],
        postcode=f"{area_code} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                 f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
        area_code=area_code, identities=tuple(identities), msisdn=msisdn, plan_code=plan_code,
        usage=_usage(rng, plan), pin_hash=rng.choice(pins) if rng.random() < 0.7 else None,
        preferred_channel=_pick(rng, CHANNELS[:4]) if rng.random() < 0.4 else None,
        marketing_opt_in=rng.random() < 0.3, autopay=rng.random() < 0.6,
        prepaid_credit=Decimal(rng.randrange(0, 3000)) / 100 if plan[2] == "prepaid" else None,
        unpaid_months_back=_unpaid(rng) if plan[2] == "postpaid" else frozenset())
    seeded = add_customer(builder, spec, today=today, now=now)
    for _ in range(rng.choices((0, 1, 2, 3), (45, 30, 15, 10))[0]):
        outcome = _pick(rng, OUTCOMES)
        add_interaction(builder, customer_id=seeded.customer_id, channel=_pick(rng, CHANNELS),
                        occurred_at=now - timedelta(minutes=rng.randrange(60, 90 * 24 * 60)),
                        intent=rng.choice(INTENTS), summary="Synthetic contact.",
                        outcome=outcome,
                        satisfaction=rng.randint(1, 5) if rng.random() < 0.4 else None)


def _usage(rng: random.Random, plan: tuple[Any, ...]) -> tuple[CycleUsage, ...]:
    allowance, prepaid = plan[4], plan[2] == "prepaid"
    base = rng.lognormvariate(-0.45, 0.45) * float(allowance) if allowance else \
        rng.lognormvariate(3.2, 0.5)
    minutes, texts = rng.lognormvariate(5.2, 0.6), rng.lognormvariate(3.7, 0.8)
    cycles = []
    for months_back in range(HISTORY_MONTHS + 1):
        share = rng.uniform(0.1, 0.9) if months_back == 0 else 1.0
        data = base * rng.lognormvariate(0, 0.15) * share
        if prepaid and allowance:
            data = min(data, float(allowance))
        roaming, country, charged = Decimal("0"), None, True
        if months_back and rng.random() < 0.05:
            code, name, zone = rng.choice(DESTINATIONS)
            roaming, country = Decimal(f"{rng.uniform(0.2, 6):.2f}"), name
            charged = not (plan[8] and zone == "EU") and not prepaid
        cycles.append(CycleUsage(
            months_back, Decimal(f"{data:.3f}"), int(minutes * share), int(texts * share),
            roaming_gb=roaming, roaming_country=country, roaming_charged=charged))
    return tuple(cycles)


def _unpaid(rng: random.Random) -> frozenset[int]:
    roll = rng.random()
    return frozenset({1}) if roll < 0.06 else frozenset({1, 2}) if roll < 0.08 else frozenset()


def _add_incidents(builder: DatasetBuilder, rng: random.Random, now: datetime) -> None:
    services = ("mobile_data", "voice", "sms", "broadband")
    for code, name, _ in AREAS:
        for number in range(rng.randrange(0, 3)):
            started = now - timedelta(days=rng.randrange(2, 60), hours=rng.randrange(24))
            add_incident(builder, reference=f"INC-{code}-{number + 1:04d}", area_code=code,
                         title=f"Service disruption in {name}", severity="minor",
                         status="resolved", started_at=started, eta=None,
                         services=rng.sample(services, rng.randrange(1, 3)),
                         updates=((started, "investigating", "Investigating reports."),
                                  (started + timedelta(hours=rng.randrange(1, 12)), "resolved",
                                   "Service restored.")))
        if code != "M1" and rng.random() < 0.15:
            started = now - timedelta(hours=rng.randrange(1, 20))
            add_incident(builder, reference=f"INC-{code}-0100", area_code=code,
                         title=f"Reduced mobile service in {name}",
                         severity=rng.choice(("minor", "major")), status="investigating",
                         started_at=started, eta=now + timedelta(hours=rng.randrange(1, 12)),
                         services=("mobile_data", "voice"),
                         updates=((started, "investigating", "Investigating reports."),))
