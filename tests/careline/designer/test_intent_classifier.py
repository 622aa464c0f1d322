import numpy as np
import pytest
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from careline.designer.intent_classifier import SentenceIntentClassifier


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
