"""Every intent, response, action, slot, entity and payload named outside domain/ exists in it.

The names are found by reading the code (Python's syntax tree, the widget's sources and the
action texts), not listed here, so a renamed intent fails this test wherever it is used.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.constants import DEFAULT_ACTION_NAMES, DEFAULT_INTENTS

from actions import messages as action_messages
from sto_assistent.settings import DOMAIN_DIR, PROJECT_DIR

PYTHON_SOURCES = sorted([*PROJECT_DIR.glob("actions/*.py"), *PROJECT_DIR.glob("channels/*.py")])
WIDGET_SOURCES = sorted((PROJECT_DIR / "web" / "src").glob("*.js"))
PAYLOAD = re.compile(r"^/([a-z_]+)(?:\{|$)")
JS_PAYLOAD = re.compile(r"""["']?payload["']?\s*:\s*["']/([a-z_]+)""")
RASA_DEFAULT_ACTIONS = set(DEFAULT_ACTION_NAMES)


@pytest.fixture(scope="module")
def domain() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {
        "intents": set(),
        "responses": set(),
        "actions": set(),
        "slots": set(),
        "entities": set(),
    }
    for path in DOMAIN_DIR.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for intent in data.get("intents") or []:
            found["intents"].add(intent if isinstance(intent, str) else next(iter(intent)))
        found["responses"] |= set(data.get("responses") or {})
        found["actions"] |= set(data.get("actions") or [])
        found["slots"] |= set(data.get("slots") or {})
        found["entities"] |= {e if isinstance(e, str) else next(iter(e)) for e in data.get("entities") or []}
    found["intents"] |= set(DEFAULT_INTENTS)  # nlu_fallback, restart, ...
    return found


def string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def intent_comparisons(path: Path) -> list[tuple[int, str]]:
    """String constants compared with a variable whose name mentions 'intent'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Name) and "intent" in s.id for s in sides):
                found += [
                    (node.lineno, s.value) for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)
                ]
    return found


def named_constants(path: Path, prefix_or_suffix: tuple[str, str]) -> list[tuple[str, str]]:
    prefix, suffix = prefix_or_suffix
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and (target.id.startswith(prefix) and target.id.endswith(suffix)):
                    found.append((target.id, node.value.value))
    return found


def test_the_sources_are_read():
    assert PYTHON_SOURCES and WIDGET_SOURCES


def test_payloads_in_actions_and_channels_are_domain_intents(domain):
    payloads = [
        (f"{path.name}:{line}", match.group(1))
        for path in PYTHON_SOURCES
        for line, value in string_constants(path)
        if (match := PAYLOAD.match(value))
    ]
    assert len(payloads) >= 5, "the payload scan found almost nothing: is the pattern still right?"
    unknown = [(where, intent) for where, intent in payloads if intent not in domain["intents"]]
    assert not unknown


def test_payloads_in_the_widget_are_domain_intents(domain):
    payloads = [(path.name, m.group(1)) for path in WIDGET_SOURCES for m in JS_PAYLOAD.finditer(path.read_text())]
    assert payloads, "the widget offers its welcome buttons as payloads"
    assert not [(where, intent) for where, intent in payloads if intent not in domain["intents"]]


def test_intents_compared_in_code_are_domain_intents(domain):
    compared = [(f"{p.name}:{line}", value) for p in PYTHON_SOURCES for line, value in intent_comparisons(p)]
    assert compared, "the actions compare the recognised intent with at least one name"
    assert not [(where, intent) for where, intent in compared if intent not in domain["intents"]]


def test_responses_and_actions_named_in_code_exist(domain):
    known = domain["responses"] | domain["actions"] | RASA_DEFAULT_ACTIONS
    named = [
        (f"{path.name}:{line}", value)
        for path in PYTHON_SOURCES
        for line, value in string_constants(path)
        if re.fullmatch(r"(utter|action)_[a-z_]+", value)
    ]
    assert named, "the actions name themselves"
    assert not [(where, name) for where, name in named if name not in known]


def test_slots_and_entities_named_by_the_actions_exist(domain):
    slots = [c for path in PYTHON_SOURCES for c in named_constants(path, ("SLOT_", ""))]
    entities = [c for path in PYTHON_SOURCES for c in named_constants(path, ("", "_ENTITY"))]
    assert slots and entities
    assert not [name for _, name in slots if name not in domain["slots"]]
    assert not [name for _, name in entities if name not in domain["entities"]]


def test_topic_labels_of_the_fallback_name_domain_intents(domain):
    labels = action_messages.load("intent_labels")["labels"]
    assert set(labels) <= domain["intents"]


def test_every_response_button_payload_is_a_domain_intent(domain):
    payloads = []
    for path in DOMAIN_DIR.glob("*.yml"):
        for name, variants in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}).items():
            payloads += [(name, PAYLOAD.match(b["payload"])) for v in variants for b in v.get("buttons") or []]
    assert payloads
    assert not [name for name, match in payloads if not match or match.group(1) not in domain["intents"]]


def test_slots_used_in_response_texts_exist(domain):
    used = set()
    for path in DOMAIN_DIR.glob("*.yml"):
        for variants in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}).values():
            for variant in variants:
                used |= set(re.findall(r"\{([a-z_]+)\}", variant.get("text") or ""))
    assert "national_email" in used, "the national address comes from the region file via a slot"
    assert used <= domain["slots"]
