"""Outages: known incidents in the customer's area, troubleshooting, fault reports, notices."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.customer import (AccountAction, Customer, apologise, lookup, profiles,
                              verified_customer, write_key)
from actions.contact_history import latest_text
from actions.fault_cases import (answer_verified, before_sign_in, fixed_but_not_for_them,
                                 notified_incident, says_still_broken)
from actions.formatting import moment
from careline import clock
from careline.profile.errors import ProfileError
from careline.profile.schemas import AreaStatus, IncidentStatus, InteractionOutcome, OutageInfo

logger = logging.getLogger(__name__)

#: Set by action_check_outage: True when the question is about the customer's own service
#: and they are not signed in, so the rules start verification.
SIGN_IN_SLOT = "outage_sign_in"

CHANNEL_NAMES = {"sms": "text", "whatsapp": "WhatsApp", "webchat": "web chat"}
STATUS_WORDS = {
    IncidentStatus.INVESTIGATING: "our engineers are investigating",
    IncidentStatus.IDENTIFIED: "the cause has been found",
    IncidentStatus.FIXING: "a fix is under way",
    IncidentStatus.MONITORING: "fixed, and being monitored",
    IncidentStatus.RESOLVED: "resolved",
}


def eta_note(outage: OutageInfo) -> str:
    """The expected fix time, never as still to come once it has passed."""
    if outage.eta is None:
        return " We don't have a time for the fix yet."
    if outage.eta <= clock.now():
        return (f" We expected it back by {moment(outage.eta)}; it's taking longer, and we "
                "don't have a new time yet.")
    return f" We expect it back by {moment(outage.eta)}."


def most_relevant(outages: tuple[OutageInfo, ...],
                  reference: Optional[str] = None) -> Optional[OutageInfo]:
    """The incident the customer asked about before, else the worst active one."""
    if reference:
        chosen = next((o for o in outages if o.reference == reference), None)
        if chosen:
            return chosen
    active = [o for o in outages if o.is_active]
    order = {"critical": 0, "major": 1, "minor": 2}
    return min(active, key=lambda o: order.get(o.severity.value, 3)) if active else None


class ActionCheckOutage(AccountAction):
    """A place named in the question ("LS6", "Leeds") gets that area's public status, signed
    in or not; otherwise the customer's own area, once verified. ``outage_sign_in`` tells the
    rules whether the question needs verification first (nothing is said then)."""

    def name(self) -> str:
        return "action_check_outage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        asked = tracker.latest_message or {}
        if (asked.get("intent") or {}).get("name") == "check_outage" and asked.get("text"):
            try:
                status = await lookup(profiles().area_status, place=str(asked["text"]))
            except (ProfileError, asyncio.TimeoutError, OSError) as error:
                logger.warning("area status failed: %s", error)
                return [SlotSet(SIGN_IN_SLOT, False), *apologise(dispatcher)]
            if status is not None:
                return [SlotSet(SIGN_IN_SLOT, False), *say_area_status(dispatcher, status)]
        if verified_customer(tracker) is None:
            decided = await before_sign_in(dispatcher, tracker)
            return [SlotSet(SIGN_IN_SLOT, decided.sign_in), *decided.events]
        return [SlotSet(SIGN_IN_SLOT, False), *await super().run(dispatcher, tracker, domain)]

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        from_history = await answer_verified(dispatcher, tracker)
        if from_history is not None:  # their open fault, a person, or support
            return from_history
        service = profiles()
        profile = await lookup(service.get_profile, customer_id=customer.customer_id,
                               interactions=0)
        outage = most_relevant(profile.outages)
        area = profile.customer.address.area_name
        if outage is None:
            dispatcher.utter_message(response="utter_no_outage_troubleshoot", area=area)
            return [SlotSet("offer", "troubleshoot"), SlotSet("outage_reference", None)]
        dispatcher.utter_message(response="utter_outage_found", area=outage.area_name,
                                 title=outage.title, reference=outage.reference,
                                 status=STATUS_WORDS[outage.status], eta_note=eta_note(outage))
        return [SlotSet("offer", "notify_outage"), SlotSet("outage_reference", outage.reference)]


def say_area_status(dispatcher: CollectingDispatcher, status: AreaStatus) -> list[EventType]:
    """Public facts about one area: its worst open incident, or that none is known."""
    outage = most_relevant(status.outages)
    if outage is None:
        dispatcher.utter_message(response="utter_area_no_outage", area=status.area.name)
        return [SlotSet("offer", None)]
    dispatcher.utter_message(response="utter_area_outage_found", area=status.area.name,
                             title=outage.title, reference=outage.reference,
                             status=STATUS_WORDS[outage.status], eta_note=eta_note(outage))
    return [SlotSet("offer", None)]


class ActionOutageUpdate(AccountAction):
    """The latest word on the incident, including one fixed since the customer asked."""

    def name(self) -> str:
        return "action_outage_update"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        profile = await lookup(profiles().get_profile, customer_id=customer.customer_id,
                               interactions=0)
        # the incident discussed here, or the one a proactive notice told the customer about
        reference = tracker.get_slot("outage_reference") or tracker.get_slot(
            "outage_incident") or await notified_incident(customer.customer_id)
        known = {o.reference: o for o in profile.outages}
        outage = known.get(reference) if reference else most_relevant(profile.outages)
        if outage is None and reference:
            resolved = await lookup(profiles().outages_for_customer,
                                    customer_id=customer.customer_id, include_resolved=True)
            outage = next((o for o in resolved if o.reference == reference), None)
        if outage is not None and not outage.is_active and says_still_broken(
                latest_text(tracker)):  # "is it really fixed? still nothing here"
            return await fixed_but_not_for_them(dispatcher, tracker, customer, outage)
        from_history = await answer_verified(dispatcher, tracker)
        if from_history is not None:  # their open fault, a person, or support
            return from_history
        if outage is not None and not outage.is_active:
            # an old notice's "fixed" is good news only when nothing else is open for them
            outage = most_relevant(profile.outages) or outage
        if outage is None:
            dispatcher.utter_message(response="utter_no_outage_update",
                                     area=profile.customer.address.area_name)
            return [SlotSet("offer", "troubleshoot")]
        if not outage.is_active:
            dispatcher.utter_message(response="utter_outage_resolved", title=outage.title,
                                     area=outage.area_name,
                                     resolved_at=moment(outage.resolved_at or outage.started_at))
            return []
        latest = outage.updates[-1] if outage.updates else None
        dispatcher.utter_message(response="utter_outage_update", title=outage.title,
                                 reference=outage.reference,
                                 at=moment(latest.at if latest else outage.started_at),
                                 message=(latest.message if latest else outage.title).rstrip("."),
                                 status=STATUS_WORDS[outage.status], eta_note=eta_note(outage))
        return [SlotSet("outage_reference", outage.reference)]


class ActionSubscribeOutage(AccountAction):
    def name(self) -> str:
        return "action_subscribe_outage"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        reference = tracker.get_slot("outage_reference")
        subscription = await lookup(profiles().subscribe_outage_updates,
                                    customer_id=customer.customer_id, channel=customer.channel,
                                    incident_reference=reference)
        if subscription.incident_reference:
            response = "utter_outage_subscribed" if subscription.created \
                else "utter_outage_already_subscribed"
        else:  # no incident known: any problem in their area
            response = "utter_outage_subscribed_area" if subscription.created \
                else "utter_outage_already_subscribed_area"
        dispatcher.utter_message(
            response=response,
            channel_name=CHANNEL_NAMES.get(subscription.channel.value, "this channel"))
        return []


class ActionReportFault(AccountAction):
    """Nothing known and troubleshooting did not help: open a fault case."""

    def name(self) -> str:
        return "action_report_fault"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        complaint = self._complaint(tracker)
        case = await lookup(profiles().report_fault, customer_id=customer.customer_id,
                            description=f"Reported in chat, not fixed by a restart: {complaint}",
                            channel=customer.channel,
                            idempotency_key=write_key(tracker, "fault"))
        dispatcher.utter_message(response="utter_fault_reported", reference=case.reference)
        return []

    @staticmethod
    def _complaint(tracker: Tracker) -> str:
        for event in reversed(tracker.events):
            if event.get("event") == "user" and (event.get("parse_data") or {}).get(
                    "intent", {}).get("name") == "check_outage":
                return str(event.get("text") or "")[:300]
        return "service not working"


class ActionFixedAfterTroubleshooting(AccountAction):
    """Troubleshooting worked: say so and note it for the contact history."""

    def name(self) -> str:
        return "action_fixed_after_troubleshooting"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        await lookup(profiles().record_interaction, customer_id=customer.customer_id,
                     channel=customer.channel, intent="check_outage",
                     summary="No known outage; fixed by restarting the device.",
                     outcome=InteractionOutcome.RESOLVED, conversation_id=tracker.sender_id,
                     idempotency_key=write_key(tracker, "interaction"))
        dispatcher.utter_message(response="utter_glad_fixed")
        return []
