"""Rasa's own message handling around a stand-in prediction graph, for the parse hooks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Sequence

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message


class NluStandIn:
    """The prediction graph: one fixed NLU verdict on whatever words it is given, then
    Rasa's own RegexMessageHandler, which is what turns a leading "/" into an intent."""

    def __init__(self, domain: Domain, *, intent: str, confidence: float) -> None:
        self.domain = domain
        self.intent = {"name": intent, "confidence": confidence}
        self.read: list[str] = []

    def run(self, inputs: dict[str, Any], targets: list[str]) -> dict[str, Any]:
        (user_message,) = inputs["__message__"]
        self.read.append(user_message.text)
        guess = Message(data={"text": user_message.text, "entities": [],
                              "intent": dict(self.intent)},
                        output_properties={"text", "intent", "entities"})
        return {targets[0]: RegexMessageHandler().process([guess], self.domain)}


def processor_over(domain: Domain, graph: NluStandIn) -> MessageProcessor:
    """A MessageProcessor with no model loaded: ``graph`` stands for its NLU."""
    bare = MessageProcessor.__new__(MessageProcessor)
    bare.domain = domain
    bare.http_interpreter = None
    bare.graph_runner = graph
    bare.model_metadata = SimpleNamespace(nlu_target="run_RegexMessageHandler")
    return bare


async def logged(processor: MessageProcessor, domain: Domain, text: str,
                 before: Sequence[Any] = ()) -> UserUttered:
    """The customer's message as Rasa's own message handling logs it in the tracker."""
    tracker = DialogueStateTracker.from_events("conversation", list(before), slots=domain.slots)
    message = UserMessage(text, CollectingOutputChannel(), "conversation", input_channel="sms")
    await processor._handle_message_with_tracker(message, tracker)
    assert isinstance(tracker.latest_message, UserUttered)
    return tracker.latest_message
