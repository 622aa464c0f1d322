"""Outages: known incidents in the customer's area, troubleshooting, fault reports, notices."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.customer import AccountAction, Customer, lookup, profiles
from actions.formatting import moment
from careline.profile.schemas import IncidentStatus, InteractionOutcome, OutageInfo

CHANNEL_NAMES = {"sms": "text", "whatsapp": "WhatsApp", "webchat": "web chat"}
STATUS_WORDS = {
    IncidentStatus.INVESTIGATING: "our engineers are investigating",
    IncidentStatus.IDENTIFIED: "the cause has been found",
    IncidentStatus.FIXING: "a fix is under way",
    IncidentStatus.MONITORING: "fixed, and being monitored",
    IncidentStatus.RESOLVED: "resolved",
}


def eta_note(outage: OutageInfo) -> str:
    return f" We expect it back by {moment(outage.eta)}." if outage.eta else \
        " We don't have a time for the fix yet."


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
    def name(self) -> str:
        return "action_check_outage"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
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


class ActionOutageUpdate(AccountAction):
    """The latest word on the incident, including one fixed since the customer asked."""

    def name(self) -> str:
        return "action_outage_update"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        profile = await lookup(profiles().get_profile, customer_id=customer.customer_id,
                               interactions=0)
        # the incident discussed here, or the one a proactive notice told the customer about
        reference = tracker.get_slot("outage_reference") or tracker.get_slot("outage_incident")
        known = {o.reference: o for o in profile.outages}
        outage = known.get(reference) if reference else most_relevant(profile.outages)
        if outage is None and reference:
            resolved = await lookup(profiles().outages_for_customer,
                                    customer_id=customer.customer_id, include_resolved=True)
            outage = next((o for o in resolved if o.reference == reference), None)
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
        what = "the problem" if subscription.incident_reference else "any problem in your area"
        dispatcher.utter_message(
            response="utter_outage_subscribed" if subscription.created
            else "utter_outage_already_subscribed",
            channel_name=CHANNEL_NAMES.get(subscription.channel.value, "this channel"), what=what)
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
                            channel=customer.channel)
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
                     outcome=InteractionOutcome.RESOLVED, conversation_id=tracker.sender_id)
        dispatcher.utter_message(response="utter_glad_fixed")
        return []
