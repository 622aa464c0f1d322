"""The closed vocabularies of the profile store, as ``str`` enums.

They are ``str`` so they compare equal to the plain strings channels and
actions pass around (``Channel.SMS == "sms"``) and serialise as themselves.
"""

from __future__ import annotations

from enum import Enum


class Segment(str, Enum):
    """The customer's tier: drives priority and what the bot may offer."""

    VIP = "vip"
    POSTPAID = "postpaid"
    PREPAID = "prepaid"
    BUSINESS = "business"


class Channel(str, Enum):
    """Where an interaction happened; the first five are Careline's channel kinds."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    WEBCHAT = "webchat"
    REST = "rest"
    TERMINAL = "terminal"
    VOICE = "voice"
    EMAIL = "email"
    STORE = "store"


class IdentityKind(str, Enum):
    """How a customer is addressed on a channel."""

    MSISDN = "msisdn"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    WEB_ACCOUNT = "web_account"
    ACCOUNT_NUMBER = "account_number"


class PaymentType(str, Enum):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"


class BillCategory(str, Enum):
    """Invoice line categories, in the order a bill explanation lists them."""

    PLAN = "plan"
    ADD_ON = "add_on"
    OVERAGE = "overage"
    ROAMING = "roaming"
    ONE_OFF = "one_off"
    DISCOUNT = "discount"
    TAX = "tax"


class InvoiceStatus(str, Enum):
    ISSUED = "issued"
    PAID = "paid"
    OVERDUE = "overdue"


class AddOnKind(str, Enum):
    ROAMING_DAILY = "roaming_daily"
    ROAMING_MONTHLY = "roaming_monthly"
    DATA_BOOST = "data_boost"


class ServiceKind(str, Enum):
    """Services an outage can affect."""

    MOBILE_DATA = "mobile_data"
    VOICE = "voice"
    SMS = "sms"
    BROADBAND = "broadband"


class IncidentStatus(str, Enum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    FIXING = "fixing"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class IncidentSeverity(str, Enum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class InteractionOutcome(str, Enum):
    RESOLVED = "resolved"
    HANDED_OFF = "handed_off"
    ABANDONED = "abandoned"
    IN_PROGRESS = "in_progress"


class CaseKind(str, Enum):
    DISPUTE = "dispute"
    FAULT = "fault"


class CaseStatus(str, Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class ArrangementKind(str, Enum):
    """Split the overdue amount into instalments, or pay it all later."""

    INSTALMENTS = "instalments"
    DEFERRAL = "deferral"


class ArrangementStatus(str, Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"


class RecommendationReason(str, Enum):
    """Why a plan is (or is not) recommended, for the bot to phrase."""

    NEEDS_MORE_DATA = "needs_more_data"
    SAVE_MONEY = "save_money"
    ALREADY_BEST = "already_best"
    NO_USAGE_HISTORY = "no_usage_history"


class EligibilityReason(str, Enum):
    ELIGIBLE = "eligible"
    NOTHING_DUE = "nothing_due"
    PREPAID = "prepaid"
    ARRANGEMENT_ACTIVE = "arrangement_active"
    RECENTLY_BROKEN = "recently_broken"
    AMOUNT_TOO_SMALL = "amount_too_small"
