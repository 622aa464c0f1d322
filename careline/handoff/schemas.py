"""The context package: everything an agent receives with a handoff, versioned.

These pydantic models are the public contract between the bot and the desk
(and any other consumer, such as an operator's CRM). ``SCHEMA_VERSION``
changes whenever a field changes meaning or disappears; adding an optional
field bumps the minor number. ``context_package.schema.json`` beside this
module is generated from :class:`ContextPackage` and committed, and a test
keeps the two identical (regenerate with ``careline handoffs --schema``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal, Optional, Union
from uuid import UUID

from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from careline.handoff.reasons import HandoffReason

SCHEMA_VERSION: Final = "1.2"  # 1.1: media and location on transcript lines; 1.2: the vulnerability
# reason and the history priority factor (new values only: 1.0 and 1.1 packages still read)

if TYPE_CHECKING:
    #: What a validated field holds: the validator returns a plain Decimal.
    ExactDecimal = Decimal
else:
    class ExactDecimal(Decimal):
        """Money or gigabytes, exact: travels as a decimal string ("45.00") so no cent is lost."""

        @classmethod
        def __get_validators__(cls) -> Iterator[Callable[[Any], Decimal]]:
            yield cls._validate

        @classmethod
        def _validate(cls, value: Any) -> Decimal:
            try:
                return Decimal(str(value))
            except ArithmeticError as error:
                raise ValueError(f"{value!r} is not an amount") from error

        @classmethod
        def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
            field_schema.update(type="string", pattern=r"^-?\d+(\.\d+)?$", examples=["45.00"])


#: Slot and entity values exactly as Rasa holds them (strict: "1" stays a string).
SlotValue = Union[StrictBool, StrictInt, StrictFloat, StrictStr, list[Any], dict[Any, Any], None]


def _nullable_optionals(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """JSON Schema for pydantic v1 omits ``null`` on Optional fields; add it back."""
    for field in model.__fields__.values():
        prop = schema.get("properties", {}).get(field.alias)
        if not field.allow_none or prop is None or "anyOf" in prop and \
                {"type": "null"} in prop["anyOf"]:
            continue
        shown = {k: prop.pop(k) for k in ("title", "description", "default") if k in prop}
        alternatives = prop.pop("anyOf", None) or [dict(prop)]
        prop.clear()
        prop.update(shown, anyOf=[*alternatives, {"type": "null"}])


class _Model(BaseModel):
    class Config:
        allow_mutation = False
        extra = "forbid"
        json_encoders = {Decimal: str}
        schema_extra = staticmethod(_nullable_optionals)


class ConversationRef(_Model):
    """Where the customer is: the Rasa conversation and the channel to answer on."""

    conversation_id: str = Field(..., description="Rasa sender id of the conversation")
    channel: str = Field(..., description="sms, whatsapp, webchat, rest or terminal")
    sender: Optional[str] = Field(None, description="the customer's address on that channel")
    started_at: Optional[datetime] = Field(None, description="first event of the conversation")


class LineSnapshot(_Model):
    msisdn: str
    plan_name: str
    plan_code: str
    monthly_price: ExactDecimal
    contract_ends_on: Optional[str] = None
    data_used_gb: Optional[ExactDecimal] = None
    data_allowance_gb: Optional[ExactDecimal] = Field(None, description="null means unlimited")


class OutageSnapshot(_Model):
    reference: str
    title: str
    status: str
    eta: Optional[datetime] = None


class InteractionSnapshot(_Model):
    occurred_at: datetime
    channel: str
    summary: str
    outcome: str


class CaseSnapshot(_Model):
    reference: str
    kind: str
    status: str
    summary: str


class CustomerSnapshot(_Model):
    """The unified profile at handoff time, trimmed to what an agent acts on."""

    customer_id: int
    account_number: str
    full_name: str
    segment: str
    customer_since: Optional[str] = None
    verified: bool = Field(False, description="the customer proved who they are in this chat")
    lines: tuple[LineSnapshot, ...] = ()
    amount_due: Optional[ExactDecimal] = None
    overdue_amount: Optional[ExactDecimal] = None
    currency: str = "GBP"
    latest_invoice_total: Optional[ExactDecimal] = None
    active_outages: tuple[OutageSnapshot, ...] = ()
    recent_interactions: tuple[InteractionSnapshot, ...] = ()
    open_cases: tuple[CaseSnapshot, ...] = ()


class SharedMedia(_Model):
    """A photo or file the customer sent (WhatsApp, MMS): shown to the agent inline."""

    url: str
    content_type: Optional[str] = None


class SharedLocation(_Model):
    """A location the customer shared (WhatsApp)."""

    latitude: float
    longitude: float
    label: Optional[str] = None
    address: Optional[str] = None


class TranscriptEntry(_Model):
    at: datetime
    speaker: Literal["customer", "bot", "agent"]
    text: str = Field(..., description="as the customer saw it: a pressed button's title")
    media: tuple[SharedMedia, ...] = ()
    location: Optional[SharedLocation] = None


class EntityValue(_Model):
    entity: str
    value: SlotValue
    confidence: Optional[float] = None


class TurnUnderstanding(_Model):
    """What the bot understood from one customer message."""

    at: datetime
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    entities: tuple[EntityValue, ...] = ()
    slots: dict[str, SlotValue] = Field(
        default_factory=dict, description="slots set by the end of this turn (non-empty ones)"
    )
    actions: tuple[str, ...] = Field((), description="actions the bot ran in reply")


class Sentiment(_Model):
    score: float = Field(..., ge=-1, le=1, description="-1 very unhappy … +1 very happy")
    label: Literal["angry", "negative", "neutral", "positive"]
    cues: tuple[str, ...] = Field((), description="words that moved the score")


class PriorityFactor(_Model):
    name: Literal["segment", "sentiment", "reason", "waiting", "history"]
    detail: str
    points: int


class Priority(_Model):
    score: int
    level: str = Field(..., description="urgent, high, normal or low (see the policy)")
    factors: tuple[PriorityFactor, ...]


class ServiceInfo(_Model):
    """What the customer was told about when a person will answer."""

    open_now: bool
    follow_up: Literal["live", "ticket_or_callback"]
    expected_wait_minutes: Optional[int] = None
    next_opening: Optional[datetime] = None


class ContextPackage(_Model):
    """A handoff, complete enough that nobody asks the customer to repeat themselves."""

    schema_version: Literal["1.0", "1.1", "1.2"] = SCHEMA_VERSION
    handoff_id: UUID = Field(..., description="stable id derived from the idempotency key")
    idempotency_key: str = Field(..., description="same handoff, same key: the desk dedups on it")
    created_at: datetime
    conversation: ConversationRef
    customer: Optional[CustomerSnapshot] = Field(
        None, description="null when the customer is not identified or the store was down"
    )
    profile_note: Optional[str] = Field(None, description="why the profile is missing, if it is")
    reason: HandoffReason
    reason_detail: str
    sentiment: Sentiment
    summary: str = Field(..., description="one paragraph for the agent")
    priority: Priority
    service: ServiceInfo
    transcript: tuple[TranscriptEntry, ...]
    understanding: tuple[TurnUnderstanding, ...]
