"""Real rows and real Rasa events for handoff and desk tests (no mocks)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from careline.handoff.package import HandoffRequest, build_context_package
from careline.handoff.policy import HandoffPolicy, load_policy
from careline.handoff.reasons import HandoffReason
from careline.handoff.schemas import ContextPackage, CustomerSnapshot, InteractionSnapshot
from careline.handoff.service_hours import ServiceWindow
from careline.handoff.triggers import TriggerDecision



def always_open_policy_file(directory: Path) -> Path:
    """The packaged policy with round-the-clock service hours (for a live handoff)."""
    import yaml

    from careline.handoff.policy import DEFAULT_POLICY_FILE

    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    data["service_hours"]["timezone"] = "UTC"
    data["service_hours"]["days"] = {day: "00:00-24:00" for day in range(1, 8)}
    path = directory / "always_open_policy.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def always_open_policy(directory: Path) -> HandoffPolicy:
    return load_policy(always_open_policy_file(directory))


def seeded_template(directory: Path) -> Path:
    """A migrated SQLite database holding the profile store's demo customers."""
    from careline.profile.seed.runner import seed_database

    path = directory / "template.db"
    url = f"sqlite:///{path}"
    seed_database(url, customers=0)
    from careline.db.session import get_engine

    get_engine(url).dispose()
    return path


def engine_copy(template: Path, target: Path) -> Engine:
    shutil.copyfile(template, target)
    engine = create_engine(f"sqlite:///{target}", future=True,
                           connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _pragmas)
    return engine


def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def user(text: str, ts: float, intent: Optional[str] = "inform", confidence: float = 0.9,
         entities: tuple[dict[str, Any], ...] = (), metadata: Optional[dict] = None,
         message_id: Optional[str] = None) -> dict[str, Any]:
    return {"event": "user", "timestamp": ts, "text": text,
            "message_id": message_id or f"m{ts}",
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "entities": list(entities), "text": text},
            "metadata": metadata or {}, "input_channel": "webchat"}


def bot(text: str, ts: float) -> dict[str, Any]:
    return {"event": "bot", "timestamp": ts, "text": text, "data": {}, "metadata": {}}


def slot(name: str, value: Any, ts: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": ts, "name": name, "value": value}


def action(name: str, ts: float) -> dict[str, Any]:
    return {"event": "action", "timestamp": ts, "name": name}


def conversation(start: float = 1_790_000_000.0) -> tuple[dict[str, Any], ...]:
    """A short billing chat that ends with the customer asking for a person."""
    return (
        {"event": "session_started", "timestamp": start},
        user("hi", start + 1, intent="greet", confidence=0.99),
        action("utter_greet", start + 1.1),
        bot("Hi, I'm Careline. What can I do for you?", start + 1.2),
        user("why is my bill 40 pounds higher this month", start + 10, intent="ask_bill_increase",
             confidence=0.91, entities=({"entity": "amount", "value": "40",
                                         "confidence_entity": 0.88},)),
        action("action_explain_bill", start + 10.2),
        slot("pending_request", "bill_increase", start + 10.3),
        bot("Your bill went up because of roaming charges.", start + 10.4),
        user("that's ridiculous, I was never abroad!!", start + 30, intent="frustration",
             confidence=0.84),
    )


def decision(reason: HandoffReason = HandoffReason.REQUESTED,
             detail: Optional[str] = None) -> TriggerDecision:
    return TriggerDecision(reason, f"test {reason.value}" if detail is None else detail)


def package(*, conversation_id: str = "conv-1", segment: Optional[str] = "postpaid",
            reason: HandoffReason = HandoffReason.REQUESTED,
            events: tuple[dict[str, Any], ...] = (), now: Optional[datetime] = None,
            policy: Optional[HandoffPolicy] = None, open_now: bool = True,
            detail: Optional[str] = None,
            interactions: tuple[InteractionSnapshot, ...] = ()) -> ContextPackage:
    events = events or conversation()
    customer = None
    if segment is not None:
        customer = CustomerSnapshot(customer_id=7, account_number="CL1", full_name="Test Person",
                                    segment=segment, verified=True,
                                    recent_interactions=interactions)
    request = HandoffRequest(
        conversation_id=conversation_id, channel="webchat", sender="test.person",
        events=events, decision=decision(reason, detail), customer=customer, profile_note=None,
        window=ServiceWindow(open_now=open_now, next_opening=None),
        expected_wait_minutes=4 if open_now else None,
        now=now or datetime.now(timezone.utc))
    return build_context_package(request, policy or load_policy())
