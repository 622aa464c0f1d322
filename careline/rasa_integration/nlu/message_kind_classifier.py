"""NLU component: messages in another language, or of emoji only, get their own intent.

Runs last in the pipeline (config.yml), after the intent classifier and the fallback,
and overrides their guess only for what they cannot read (careline.rasa_integration.nlu.message_kinds):

- another language → ``other_language`` with a ``language`` entity (its ISO code), so the
  reply is written in that language (domain/languages.yml);
- emoji only → ``acknowledge`` (👍), ``frustration`` (😡: the handoff rules offer a
  person) or ``emoji_unclear``;
- keyboard mash ("asdfgh qwe") → ``nlu_fallback`` with no guess, so the two-stage fallback
  asks the customer to say it another way instead of calling it out of scope.

A Rasa NLU component, not a channel step, because it is what understanding a message is:
``/model/parse``, the test stories and every channel see the same intent. The English
vocabulary it checks against is the training data's own, kept with the model.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from careline.rasa_integration.nlu.message_kinds import (LanguageReader, emoji_reaction, english_vocabulary,
                                             keyboard_mash)

OTHER_LANGUAGE = "other_language"
ACKNOWLEDGE = "acknowledge"
EMOJI_UNCLEAR = "emoji_unclear"
FRUSTRATION = "frustration"
#: Rasa's FallbackClassifier intent: the two-stage fallback rule answers it.
NLU_FALLBACK = "nlu_fallback"
LANGUAGE_ENTITY = "language"
#: What the Agent hook (careline.rasa_integration.guard) makes of a message without words or media.
BLANK_MESSAGE = "blank_message"
#: Intents given by this component or the Agent hook, never by the classifier: they have
#: no training examples (careline.designer.checks lets them).
UNTRAINED_INTENTS = frozenset({OTHER_LANGUAGE, ACKNOWLEDGE, EMOJI_UNCLEAR, BLANK_MESSAGE})
_EMOJI_INTENT = {"positive": ACKNOWLEDGE, "negative": FRUSTRATION, "unclear": EMOJI_UNCLEAR}
VOCABULARY_FILE = "english_words.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MessageKindClassifier(GraphComponent):
    """Overrides the intent of messages in another language, of emoji only or of keyboard mash."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @staticmethod
    def required_packages() -> list[str]:
        return ["langdetect"]

    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 english: frozenset[str] = frozenset()) -> None:
        self._storage = model_storage
        self._resource = resource
        self._reader = LanguageReader(english) if english else None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MessageKindClassifier:
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        english = english_vocabulary([e.get(TEXT) for e in training_data.training_examples
                                      if e.get(TEXT)])
        with self._storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(english)),
                                                     encoding="utf-8")
        self._reader = LanguageReader(english)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> MessageKindClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            return cls(model_storage, resource)
        return cls(model_storage, resource, frozenset(words))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith(INTENT_MESSAGE_PREFIX):
                continue  # a button's payload or the Agent hook's own text: not words
            self._classify(message, text)
        return messages

    def _classify(self, message: Message, text: str) -> None:
        reaction = emoji_reaction(text)
        if reaction is not None:
            _set_intent(message, _EMOJI_INTENT[reaction])
            return
        language = self._reader.other_language(text) if self._reader else None
        if language is not None:
            _set_intent(message, OTHER_LANGUAGE)
            message.set(ENTITIES, [{"entity": LANGUAGE_ENTITY, "value": language, "start": 0,
                                    "end": len(text), "extractor": type(self).__name__}],
                        add_to_output=True)
            return
        if self._reader is not None and keyboard_mash(text, self._reader.english_words):
            _set_intent(message, NLU_FALLBACK)  # no ranking: nothing to ask "did you mean"


def _set_intent(message: Message, name: str, confidence: float = 1.0) -> None:
    intent: dict[str, Any] = {"name": name, "confidence": confidence}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)

