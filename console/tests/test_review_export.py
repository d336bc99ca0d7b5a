"""The training data export: Rasa NLU YAML of the annotated messages, masked, without sentences
of the training data or the test sets, accepted by `rasa data validate`."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from conversations.models import TurnKind
from privacy.models import AuditEntry
from review import assistant_files
from review.models import Annotation, AnnotationKind
from review.training import build_export, with_place
from tests.test_review_teach import say

PROJECT = assistant_files.project_dir()
RASA = PROJECT / ".venv" / "bin" / "rasa"

MESSAGES = [
    ("ik heb een metaalbedrijf in Zwolle, wat kost meedoen?", "nlu_fallback", 0.4),
    ("bel me even op 06-12345678 over de bijdrage in uren", "cofinancing_money_or_kind", 0.6),
    ('Tellen "uren" van stagiairs [ook](mee) - ja: of #nee?', "nlu_fallback", 0.3),
    ("(a sentence of the held-out set)", "cofinancing_amount", 0.7),
    ("(a sentence of the training data)", "cofinancing_amount", 0.9),
    ("wat levert het op, financieel gezien", "company_benefits", 0.5),
    ("wat levert het op financieel gezien!", "budget", 0.5),  # the same sentence, other intent
    ("Kan ik subsidie krijgen voor zonnepanelen?", "out_of_scope", 0.9),
    ("Kunnen jullie ook iets met robotica-lessen?", "nlu_fallback", 0.3),
]
ANNOTATIONS = {
    0: {"intent": "cofinancing_amount", "place": "Zwolle"},
    1: {"intent": "cofinancing_money_or_kind"},
    2: {"intent": "cofinancing_money_or_kind"},
    3: {"intent": "cofinancing_amount"},
    4: {},  # the intent of the training sentence, set in the fixture
    5: {"intent": "company_benefits"},
    6: {"intent": "budget"},
    7: {"kind": AnnotationKind.OUT_OF_SCOPE, "intent": ""},
    8: {"kind": AnnotationKind.NEW_TOPIC, "intent": "", "note": "robotica"},
}


def live_sentences() -> tuple[str, str, str]:
    """A held-out sentence that is not training data, and a training sentence with its intent
    (taken from the assistant's files as they are now: they change with its data)."""
    trained = assistant_files.training_sentences()
    intents = set(assistant_files.domain_intents())
    heldout = next(
        text
        for text, where in assistant_files.test_sentences().items()
        if where.startswith("tests/nlu_heldout/") and text not in trained
    )
    tested = assistant_files.test_sentences()
    sentence, intent = next((text, i) for text, i in trained.items() if i in intents and text not in tested)
    return heldout, sentence, intent


@pytest.fixture
def annotated(db, tracker, reviewer):
    heldout, trained, trained_intent = live_sentences()
    messages = list(MESSAGES)
    messages[3] = (heldout, "cofinancing_amount", 0.7)
    messages[4] = (trained, trained_intent, 0.9)
    conversation = say(tracker, *messages)
    turns = list(conversation.turns.filter(kind=TurnKind.USER).order_by("source_id"))
    annotations = {**ANNOTATIONS, 4: {"intent": trained_intent}}
    for index, fields in annotations.items():
        Annotation.objects.create(turn=turns[index], created_by=reviewer, updated_by=reviewer, **fields)
    return conversation


def examples_of(text: str) -> dict[str, list[str]]:
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    return {block["intent"]: [line[2:] for line in block["examples"].splitlines()] for block in data["nlu"]}


def test_export_is_masked_annotated_and_leaves_out_test_sentences(annotated):
    export = build_export()
    assert examples_of(export.yaml()) == {
        "cofinancing_amount": ["ik heb een metaalbedrijf in [Zwolle](place), wat kost meedoen?"],
        "cofinancing_money_or_kind": [
            "bel me even op [telefoonnummer] over de bijdrage in uren",
            'Tellen "uren" van stagiairs [ook] (mee) - ja: of #nee?',  # no entity lookalike
        ],
    }
    reasons = {item.text: item.reason for item in export.left_out}
    heldout, trained, _ = live_sentences()
    assert reasons[heldout].startswith("Staat in een test- of held-out-set (tests/nlu_heldout/")
    assert reasons[trained] == "Staat al in de trainingsdata."
    assert "tegenstrijdig" in reasons["wat levert het op, financieel gezien"]
    assert "tegenstrijdig" in reasons["wat levert het op financieel gezien!"]
    team = {text: a.kind for text, a in export.for_team}
    assert team == {
        "Kan ik subsidie krijgen voor zonnepanelen?": AnnotationKind.OUT_OF_SCOPE,
        "Kunnen jullie ook iets met robotica-lessen?": AnnotationKind.NEW_TOPIC,
    }
    assert "06-12345678" not in export.yaml() and "zonnepanelen" not in export.yaml()


def test_place_annotation():
    assert with_place("wij zitten in Den Haag", "den haag") == "wij zitten in [Den Haag](place)"
    assert with_place("wij zitten op [adres]", "Zwolle") == "wij zitten op [adres]"  # masked away
    assert with_place("zie [dit](dat)", "") == "zie [dit] (dat)"


def test_training_page_and_download(reviewer_client, reviewer, annotated):
    body = reviewer_client.get("/trainingsdata/").content.decode()
    assert "3 zinnen in de export, 4 weggelaten, 2 voor het team." in body
    assert "[Zwolle](place)" in body and "Staat in een test- of held-out-set" in body and "robotica" in body
    assert not AuditEntry.objects.filter(action="export").exists()
    assert reviewer_client.get("/trainingsdata/downloaden/").status_code == 405  # a download is a POST
    response = reviewer_client.post("/trainingsdata/downloaden/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="reviewed.yml"'
    assert sum(len(v) for v in examples_of(response.content.decode()).values()) == 3
    entry = AuditEntry.objects.get(action="export")
    assert entry.user == reviewer and entry.target == "training:reviewed.yml" and "examples=3" in entry.detail


def test_empty_export_is_valid_yaml(db):
    data = yaml.safe_load(build_export().yaml())
    assert data == {"version": "3.1", "nlu": []}


@pytest.mark.cli
def test_rasa_data_validate_accepts_the_export(annotated, tmp_path):
    """The content editor's path: the file in data/nlu/reviewed/ of the assistant passes
    `rasa data validate --fail-on-warnings` (as `make validate` runs it)."""
    assert RASA.exists(), f"{RASA} missing: make install"
    export = build_export()
    assert len(export.examples) == 3
    for name in ("domain", "data"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    shutil.copy(PROJECT / "config.yml", tmp_path / "config.yml")
    (tmp_path / "data" / "nlu" / "reviewed").mkdir()
    (tmp_path / "data" / "nlu" / "reviewed" / "reviewed.yml").write_text(export.yaml(), encoding="utf-8")
    command = [str(RASA), "data", "validate", "--domain", "domain", "--data", "data", "--config", "config.yml"]
    result = subprocess.run([*command, "--fail-on-warnings"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The check can fail: a sentence of the training data under another intent is refused.
    block = yaml.safe_load((PROJECT / "data/nlu/cofinancing.yml").read_text(encoding="utf-8"))["nlu"][0]
    trained = block["examples"].splitlines()[0][2:]
    other = next(i for i in assistant_files.domain_intents() if i != block["intent"])
    (tmp_path / "data" / "nlu" / "reviewed" / "reviewed.yml").write_text(
        export.yaml() + f"- intent: {other}\n  examples: |\n    - {trained}\n", encoding="utf-8"
    )
    result = subprocess.run([*command, "--fail-on-warnings"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0 and "labeled with multiple different intents" in result.stdout + result.stderr
