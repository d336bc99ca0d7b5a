"""What the console reads from the assistant's own files (read-only): the intents and names of
the domain, the NLU training sentences, the rules, the test sets and the place names.

Each reader is cached on the files' modification times and sizes, so a changed file is read
again at the next request and the lists never drift from the assistant's.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml
from django.conf import settings

log = logging.getLogger("console.review")

# `[Zwolle](place)`, `[Zwolle]{"entity": "place"}`, `[Zwolle](place:zwolle)` -> `Zwolle`
# (the entity syntax of Rasa's training data).
ENTITY_ANNOTATION = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\})")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower case, punctuation stripped, whitespace folded: how sentences are compared."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


def strip_entities(text: str) -> str:
    return ENTITY_ANNOTATION.sub(r"\1", text)


def project_dir() -> Path:
    return Path(settings.ASSISTANT_DIR)


_cache: dict[str, tuple[tuple, object]] = {}


def _signature(paths: Iterable[Path]) -> tuple:
    out = []
    for path in sorted(paths):
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def _cached(key: str, paths: list[Path], build: Callable[[list[Path]], object]):
    """build(paths), again only when one of the files changed."""
    signature = (str(project_dir()), _signature(paths))
    hit = _cache.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    value = build(paths)
    _cache[key] = (signature, value)
    return value


def _load(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        log.warning("cannot read %s (%s)", path, error)
        return {}
    return data if isinstance(data, dict) else {}


def _domain_files() -> list[Path]:
    return list((project_dir() / "domain").glob("*.yml"))


# -- the domain ------------------------------------------------------------------------------
def domain_intents() -> list[str]:
    """Every intent of the assistant's domain (domain/*.yml, key `intents`), sorted."""

    def build(paths):
        intents: set[str] = set()
        for path in paths:
            for item in _load(path).get("intents") or []:
                # An intent is a name or a one-key mapping ({"greet": {"use_entities": ...}}).
                intents.update(item if isinstance(item, dict) else [item])
        return sorted(str(i) for i in intents)

    return _cached("intents", _domain_files(), build)


def domain_names() -> set[str]:
    """Every response and action named in the domain."""

    def build(paths):
        names: set[str] = set()
        for path in paths:
            data = _load(path)
            names |= set(data.get("responses") or {}) | {str(a) for a in data.get("actions") or []}
        return names

    return _cached("names", _domain_files(), build)


def rule_actions() -> dict[str, list[tuple[str, bool]]]:
    """intent -> (action, whether the rule needs an entity) for each rule in data/rules/*.yml:
    the action the rule runs right after that intent."""

    def build(paths):
        mapping: dict[str, list[tuple[str, bool]]] = {}
        for path in paths:
            for rule in _load(path).get("rules") or []:
                steps = rule.get("steps") or [] if isinstance(rule, dict) else []
                for step, following in zip(steps, steps[1:], strict=False):
                    if isinstance(step, dict) and "intent" in step and isinstance(following, dict):
                        action = following.get("action")
                        entry = (action, bool(step.get("entities")))
                        if action and entry not in mapping.setdefault(step["intent"], []):
                            mapping[step["intent"]].append(entry)
        return mapping

    return _cached("rules", list((project_dir() / "data" / "rules").glob("*.yml")), build)


def expected_actions(intent: str, with_entity: bool = False) -> list[str]:
    """What the rules answer to `intent`: rules that need an entity count only for a message
    with one (then first), unless no other rule answers the intent."""
    rules = rule_actions().get(intent, [])
    plain = [action for action, needs_entity in rules if not needs_entity]
    entity = [action for action, needs_entity in rules if needs_entity]
    chosen = entity + plain if with_entity else plain or entity
    return list(dict.fromkeys(chosen))


# -- sentences -------------------------------------------------------------------------------
def _nlu_examples(data: dict) -> Iterable[tuple[str, str]]:
    """(intent, sentence) of a Rasa NLU file's `- intent: X / examples: |` blocks."""
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue  # lookup tables, synonyms, regexes
        examples = block.get("examples") or ""
        lines = examples.splitlines() if isinstance(examples, str) else [str(e) for e in examples]
        for line in lines:
            line = line.strip()
            if line.startswith("- "):
                line = line[2:]
            if line:
                yield str(block["intent"]), strip_entities(line)


def training_sentences() -> dict[str, str]:
    """Normalised sentence -> intent, for every example in data/nlu/ (subfolders included)."""

    def build(paths):
        sentences: dict[str, str] = {}
        for path in paths:
            for intent, text in _nlu_examples(_load(path)):
                sentences.setdefault(normalize(text), intent)
        sentences.pop("", None)
        return sentences

    return _cached("training", list((project_dir() / "data" / "nlu").rglob("*.yml")), build)


def test_sentences() -> dict[str, str]:
    """Normalised sentence -> the test file it is in: the held-out NLU set, the independent
    and development sets (single turns and conversations), the test stories. None of them may
    become training data."""
    root = project_dir() / "tests"
    paths = [
        *(root / "nlu_heldout").glob("*.yml"),
        *(root / "independent").glob("*.yml"),
        *(root / "dev").glob("*.yml"),
        *(root / "stories").glob("*.yml"),
    ]

    def build(paths):
        sentences: dict[str, str] = {}
        for path in paths:
            data = _load(path)
            name = str(path.relative_to(project_dir()))
            texts: list[str] = [text for _, text in _nlu_examples(data)]
            texts += [str(item.get("text", "")) for item in data.get("items") or [] if isinstance(item, dict)]
            for conversation in data.get("conversations") or []:
                texts += [str(t.get("user", "")) for t in conversation.get("turns") or [] if isinstance(t, dict)]
            for story in data.get("stories") or []:
                steps = story.get("steps") or [] if isinstance(story, dict) else []
                texts += [strip_entities(str(s["user"])) for s in steps if isinstance(s, dict) and "user" in s]
            for text in texts:
                sentences.setdefault(normalize(text), name)
        sentences.pop("", None)
        return sentences

    return _cached("tests", [p for p in paths if p.exists()], build)


# -- places ----------------------------------------------------------------------------------
def place_suggestions() -> list[str]:
    """Region names, their places and the place aliases of knowledge/regions.yml."""

    def build(paths):
        names: set[str] = set()
        for path in paths:
            data = _load(path)
            names |= {str(k) for k in data.get("place_aliases") or {}}
            for region in data.get("regions") or []:
                if isinstance(region, dict):
                    names |= {str(p) for p in region.get("places") or []}
                    if region.get("name"):
                        names.add(str(region["name"]))
        return sorted(names, key=str.lower)

    return _cached("places", [Path(settings.REGIONS_FILE)], build)


def annotation_choices() -> dict:
    """Template context of the annotation form (review/annotation.html)."""
    return {"domain_intents": domain_intents(), "place_suggestions": place_suggestions()}
