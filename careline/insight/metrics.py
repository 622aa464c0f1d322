"""Compute the report's figures from the analytics store for a time window.

Definitions (docs/insight.md):
- a contact is a conversation session in which the customer wrote at least once;
- contained: the contact never reached ``action_handoff_to_agent``;
- repeat: the same customer (or, unidentified, the same conversation) had
  another contact in the 7 days before this one started;
- frustrated: a message with intent ``frustration`` or sentiment ≤ −0.6;
- at risk: hit by at least two incidents in their area in the last 30 days,
  and a mean message sentiment ≤ −0.2 over the window.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from statistics import median
from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careline.insight.models import Contact, ContactMessage
from careline.insight.schemas import (AreaDrivers, BreakdownRow, CustomerAtRisk, DayFigures,
                                      InsightReport, NoticeFigures)
from careline.observability.redact import mask_phone
from careline.proactive.models import Notification
from careline.profile.contacts import mobile_number
from careline.profile.incidents import incidents_started_by_area

REPEAT_WINDOW = timedelta(days=7)
OUTAGE_LOOKBACK = timedelta(days=30)
AT_RISK_OUTAGES = 2
AT_RISK_SENTIMENT = -0.2


def _key(contact: Contact) -> str:
    return f"c{contact.customer_id}" if contact.customer_id is not None else f"s{contact.sender_id}"


def _seconds(start: Optional[datetime], end: Optional[datetime]) -> Optional[float]:
    return (end - start).total_seconds() if start and end else None


def _median(values: Iterable[Optional[float]]) -> Optional[float]:
    present = [v for v in values if v is not None]
    return median(present) if present else None


def _breakdown(contacts: list[Contact], attribute: str) -> tuple[BreakdownRow, ...]:
    groups: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        groups[getattr(contact, attribute) or "unknown"].append(contact)
    rows = []
    for key, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        handed = [c for c in members if c.handed_off]
        rows.append(BreakdownRow(
            key=key, contacts=len(members), contained=len(members) - len(handed),
            handed_off=len(handed),
            median_seconds_to_handoff=_median(_seconds(c.started_at, c.handoff_at) for c in handed),
            median_seconds_to_agent_reply=_median(
                _seconds(c.handoff_at, c.agent_reply_at) for c in handed)))
    return tuple(rows)


def compute_report(*, session: Session, since: datetime, until: datetime) -> InsightReport:
    # Plain rows, not ORM objects: a week of a million events is a hundred thousand
    # contacts, and loading them into the identity map cost more than every figure.
    earlier = list(session.execute(
        select(Contact.__table__).where(Contact.started_at >= since - REPEAT_WINDOW,
                                        Contact.started_at < until, Contact.user_messages > 0)
        .order_by(Contact.started_at, Contact.id)))
    contacts = [c for c in earlier if c.started_at >= since]
    repeat = 0
    last_seen: dict[str, datetime] = {}
    for contact in earlier:
        key = _key(contact)
        if contact.started_at >= since and key in last_seen and \
                contact.started_at - last_seen[key] <= REPEAT_WINDOW:
            repeat += 1
        last_seen[key] = contact.started_at
    handed = [c for c in contacts if c.handed_off]
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    area_contacts: Counter[str] = Counter()
    for contact in contacts:
        if contact.area:
            area_contacts[contact.area] += 1
            areas[contact.area][contact.driver or "unclear"] += 1
    return InsightReport(
        since=since, until=until, contacts=len(contacts), contained=len(contacts) - len(handed),
        handed_off=len(handed),
        handoff_reasons=tuple(Counter(c.handoff_reason or "unknown" for c in handed
                                      ).most_common()),
        drivers=tuple(Counter(c.driver or "unclear" for c in contacts).most_common()),
        areas=tuple(AreaDrivers(area=a, contacts=n, top=tuple(areas[a].most_common(3)))
                    for a, n in area_contacts.most_common()),
        repeat_contacts=repeat, frustrated_contacts=sum(c.frustrated for c in contacts),
        days=_days(session=session, contacts=contacts, since=since, until=until),
        by_channel=_breakdown(contacts, "channel"), by_segment=_breakdown(contacts, "segment"),
        median_seconds_to_handoff=_median(_seconds(c.started_at, c.handoff_at) for c in handed),
        median_seconds_to_agent_reply=_median(
            _seconds(c.handoff_at, c.agent_reply_at) for c in handed),
        at_risk=_at_risk(session=session, contacts=contacts, until=until),
        notices=_notices(session=session, since=since, until=until),
    )


def _days(*, session: Session, contacts: list[Contact], since: datetime, until: datetime
          ) -> tuple[DayFigures, ...]:
    sentiment: dict[date, list[float]] = defaultdict(list)
    for at, score in session.execute(
            select(ContactMessage.at, ContactMessage.sentiment)
            .where(ContactMessage.at >= since, ContactMessage.at < until)):
        sentiment[at.date()].append(score)
    by_day: dict[date, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_day[contact.started_at.date()].append(contact)
    days = []
    day = since.date()
    while day <= (until - timedelta(microseconds=1)).date():
        members, scores = by_day.get(day, []), sentiment.get(day, [])
        days.append(DayFigures(day=day, contacts=len(members),
                               handed_off=sum(c.handed_off for c in members),
                               frustrated=sum(c.frustrated for c in members),
                               mean_sentiment=round(sum(scores) / len(scores), 3)
                               if scores else None))
        day += timedelta(days=1)
    return tuple(days)


def _at_risk(*, session: Session, contacts: list[Contact], until: datetime
             ) -> tuple[CustomerAtRisk, ...]:
    mine: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        if contact.customer_id is not None:
            mine[contact.customer_id].append(contact)
    outages = incidents_started_by_area(session=session, since=until - OUTAGE_LOOKBACK,
                                        until=until)
    found = []
    for customer_id, members in mine.items():
        area = members[-1].area or ""
        messages = sum(c.user_messages for c in members)
        mean = sum(c.sentiment_sum for c in members) / messages if messages else 0.0
        if outages.get(area, 0) >= AT_RISK_OUTAGES and mean <= AT_RISK_SENTIMENT:
            number = mobile_number(session=session, customer_id=customer_id)
            found.append(CustomerAtRisk(
                customer_id=customer_id, masked_number=mask_phone(number) if number else "—",
                segment=members[-1].segment or "unknown", area=area, outages=outages[area],
                contacts=len(members), mean_sentiment=round(mean, 2),
                frustrated_contacts=sum(c.frustrated for c in members)))
    return tuple(sorted(found, key=lambda r: (r.mean_sentiment, -r.outages, r.customer_id)))


def _notices(*, session: Session, since: datetime, until: datetime) -> NoticeFigures:
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for status, reason, n in session.execute(
            select(Notification.status, Notification.reason, func.count())
            .where(Notification.created_at >= since, Notification.created_at < until)
            .group_by(Notification.status, Notification.reason)):
        counts[status] += n
        if status == "skipped":
            skipped[reason or "unknown"] += n
    return NoticeFigures(sent=counts["sent"], skipped=tuple(skipped.most_common()),
                         failed=counts["failed"])
