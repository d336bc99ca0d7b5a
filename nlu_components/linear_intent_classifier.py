"""Rasa's logistic-regression intent classifier on tf-idf weighted features, with its
regularisation strength as a setting.

Rasa 3.6's `LogisticRegressionClassifier` feeds raw n-gram counts to scikit-learn with `C`
fixed at 1.0. On thousands of sparse word and character n-gram counts two changes generalise
better (README, "Choosing the pipeline"; chosen by cross-validation on the training data):

- `tfidf`: each count becomes 1 + log(count), weighted by the feature's inverse document
  frequency in the training data, and every message's vector gets unit length. Frequent
  n-grams ("ik", "de", " we") stop outweighing the rare ones that name a topic, and a long
  message no longer gets more extreme probabilities than a short one;
- `C`: a weaker penalty fits the many ways of asking.

Training, prediction and persistence of the classifier itself are Rasa's; the idf vector is
stored beside it in the model, and a model without one (trained with `tfidf: false`) is read
with raw counts, as it was trained. The weighting assumes count features (the word and
character n-gram counts and the 0/1 regex features of config.yml), not dense embeddings.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, diags
from sklearn.preprocessing import normalize

IDF_FILE = "idf.npy"

logger = logging.getLogger(__name__)


def inverse_document_frequency(counts: csr_matrix) -> NDArray[np.float64]:
    """scikit-learn's smoothed idf: log((1 + n) / (1 + df)) + 1, never zero."""
    documents = counts.shape[0]
    frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
    return np.log((1.0 + documents) / (1.0 + frequency)) + 1.0


def tfidf_weighted(counts: csr_matrix, idf: NDArray[np.float64]) -> csr_matrix:
    """Sublinear term frequency times idf, each row scaled to unit length."""
    weighted = csr_matrix(counts, dtype=np.float64, copy=True)
    positive = weighted.data > 0
    weighted.data[positive] = 1.0 + np.log(weighted.data[positive])
    return normalize(weighted @ diags(idf), norm="l2", copy=False)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "tfidf": True}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
        self.idf: NDArray[np.float64] | None = None

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        counts = super()._create_X(messages)
        return counts if self.idf is None else tfidf_weighted(counts, self.idf)

    def train(self, training_data: TrainingData) -> Resource:
        self.idf = None
        if not any(e.get("intent") and e.get("text") for e in training_data.intent_examples):
            logger.debug(f"Cannot train '{self.__class__.__name__}': no intent examples.")
            return self._resource
        counts, intents = self._create_training_matrix(training_data)
        if self.config["tfidf"]:
            self.idf = inverse_document_frequency(counts)
            counts = tfidf_weighted(counts, self.idf)
        self.clf.fit(counts, intents)
        self.persist()
        return self._resource

    def persist(self) -> None:
        super().persist()
        if self.idf is not None:
            with self._model_storage.write_to(self._resource) as model_dir:
                np.save(model_dir / IDF_FILE, self.idf, allow_pickle=False)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as model_dir:
                if (model_dir / IDF_FILE).exists():
                    component.idf = np.load(model_dir / IDF_FILE, allow_pickle=False)
        except ValueError:  # no stored resource: the base class returned an untrained component
            return component
        features = getattr(component.clf, "n_features_in_", None)
        if component.idf is not None and features is not None and component.idf.shape[0] != features:
            raise ValueError(f"{resource.name}: {IDF_FILE} does not fit the classifier; retrain the model")
        return component
