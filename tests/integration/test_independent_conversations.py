"""Multi-turn conversations written by someone who never saw the training data, held with
the real servers over REST. Two sets, each with its own floor:

- tests/independent/conversations.yml (81 conversations, 2026-11-22): the previous round
  looked at its failures while it worked, so it is now a development set;
- tests/independent/conversations_fresh.yml (2026-12-02, written by a helper who saw neither
  data/ nor tests/): the honest measure; only its totals are looked at while tuning.

Each user turn passes when the answer of that turn is one of the expected responses or
actions, mentions the facts it must (region, page, address) and none it must not, and
contains no forbidden response, action or message key. The share of turns right is
enforced; the report lists every failed turn, grouped by kind of conversation.
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from actions.messages import MESSAGES_DIR
from sto_assistent.settings import DOMAIN_DIR, INDEPENDENT_DIR, PROJECT_DIR
from tests.conversation_log import Turn, stack_turns

# Share of turns right, per set: the floors measured (2026-12-03: 0.942 and 0.915), rounded
# down with two turns' slack; the fresh set's floor is the issue's target. Raise them as the
# assistant improves.
MIN_TURNS_RIGHT = {"conversations": 0.93, "conversations_fresh": 0.90}


@dataclass
class Checked:
    conversation: str
    kind: str
    user: str
    problems: list[str]


def check_turn(spec: dict[str, Any], turn: Turn) -> list[str]:
    said = set(turn.actions) | set(turn.keys)
    text = turn.text.lower()
    problems = []
    if spec.get("expect") and not said & set(spec["expect"]):
        problems.append(f"expected one of {spec['expect']}, got {sorted(said)}")
    problems += [f"does not mention {m!r}" for m in spec.get("mentions", []) if m.lower() not in text]
    problems += [f"mentions {m!r}" for m in spec.get("not_mentions", []) if m.lower() in text]
    problems += [f"forbidden {name}" for name in spec.get("forbid", []) if name in said]
    return problems


def hold(stack: Any, conversation: dict[str, Any]) -> list[Checked]:
    sender = uuid.uuid4().hex
    checked = []
    for spec in conversation["turns"]:
        stack.say(spec["user"], sender)
        turn = stack_turns(stack, sender)[-1]
        assert turn.user_text, "every turn is stored"
        checked.append(Checked(conversation["id"], conversation["kind"], spec["user"], check_turn(spec, turn)))
    return checked


@pytest.fixture(scope="module", params=sorted(MIN_TURNS_RIGHT))
def conversation_set(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    path = INDEPENDENT_DIR / f"{request.param}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return request.param, list(data["conversations"])


@pytest.fixture
def conversations(conversation_set: tuple[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return conversation_set[1]


def test_the_set_is_large_enough(conversations):
    assert len(conversations) >= 40
    assert all(2 <= len(c["turns"]) <= 5 for c in conversations)


def test_every_expected_or_forbidden_name_exists(conversations):
    """A typo in the set would make a check pass or fail for the wrong reason."""
    known = set()
    for path in DOMAIN_DIR.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        known |= set(data.get("responses") or {}) | set(data.get("actions") or [])
    for path in MESSAGES_DIR.glob("*.yml"):
        known |= {f"{path.stem}.{key}" for key in yaml.safe_load(path.read_text(encoding="utf-8"))}
    named = {name for c in conversations for t in c["turns"] for name in t.get("expect", []) + t.get("forbid", [])}
    assert named - known == set()


def test_independent_conversations(stack, conversation_set):
    name, conversations = conversation_set
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = [turn for batch in pool.map(lambda c: hold(stack, c), conversations) for turn in batch]
    right = [r for r in results if not r.problems]
    share = len(right) / len(results)
    by_kind_total = Counter(r.kind for r in results)
    by_kind_right = Counter(r.kind for r in right)
    whole = Counter(r.conversation for r in results if r.problems)
    lines = [
        f"Independent conversations ({name}): {len(conversations)} conversations, {len(results)} turns, "
        f"{share:.3f} of turns right, {len(conversations) - len(whole)} conversations fully right",
        *(f"  {kind:<42} {by_kind_right[kind]:3d}/{total}" for kind, total in sorted(by_kind_total.items())),
        "  failed turns:",
        *(f"    [{r.conversation}] {r.user!r}: {'; '.join(r.problems)}" for r in results if r.problems),
    ]
    report = "\n".join(lines)
    print("\n" + report)
    (PROJECT_DIR / "results").mkdir(exist_ok=True)
    (PROJECT_DIR / "results" / f"independent_{name}.txt").write_text(report + "\n", encoding="utf-8")
    assert share >= MIN_TURNS_RIGHT[name], report
