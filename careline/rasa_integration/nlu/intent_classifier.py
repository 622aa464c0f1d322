"""An intent classifier that reads meaning from sentence embeddings and typos from characters.

DIET, trained from scratch on ~2,500 examples, learns our examples' exact words: on messages
real customers wrote it scored no better than Rasa's default pipeline. A logistic regression
on the L2-normalised all-MiniLM-L6-v2 sentence vector (from ``MiniLMFeaturizer``), next to
TF-IDF character n-grams of the raw text (misspellings, "pls", "@handle"), generalises to
unseen phrasing far better, trains in seconds and adds well under a millisecond per message
(measured in docs/designer-guide.md). It sets the intent and the ranking the
FallbackClassifier reads; a CRF supplies the entities (config.yml).

No class weighting: the data's own proportions (many off-topic and billing examples, few
roaming ones) are a truer prior for real traffic than a balanced one, which inflated the rare
intents into confident false positives. Weights are stored as plain arrays and JSON, never
pickled, so loading a model archive runs no code from it.
"""

from __future__ import annotations

import json
from typing import Any, Optional, cast

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer

WEIGHTS_FILE = "weights.npz"
META_FILE = "meta.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic regression on [sentence embedding, character n-gram TF-IDF]."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 10.0, "min_ngram": 2, "max_ngram": 5, "min_df": 2, "max_iter": 3000,
                "ranking_length": 10}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 *, vocabulary: Optional[dict[str, int]] = None,
                 weights: Optional[dict[str, np.ndarray[Any, Any]]] = None,
                 classes: Optional[list[str]] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary
        self._weights = weights or {}
        self._classes = classes or []

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource  # nothing to tell apart (e.g. a core-only project)
        counter = CountVectorizer(analyzer="char_wb", lowercase=True, min_df=self._config["min_df"],
                                  ngram_range=(self._config["min_ngram"], self._config["max_ngram"]))
        counts = counter.fit_transform([e.get(TEXT) for e in examples])
        self._vocabulary = {str(k): int(v) for k, v in counter.vocabulary_.items()}
        documents = np.asarray((counts > 0).sum(axis=0)).ravel()
        self._weights = {"idf": np.log((1 + len(examples)) / (1 + documents)) + 1}
        model = LogisticRegression(C=self._config["C"], max_iter=self._config["max_iter"])
        model.fit(self._features(examples), [e.get(INTENT) for e in examples])
        self._classes = [str(c) for c in model.classes_]
        self._weights.update(coef=model.coef_, intercept=model.intercept_)
        self._persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if not self._classes:
            return messages
        for message in messages:
            if not message.get(TEXT) or self._sentence_vector(message) is None:
                continue  # nothing to read: leave what the earlier classifier said
            probabilities = self.probabilities(self._features([message]))[0]
            order = np.argsort(-probabilities)
            ranking = [{"name": self._classes[i], "confidence": float(probabilities[i])}
                       for i in order[: self._config["ranking_length"]]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def probabilities(self, features: csr_matrix) -> np.ndarray[Any, Any]:
        """What sklearn's ``predict_proba`` returns, from the stored arrays."""
        scores = np.asarray(features @ self._weights["coef"].T) + self._weights["intercept"]
        if scores.shape[1] == 1:  # two intents: sklearn stores one binary decision
            positive = 1 / (1 + np.exp(-scores))
            return np.hstack([1 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return cast("np.ndarray[Any, Any]", exp / exp.sum(axis=1, keepdims=True))

    _counter: Optional[CountVectorizer] = None

    def _features(self, messages: list[Message]) -> csr_matrix:
        if self._counter is None:  # built once: checking a 30k-entry vocabulary costs ms
            self._counter = CountVectorizer(
                analyzer="char_wb", lowercase=True, vocabulary=self._vocabulary,
                ngram_range=(self._config["min_ngram"], self._config["max_ngram"]))
        counts = self._counter.transform([m.get(TEXT) for m in messages]).astype(np.float64)
        counts.data = 1 + np.log(counts.data)  # sublinear term frequency
        tfidf = counts.multiply(self._weights["idf"]).tocsr()
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1))).ravel()
        tfidf = csr_matrix(tfidf.multiply(1 / np.maximum(norms, 1e-12)[:, None]))
        # Rasa's featurizers run first, so every message has its sentence vector here.
        dense = np.vstack([cast("np.ndarray[Any, Any]", self._sentence_vector(m)) for m in messages])
        dense = dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
        return hstack([csr_matrix(dense), tfidf]).tocsr()

    @staticmethod
    def _sentence_vector(message: Message) -> Optional[np.ndarray[Any, Any]]:
        _, sentence = message.get_dense_features(TEXT)
        return None if sentence is None else np.asarray(sentence.features).reshape(-1)

    def _persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self._weights)
            (directory / META_FILE).write_text(json.dumps(
                {"classes": self._classes, "vocabulary": self._vocabulary}), encoding="utf-8")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SentenceIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
                with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as stored:
                    weights = {name: stored[name] for name in stored.files}
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)  # trained on nothing to tell apart
        return cls(config, model_storage, resource, vocabulary=meta["vocabulary"],
                   weights=weights, classes=meta["classes"])
