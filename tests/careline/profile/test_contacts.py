"""The contacts service on rows built in the test, in a rolled-back transaction, on both backends."""

from datetime import date, datetime, timedelta, timezone

import pytest

from careline.channels.models import ConversationRoute
from careline.profile import contacts, models
from careline.profile.enums import Channel, IdentityKind
from careline.profile.errors import InvalidRequest

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)
MOBILE, PHONE2, STRANGER = "+447700900150", "+447700900151", "+447700900199"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_session(request):
    session = request.getfixturevalue("session" if request.param == "sqlite" else "pg_session")
    for code in ("T1", "T2"):
        session.add(models.NetworkArea(code=code, name=f"Area {code}", region="Test"))
    session.flush()
    return session


def customer(session, account, *identities, area="T1", preferred=None, outage=False,
             segment="postpaid"):
    """A customer with ``(kind, value, opted_out)`` identities, in that order."""
    row = models.Customer(
        account_number=account, first_name="Ada", last_name="Lovelace", segment=segment,
        customer_since=date(2020, 1, 1), address_line1="1 Test Street", town="Testville",
        postcode="T1 1AA", area_code=area, preferred_channel=preferred,
        marketing_opt_in=False, outage_notifications=outage, created_at=NOW)
    row.identities = [models.CustomerIdentity(kind=kind, value=value, opted_out=out)
                      for kind, value, out in identities]
    session.add(row)
    session.flush()
    return row.id


def route(session, address, at, sender_id=None):
    session.add(ConversationRoute(sender_id=sender_id or f"conv-{address}-{at:%H%M}",
                                  channel="whatsapp", address=address, last_inbound_at=at))
    session.flush()


def test_sms_contacts_name_the_owner_and_the_mobile_numbers_opt_out(db_session):
    fan = customer(db_session, "CL1", ("msisdn", MOBILE, False))
    stopped = customer(db_session, "CL2", ("msisdn", PHONE2, True))
    found = contacts.phone_contacts(session=db_session, channel="sms",
                                    numbers=[MOBILE, PHONE2, STRANGER, MOBILE])
    assert found == {
        MOBILE: contacts.PhoneContact(customer_id=fan, opted_out=False),
        PHONE2: contacts.PhoneContact(customer_id=stopped, opted_out=True),
        STRANGER: None,
    }


def test_on_whatsapp_its_own_number_wins_and_only_its_opt_out_governs(db_session):
    # One person's WhatsApp number is another's mobile number; WhatsApp's identity wins.
    mobile_owner = customer(db_session, "CL1", ("msisdn", MOBILE, True))
    whatsapp_owner = customer(db_session, "CL2", ("msisdn", PHONE2, False),
                              ("whatsapp", MOBILE, False))
    found = contacts.phone_contacts(session=db_session, channel=Channel.WHATSAPP,
                                    numbers=[MOBILE, PHONE2])
    assert found[MOBILE].customer_id == whatsapp_owner != mobile_owner
    assert not found[MOBILE].opted_out  # the other customer's SMS STOP is not theirs
    # A mobile number stands in for WhatsApp, but its SMS STOP does not stop WhatsApp.
    assert found[PHONE2] == contacts.PhoneContact(customer_id=whatsapp_owner, opted_out=False)


def test_a_whatsapp_stop_stops_whatsapp_not_sms(db_session):
    person = customer(db_session, "CL1", ("msisdn", MOBILE, False), ("whatsapp", PHONE2, True))
    assert contacts.phone_contacts(session=db_session, channel="whatsapp",
                                   numbers=[PHONE2])[PHONE2].opted_out
    assert not contacts.phone_contacts(session=db_session, channel="sms",
                                       numbers=[MOBILE])[MOBILE].opted_out
    assert contacts.phone_contacts(session=db_session, channel="sms",
                                   numbers=[PHONE2]) == {PHONE2: None}
    assert person


def test_the_window_is_the_newest_whatsapp_message_from_the_number(db_session):
    customer(db_session, "CL1", ("msisdn", MOBILE, False))
    route(db_session, MOBILE, NOW - timedelta(hours=30), sender_id=MOBILE)  # before we knew them
    route(db_session, MOBILE, NOW - timedelta(hours=2))
    db_session.add(ConversationRoute(sender_id="conv-sms", channel="sms", address=MOBILE,
                                     last_inbound_at=NOW))  # SMS opens no WhatsApp window
    db_session.flush()
    found = contacts.phone_contacts(session=db_session, channel="whatsapp", numbers=[MOBILE])
    last = found[MOBILE].last_whatsapp_inbound
    assert last == NOW - timedelta(hours=2) and last.tzinfo is not None
    assert contacts.whatsapp_window_open(last, now=NOW)
    assert contacts.phone_contacts(session=db_session, channel="sms", numbers=[MOBILE]
                                   )[MOBILE].last_whatsapp_inbound is None


