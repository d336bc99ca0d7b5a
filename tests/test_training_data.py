"""Training data, held-out set and domain stay consistent and honest."""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.loading import load_data

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _examples(directory: Path):
    data = load_data(str(directory))
    return [
        (m.get("intent_response_key") or m.get("intent"), m.get("text"))
        for m in data.intent_examples
    ]


def _normalise(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def training():
    return _examples(PROJECT_DIR / "data" / "nlu")


@pytest.fixture(scope="module")
def heldout():
    return _examples(PROJECT_DIR / "tests" / "nlu_heldout")


def test_every_intent_has_at_least_25_training_examples(training):
    counts = Counter(intent for intent, _ in training)
    thin = {intent: n for intent, n in counts.items() if n < 25}
    assert not thin, thin


def test_every_intent_has_at_least_10_heldout_examples(training, heldout):
    counts = Counter(intent for intent, _ in heldout)
    assert set(counts) == {intent for intent, _ in training}
    assert min(counts.values()) >= 10


def test_heldout_sentences_never_appear_in_training(training, heldout):
    seen = {_normalise(text) for _, text in training} - {""}
    leaked = [text for _, text in heldout if _normalise(text) in seen]
    assert not leaked, leaked


def test_e2e_story_sentences_never_appear_in_training(training):
    seen = {_normalise(text) for _, text in training} - {""}
    lines = []
    for story_file in (PROJECT_DIR / "tests" / "stories").glob("*.yml"):
        lines += re.findall(r"^\s{6}(\S.*)$", story_file.read_text(encoding="utf-8"), re.M)
    plain = [re.sub(r"\[([^\]]+)\]\([a-z_]+\)", r"\1", line) for line in lines]
    leaked = [line for line in plain if not line.startswith("/") and _normalise(line) in seen]
    assert not leaked, leaked


def test_every_domain_intent_has_training_data_and_an_answer(training):
    domain = Domain.load(str(PROJECT_DIR / "domain"))
    trained = {intent.split("/")[0] for intent, _ in training}
    assert set(domain.intents) - {"nlu_fallback", "restart", "session_start", "back", "out_of_scope"} <= trained


def test_place_lookup_table_is_in_sync_with_the_region_file():
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "generate_place_lookup.py"), "--check"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


def test_lookup_check_fails_when_a_place_is_added(tmp_path, monkeypatch):
    sys.path.insert(0, str(PROJECT_DIR / "scripts"))
    import generate_place_lookup

    text = (PROJECT_DIR / "knowledge" / "regions.yml").read_text(encoding="utf-8")
    changed = tmp_path / "regions.yml"
    changed.write_text(text.replace("places: [Zwolle]", "places: [Zwolle, Windesheim]", 1), encoding="utf-8")
    assert "Windesheim" in changed.read_text(encoding="utf-8")
    assert generate_place_lookup.render(changed) != generate_place_lookup.render()
