"""Training data, held-out set, test stories and domain stay consistent and honest;
the files derived from the region data and the domain are in sync."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
import yaml
from rasa.shared.core.constants import DEFAULT_INTENTS
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.loading import load_data

from sto_assistent import derived
from sto_assistent.settings import DOMAIN_DIR, HELDOUT_DIR, NLU_DIR, PROJECT_DIR, REGIONS_FILE

STORIES_DIR = PROJECT_DIR / "tests" / "stories"
RULES_AND_STORIES = [*PROJECT_DIR.glob("data/rules/*.yml"), *PROJECT_DIR.glob("data/stories/*.yml")]


def _examples(directory):
    data = load_data(str(directory))
    return [(m.get("intent_response_key") or m.get("intent"), m.get("text")) for m in data.intent_examples]


def normalise(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def story_user_lines() -> list[str]:
    lines = []
    for path in sorted(STORIES_DIR.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            lines += [step["user"].strip() for step in story["steps"] if "user" in step]
    return [re.sub(r"\[([^\]]+)\]\([a-z_]+\)", r"\1", line) for line in lines]


@pytest.fixture(scope="module")
def training():
    return _examples(NLU_DIR)


@pytest.fixture(scope="module")
def heldout():
    return _examples(HELDOUT_DIR)


def test_every_intent_has_at_least_25_training_examples(training):
    counts = Counter(intent for intent, _ in training)
    thin = {intent: n for intent, n in counts.items() if n < 25}
    assert not thin, thin


def test_every_intent_has_at_least_10_heldout_examples(training, heldout):
    counts = Counter(intent for intent, _ in heldout)
    assert set(counts) == {intent for intent, _ in training}
    assert min(counts.values()) >= 10


def test_heldout_sentences_never_appear_in_training(training, heldout):
    seen = {normalise(text) for _, text in training} - {""}
    leaked = [text for _, text in heldout if normalise(text) in seen]
    assert not leaked, leaked


def test_e2e_story_sentences_never_appear_in_training(training):
    seen = {normalise(text) for _, text in training} - {""}
    lines = story_user_lines()
    assert len(lines) >= 40, "the test stories hold at least 40 user lines"
    leaked = [line for line in lines if not line.startswith("/") and normalise(line) in seen]
    assert not leaked, leaked


def test_every_domain_intent_has_training_data(training):
    domain = Domain.load(str(DOMAIN_DIR))
    trained = {intent.split("/")[0] for intent, _ in training}
    assert set(domain.intents) - set(DEFAULT_INTENTS) - {"out_of_scope"} <= trained


def test_every_domain_intent_is_answered_by_a_rule_or_story():
    domain = Domain.load(str(DOMAIN_DIR))
    handled = set()
    for path in RULES_AND_STORIES:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for flow in (data.get("rules") or []) + (data.get("stories") or []):
            handled |= {step["intent"] for step in flow.get("steps", []) if "intent" in step}
            handled |= {s["intent"] for step in flow.get("steps", []) for s in step.get("or", []) if "intent" in s}
    unanswered = set(domain.intents) - set(DEFAULT_INTENTS) - handled
    assert not unanswered, f"intents no rule or story answers: {sorted(unanswered)}"


def test_derived_files_are_in_sync():
    assert derived.main(["--check"]) == 0


def test_the_sync_check_fails_when_a_place_is_added(tmp_path):
    changed = tmp_path / "regions.yml"
    text = REGIONS_FILE.read_text(encoding="utf-8")
    changed.write_text(text.replace("places: [Zwolle]", "places: [Zwolle, Windesheim]", 1), encoding="utf-8")
    stale = derived.stale_files(regions_file=changed)
    assert list(stale) == [derived.PLACE_LOOKUP_FILE]
    assert "Windesheim" in stale[derived.PLACE_LOOKUP_FILE]


def test_the_sync_check_fails_when_the_national_address_or_a_welcome_button_changes(tmp_path):
    changed = tmp_path / "regions.yml"
    text = REGIONS_FILE.read_text(encoding="utf-8")
    email = yaml.safe_load(text)["national_contact"]["email"]
    changed.write_text(text.replace(email, "vragen@example.nl"), encoding="utf-8")
    assert derived.CONTACT_DOMAIN_FILE in derived.stale_files(regions_file=changed)

    domain_copy = tmp_path / "domain"
    shutil.copytree(DOMAIN_DIR, domain_copy)
    for path in domain_copy.glob("*.yml"):
        path.write_text(path.read_text(encoding="utf-8").replace('title: "Cofinanciering"', 'title: "Geld"'))
    assert derived.WELCOME_JS_FILE in derived.stale_files(domain_dir=domain_copy)


def evaluation_sentences() -> list[str]:
    """Every user sentence of the independent sets and the development set."""
    sentences = []
    for path in [*PROJECT_DIR.glob("tests/independent/*.yml"), *PROJECT_DIR.glob("tests/dev/*.yml")]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sentences += [item["text"] for item in data.get("items", []) + data.get("gaps", [])]
        sentences += [turn["user"] for c in data.get("conversations", []) for turn in c["turns"]]
    return sentences


def test_evaluation_sentences_never_appear_in_training(training):
    """Bare place names ("Zwolle") are the only sentences both may hold: a name is a name."""
    seen = {normalise(text) for _, text in training} - {""}
    sentences = evaluation_sentences()
    assert len(sentences) >= 1000
    leaked = [s for s in sentences if normalise(s) in seen and len(normalise(s).split()) > 2]
    assert not leaked, leaked
