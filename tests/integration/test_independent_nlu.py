"""Single questions written by someone who never saw the training data
(tests/independent/single_turns.yml), scored with the trained model.

`items` carry the intent a person would agree with; `gaps` are questions the intent
catalogue did not cover when the set was written (reported, not scored as intents).
"""

from __future__ import annotations

from collections import Counter

import yaml

from sto_assistent import nlu_scoring
from sto_assistent.settings import INDEPENDENT_SINGLE_TURNS_FILE as SINGLE_TURNS_FILE
from sto_assistent.settings import PROJECT_DIR

# Above the target (0.92): measured 0.963 on 2026-12-03 (0.935 the round before),
# rounded down with a few messages' slack.
MIN_ACCURACY = 0.95


def load() -> tuple[list[nlu_scoring.Example], list[dict[str, str]]]:
    data = yaml.safe_load(SINGLE_TURNS_FILE.read_text(encoding="utf-8"))
    return nlu_scoring.load_single_turns(SINGLE_TURNS_FILE), list(data.get("gaps") or [])


def test_the_set_covers_every_intent_with_enough_questions():
    items, _ = load()
    counts = Counter(example.intent for example in items)
    # Every intent of the catalogue when the set was written has at least 8 questions: 41
    # then, 39 since find_region took in region_contact and inform_place (same answer).
    assert len(items) >= 300 and sum(1 for n in counts.values() if n >= 8) >= 39


def test_independent_single_turn_accuracy(parse):
    items, _ = load()
    result = nlu_scoring.score(items, parse)
    report = nlu_scoring.report("Independent single turns", result)
    print("\n" + report)
    nlu_scoring.write_json(result, PROJECT_DIR / "results" / "independent_nlu.json")
    assert result.accuracy >= MIN_ACCURACY, report
