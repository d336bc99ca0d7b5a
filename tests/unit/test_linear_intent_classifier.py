"""The linear intent classifier: its regularisation setting reaches scikit-learn, survives
saving and loading, and changes what the model learns; its tf-idf weighting is learned from
the training data, stored in the model and applied to every message."""

from __future__ import annotations

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from nlu_components.linear_intent_classifier import (
    LinearIntentClassifier,
    inverse_document_frequency,
    tfidf_weighted,
)
from sto_assistent.settings import PROJECT_DIR

EXAMPLES = {
    "greet": ["hallo", "goedemorgen", "hoi daar", "goedemiddag allemaal", "hey hallo"],
    "goodbye": ["tot ziens", "doei", "fijne dag verder", "tot de volgende keer", "dag hoor"],
}


def _featurised(texts_by_intent: dict[str, list[str]], tmp_path) -> tuple[TrainingData, list[Message], object]:
    messages = [Message.build(text=t, intent=i) for i, texts in texts_by_intent.items() for t in texts]
    data = TrainingData(messages)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process_training_data(data)
    (tmp_path / "cvf").mkdir()
    storage = LocalModelStorage(tmp_path / "cvf")
    context = ExecutionContext(GraphSchema({}), "test")
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
        storage, Resource("cvf"), context,
    )  # fmt: skip
    featurizer.train(data)
    featurizer.process_training_data(data)
    return data, messages, (tokenizer, featurizer)


def _trained(
    c: float, data: TrainingData, tmp_path, tfidf: bool = True
) -> tuple[LinearIntentClassifier, LocalModelStorage, Resource]:
    name = f"linear-{c}-{tfidf}"
    (tmp_path / name).mkdir()
    storage = LocalModelStorage(tmp_path / name)
    resource = Resource(name)
    context = ExecutionContext(GraphSchema({}), name)
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), "C": c, "tfidf": tfidf}, storage, resource, context
    )
    classifier.train(data)
    return classifier, storage, resource


def test_c_reaches_scikit_learn_and_survives_loading(tmp_path):
    data, _, _ = _featurised(EXAMPLES, tmp_path)
    classifier, storage, resource = _trained(7.5, data, tmp_path)
    assert classifier.clf.C == 7.5
    context = ExecutionContext(GraphSchema({}), resource.name)
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), "C": 7.5}, storage, resource, context
    )
    assert loaded.clf.C == 7.5
    assert list(loaded.clf.classes_) == ["goodbye", "greet"]


def test_a_weaker_penalty_makes_the_model_surer_on_what_it_learned(tmp_path):
    data, _, (tokenizer, featurizer) = _featurised(EXAMPLES, tmp_path)
    strong, _, _ = _trained(0.1, data, tmp_path)
    weak, _, _ = _trained(10.0, data, tmp_path)
    probe = [Message.build(text="goedemorgen")]
    tokenizer.process(probe)
    featurizer.process(probe)
    x = weak._create_X(probe)
    assert weak.clf.predict_proba(x).max() > strong.clf.predict_proba(x).max() + 0.05


def test_tfidf_is_stored_and_a_loaded_model_answers_as_the_trained_one(tmp_path):
    data, _, (tokenizer, featurizer) = _featurised(EXAMPLES, tmp_path)
    classifier, storage, resource = _trained(10.0, data, tmp_path)
    assert classifier.idf is not None and classifier.idf.shape == (classifier.clf.coef_.shape[1],)
    context = ExecutionContext(GraphSchema({}), resource.name)
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), "C": 10.0}, storage, resource, context
    )
    probe = [Message.build(text="goedemorgen allemaal, tot ziens")]
    tokenizer.process(probe)
    featurizer.process(probe)
    answered = loaded.clf.predict_proba(loaded._create_X(probe))
    np.testing.assert_allclose(answered, classifier.clf.predict_proba(classifier._create_X(probe)))
    assert np.allclose(loaded.idf, classifier.idf)


def test_without_tfidf_the_model_sees_raw_counts_also_after_loading(tmp_path):
    data, messages, _ = _featurised(EXAMPLES, tmp_path)
    raw, storage, resource = _trained(10.0, data, tmp_path, tfidf=False)
    weighted, _, _ = _trained(10.0, data, tmp_path, tfidf=True)
    assert raw.idf is None
    assert raw._create_X(messages).max() >= 2  # a repeated n-gram counts twice
    norms = np.sqrt(weighted._create_X(messages).multiply(weighted._create_X(messages)).sum(axis=1))
    np.testing.assert_allclose(np.asarray(norms).ravel(), 1.0)
    # A model trained without tf-idf has no idf file and is read with raw counts, whatever
    # the configuration it is loaded with now says.
    context = ExecutionContext(GraphSchema({}), resource.name)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, context)
    assert loaded.idf is None
    np.testing.assert_allclose(
        loaded.clf.predict_proba(loaded._create_X(messages)), raw.clf.predict_proba(raw._create_X(messages))
    )


def test_a_missing_resource_or_no_examples_leave_an_untrained_classifier(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "absent")
    config = LinearIntentClassifier.get_default_config()
    loaded = LinearIntentClassifier.load(config, storage, Resource("absent"), context)
    assert loaded.idf is None and not hasattr(loaded.clf, "classes_")
    empty = LinearIntentClassifier.create(config, storage, Resource("empty"), context)
    empty.train(TrainingData([Message.build(text="hallo")]))  # a message without an intent
    assert empty.idf is None and not hasattr(empty.clf, "classes_")


def test_tfidf_weighs_rare_features_above_common_ones_and_scales_rows_to_unit_length():
    counts = csr_matrix(np.array([[3, 1, 0], [1, 0, 0], [2, 0, 1], [1, 0, 0]], dtype=np.float64))
    idf = inverse_document_frequency(counts)
    assert idf[0] < idf[1] == idf[2]  # feature 0 is in every row
    weighted = tfidf_weighted(counts, idf).toarray()
    np.testing.assert_allclose(np.linalg.norm(weighted, axis=1), 1.0)
    # the common feature, used three times, no longer outweighs the rare one three to one
    assert weighted[0, 1] / weighted[0, 0] > 1 / 3 * 2
    assert counts.toarray()[0, 0] == 3  # the input is not changed


def test_the_pipeline_sets_c_and_tfidf_explicitly():
    config = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())
    linear = [c for c in config["pipeline"] if c["name"].endswith("LinearIntentClassifier")]
    assert len(linear) == 1 and float(linear[0]["C"]) > 0 and linear[0]["tfidf"] is True