def test_area_contacts_carry_consent_numbers_opt_outs_and_window(db_session):
    keen = customer(db_session, "CL1", ("msisdn", MOBILE, False), ("whatsapp", PHONE2, False),
                    preferred="whatsapp", outage=True, segment="vip")
    subscriber = customer(db_session, "CL2", ("msisdn", "+447700900152", True),
                          ("web_account", "ada.l", False))
    db_session.add(models.OutageSubscriptionRow(customer_id=subscriber, area_code="T1",
                                                channel="sms", created_at=NOW))
    silent = customer(db_session, "CL3", ("email", "ada@example.com", True))
    customer(db_session, "CL4", ("msisdn", "+447700900154", False), area="T2", outage=True)
    route(db_session, PHONE2, NOW - timedelta(hours=1))
    found = {c.customer_id: c for c in contacts.area_contacts(session=db_session, areas=["T1"])}
    assert set(found) == {keen, subscriber, silent}
    assert found[keen] == contacts.AreaContact(
        customer_id=keen, segment="vip", area="T1", preferred_channel="whatsapp",
        outage_opted_in=True, msisdn=MOBILE, whatsapp=PHONE2, opted_out_channels=frozenset(),
        last_whatsapp_inbound=NOW - timedelta(hours=1))
    assert found[subscriber].outage_opted_in and found[subscriber].preferred_channel == "sms"
    assert found[subscriber].whatsapp == "+447700900152"  # the mobile number stands in
    assert found[subscriber].opted_out_channels == {Channel.SMS, Channel.VOICE}
    assert not found[silent].outage_opted_in and found[silent].msisdn is None
    assert found[silent].opted_out_channels == {Channel.EMAIL, Channel.WEBCHAT}


def test_stop_and_start_flag_the_governing_identities_only(db_session):
    person = customer(db_session, "CL1", ("msisdn", MOBILE, False), ("whatsapp", MOBILE, False))
    candidates = [(IdentityKind.WHATSAPP, MOBILE), (IdentityKind.MSISDN, MOBILE)]
    result = contacts.set_opt_out(session=db_session, channel=Channel.WHATSAPP, address=MOBILE,
                                  candidates=candidates, opted_out=True, now=NOW)
    assert (result.customer_id, result.opted_out) == (person, True)
    flags = {i.kind: (i.opted_out, i.opted_out_at) for i in db_session.query(
        models.CustomerIdentity).filter_by(customer_id=person)}
    assert flags == {"whatsapp": (True, NOW), "msisdn": (False, None)}
    assert contacts.phone_contacts(session=db_session, channel="whatsapp",
                                   numbers=[MOBILE])[MOBILE].opted_out

    contacts.set_opt_out(session=db_session, channel=Channel.WHATSAPP, address=MOBILE,
                         candidates=candidates, opted_out=False, now=NOW)
    assert not contacts.phone_contacts(session=db_session, channel="whatsapp",
                                       numbers=[MOBILE])[MOBILE].opted_out


def test_stop_from_an_unknown_number_records_nothing_and_rest_keeps_no_opt_outs(db_session):
    unknown = contacts.set_opt_out(session=db_session, channel=Channel.SMS, address=STRANGER,
                                   candidates=[(IdentityKind.MSISDN, STRANGER)],
                                   opted_out=True, now=NOW)
    assert unknown.customer_id is None
    with pytest.raises(InvalidRequest):
        contacts.set_opt_out(session=db_session, channel=Channel.REST, address=MOBILE,
                             candidates=[(IdentityKind.MSISDN, MOBILE)], opted_out=True,
                             now=NOW)


def test_placement_mobile_number_and_known_areas(db_session):
    person = customer(db_session, "CL1", ("web_account", "ada.l", False),
                      ("msisdn", MOBILE, True), ("msisdn", PHONE2, False), area="T2",
                      segment="business")
    assert contacts.placement(session=db_session, customer_id=person) == \
        contacts.CustomerPlacement(customer_id=person, segment="business", area="T2")
    assert contacts.placement(session=db_session, customer_id=person + 1000) is None
    assert contacts.mobile_number(session=db_session, customer_id=person) == MOBILE
    assert contacts.mobile_number(session=db_session, customer_id=person + 1000) is None
    assert contacts.known_areas(session=db_session, codes=["T1", "T2", "ZZ9"]) == {"T1", "T2"}
