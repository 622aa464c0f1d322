"""ContactHistoryReader on the seeded demo data (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from careline.profile.enums import CaseKind, InteractionOutcome
from careline.profile.history import ContactHistoryReader, NoticeSent, build_history
from tests.conftest import SEEDED_AT, TestDatabase


def test_olivia_is_a_repeat_contact_about_her_open_fault(seeded_db: TestDatabase,
                                                          demo: dict[str, int]) -> None:
    with seeded_db.sessions() as sessions:
        history = ContactHistoryReader(sessions=sessions).read(customer_id=demo["Olivia"],
                                                               now=SEEDED_AT)
    fault = history.open_fault
    assert fault is not None and fault.kind is CaseKind.FAULT
    assert fault.reference == "FLT-DEMO0107"
    assert history.contacts == 3 and history.contacts_about(fault) == 3
    assert history.recent_contacts[0].outcome is InteractionOutcome.HANDED_OFF
    assert history.is_repeat_contact


def test_a_happy_customer_has_no_recent_history(seeded_db: TestDatabase,
                                                demo: dict[str, int]) -> None:
    with seeded_db.sessions() as sessions:
        history = ContactHistoryReader(sessions=sessions).read(customer_id=demo["Emma"],
                                                               now=SEEDED_AT)
    assert history.open_fault is None and history.contacts == 0
    assert not history.is_repeat_contact


def test_old_contacts_and_notices_fall_out_of_the_window(seeded_db: TestDatabase,
                                                         demo: dict[str, int]) -> None:
    with seeded_db.sessions() as sessions:
        full = ContactHistoryReader(sessions=sessions).read(customer_id=demo["Olivia"],
                                                            now=SEEDED_AT)
    later = build_history(
        open_cases=full.open_cases, interactions=full.recent_contacts,
        notices=(NoticeSent("INC-1", "resolve", SEEDED_AT - timedelta(days=10)),
                 NoticeSent("INC-2", "resolve", SEEDED_AT - timedelta(hours=2))),
        now=SEEDED_AT + timedelta(days=4), days=7)
    assert later.contacts == 2  # the contact five days before SEEDED_AT is now nine days old
    assert later.recent_contacts[-1].outcome is InteractionOutcome.RESOLVED
    assert later.open_fault is not None  # an open case counts however old
    assert [n.incident_reference for n in later.notices] == ["INC-2"]
