"""Contacts, owned by the profile: how, and whether, Careline may reach a customer.

Opt-outs (STOP/START), outage consent, the WhatsApp 24-hour window and the
customer's numbers live behind this package. Channels, proactive care and
insight ask it instead of reading the CRM's tables, so each rule has one
definition (:mod:`careline.profile.contacts.rules`).
"""

from careline.profile.contacts.repository import (
    area_contacts, known_areas, last_whatsapp_inbound, mobile_number, phone_contacts, placement,
    set_opt_out,
)
from careline.profile.contacts.rules import (
    OPT_OUT_KINDS, PHONE_LOOKUP_KINDS, WHATSAPP_WINDOW, opted_out_channels,
    whatsapp_window_open,
)
from careline.profile.contacts.schemas import AreaContact, CustomerPlacement, PhoneContact

__all__ = [
    "AreaContact", "CustomerPlacement", "OPT_OUT_KINDS", "PHONE_LOOKUP_KINDS", "PhoneContact",
    "WHATSAPP_WINDOW", "area_contacts", "known_areas", "last_whatsapp_inbound",
    "mobile_number", "opted_out_channels", "phone_contacts", "placement", "set_opt_out",
    "whatsapp_window_open",
]
