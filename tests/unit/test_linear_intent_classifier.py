"""The linear intent classifier: its regularisation setting reaches scikit-learn, survives
saving and loading, and changes what the model learns."""

from __future__ import annotations

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intent_classifier import LinearIntentClassifier
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


def _trained(c: float, data: TrainingData, tmp_path) -> tuple[LinearIntentClassifier, LocalModelStorage, Resource]:
    (tmp_path / f"model-{c}").mkdir()
    storage = LocalModelStorage(tmp_path / f"model-{c}")
    resource = Resource(f"linear-{c}")
    context = ExecutionContext(GraphSchema({}), f"linear-{c}")
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), "C": c}, storage, resource, context
    )
    classifier.train(data)
    return classifier, storage, resource


def test_c_reaches_scikit_learn_and_survives_loading(tmp_path):
    data, _, _ = _featurised(EXAMPLES, tmp_path)
    classifier, storage, resource = _trained(7.5, data, tmp_path)
    assert classifier.clf.C == 7.5
    context = ExecutionContext(GraphSchema({}), "linear-7.5")
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


def test_the_linear_alternative_sets_c_explicitly():
    config = yaml.safe_load((PROJECT_DIR / "config" / "alternatives" / "linear_crf.yml").read_text())
    linear = [c for c in config["pipeline"] if c["name"].endswith("LinearIntentClassifier")]
    assert len(linear) == 1 and float(linear[0]["C"]) > 0
