import numpy as np
import pytest
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from careline.rasa_integration.nlu.intent_classifier import SentenceIntentClassifier


def classifier_like(model: LogisticRegression) -> SentenceIntentClassifier:
    weights = {"coef": model.coef_, "intercept": model.intercept_, "idf": np.ones(1)}
    return SentenceIntentClassifier({}, model_storage=None, resource=None, vocabulary={},
                                    weights=weights, classes=[str(c) for c in model.classes_])


@pytest.mark.parametrize("n_classes", [2, 4])
def test_stored_arrays_give_the_same_probabilities_as_sklearn(n_classes):
    rng = np.random.default_rng(7)
    features = rng.normal(size=(60, 5))
    labels = np.arange(60) % n_classes
    model = LogisticRegression(C=10, max_iter=1000).fit(features, labels)
    ours = classifier_like(model).probabilities(csr_matrix(features))
    np.testing.assert_allclose(ours, model.predict_proba(features), rtol=1e-6, atol=1e-9)
    assert ours.shape == (60, n_classes)


def featurized(text: str, vector, intent: str | None = None):
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text, **({"intent": intent} if intent else {})})
    message.add_features(Features(np.asarray([vector], dtype=np.float32), "sentence", "text", "t"))
    return message


def test_trained_weights_survive_storage_and_classify_like_before(tmp_path):
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    bill, roam = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]
    examples = [featurized(t, bill, "ask_balance") for t in
                ("what do i owe", "my bill total", "balance due", "how much is my bill")]
    examples += [featurized(t, roam, "ask_roaming") for t in
                 ("using my phone in spain", "roaming in france", "data abroad", "travel pass")]
    storage, resource = LocalModelStorage(tmp_path), Resource("intent")
    SentenceIntentClassifier.create({}, storage, resource, None).train(TrainingData(examples))
    loaded = SentenceIntentClassifier.load({}, storage, resource, None)
    [message] = loaded.process([featurized("how much do i owe on my bill", bill)])
    assert message.get("intent")["name"] == "ask_balance"
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_balance", "ask_roaming"]


def test_a_message_without_words_keeps_the_earlier_intent(tmp_path):
    from rasa.shared.nlu.training_data.message import Message

    classifier = SentenceIntentClassifier({}, None, None, vocabulary={}, classes=["a", "b"],
                                          weights={"coef": np.zeros((1, 3)), "idf": np.ones(0),
                                                   "intercept": np.zeros(1)})
    message = Message(data={"text": "", "intent": {"name": "out_of_scope", "confidence": 1.0}})
    classifier.process([message])
    assert message.get("intent")["name"] == "out_of_scope"
