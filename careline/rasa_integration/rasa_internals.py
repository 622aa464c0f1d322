"""Every private member of Rasa that Careline reads, calls or overrides, in one list.

Rasa may rename or drop a private member in any release without notice. Careline keeps
their number small and names each one here, with the module that needs it, so an
upgrade starts from this list: tests/careline/rasa_integration/test_patches.py fails when
a member is gone, or when a method Careline overrides with a copy of Rasa's body changed
in Rasa. The members Careline patches are listed, with fingerprints, in
:mod:`careline.rasa_integration.patches`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional


class Use(Enum):
    """How Careline depends on the member."""

    CALLS = "calls"  # a method Careline calls, or a class attribute it reads
    OVERRIDES = "overrides"  # a method a Careline subclass replaces
    ATTRIBUTE = "attribute"  # an instance attribute Rasa's ``__init__`` sets


@dataclass(frozen=True)
class PrivateMember:
    """``owner`` is ``module:Class``. An override has a ``fingerprint``
    (:func:`careline.rasa_integration.patches.fingerprint` of Rasa's method): when Rasa's
    method changes, the override may have to follow it."""

    owner: str
    name: str
    use: Use
    used_by: str
    fingerprint: Optional[str] = None


PRIVATE_MEMBERS: tuple[PrivateMember, ...] = (
    # Careline's tracker store loads with Rasa's query and, for trackers it did not load,
    # finds the new events Rasa's way.
    PrivateMember("rasa.core.tracker_store:SQLTrackerStore", "_event_query", Use.CALLS,
                  "careline.rasa_integration.tracker_store"),
    PrivateMember("rasa.core.tracker_store:SQLTrackerStore", "_additional_events", Use.CALLS,
                  "careline.rasa_integration.tracker_store"),
    # The MiniLM featurizer runs the model as one compiled graph and pools its own way.
    PrivateMember("rasa.nlu.featurizers.dense_featurizer.lm_featurizer:LanguageModelFeaturizer",
                  "_compute_batch_sequence_features", Use.OVERRIDES,
                  "careline.rasa_integration.nlu.sentence_embeddings",
                  fingerprint="de9f1a16ff3599f5"),
    PrivateMember("rasa.nlu.featurizers.dense_featurizer.lm_featurizer:LanguageModelFeaturizer",
                  "_post_process_sequence_embeddings", Use.OVERRIDES,
                  "careline.rasa_integration.nlu.sentence_embeddings",
                  fingerprint="72d3b0922020f965"),
    # The quiet Pika broker is Rasa's publish without the deep copy for a debug line.
    PrivateMember("rasa.core.brokers.pika:PikaEventBroker", "_publish", Use.OVERRIDES,
                  "careline.rasa_integration.event_broker", fingerprint="9f76ab9c1448db88"),
    PrivateMember("rasa.core.brokers.pika:PikaEventBroker", "_message", Use.CALLS,
                  "careline.rasa_integration.event_broker"),
    PrivateMember("rasa.core.brokers.pika:PikaEventBroker", "_exchange", Use.ATTRIBUTE,
                  "careline.rasa_integration.event_broker"),
    PrivateMember("rasa.core.brokers.pika:PikaEventBroker", "_unpublished_events",
                  Use.ATTRIBUTE, "careline.rasa_integration.event_broker"),
    # A relayed turn's collector keeps each text whole where Rasa's splits at blank lines.
    PrivateMember("rasa.core.channels.channel:CollectingOutputChannel", "_persist_message",
                  Use.CALLS, "careline.channels.relayed_turns"),
    PrivateMember("rasa.core.channels.channel:CollectingOutputChannel", "_message",
                  Use.CALLS, "careline.channels.relayed_turns"),
    # The REST channel names its own senders and input channel, never the body's.
    PrivateMember("rasa.core.channels.rest:RestInput", "_extract_sender", Use.OVERRIDES,
                  "careline.channels.rest", fingerprint="1a9567a3062f0ab8"),
    PrivateMember("rasa.core.channels.rest:RestInput", "_extract_input_channel",
                  Use.OVERRIDES, "careline.channels.rest", fingerprint="ca08e7f6dc2980a5"),
)
