"""Score the trained model's NLU on a labelled set that was never used for training.

Used by `make test` (the held-out and the independent sets, each with a minimum) and by
`scripts/score_heldout.py` (prints the full report): intent accuracy and macro-F1, with
place-entity recall, the fallback rate per threshold and the weakest intents beside them.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Parse = Callable[[str], dict[str, Any]]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    places: tuple[str, ...] = ()


@dataclass
class Score:
    messages: int = 0
    accuracy: float = 0.0
    macro_f1: float = 0.0
    place_recall: tuple[int, int] = (0, 0)
    below_fallback: int = 0
    # per threshold: (right answers sent to the fallback, wrong answers let through)
    thresholds: dict[float, tuple[int, int]] = field(default_factory=dict)
    per_intent_recall: dict[str, float] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)


def load_rasa_examples(directory: Path) -> list[Example]:
    """Every example of a folder of Rasa NLU YAML files, with its annotated places."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in sorted(directory.glob("*.yml")):
        for message in load_data(str(path)).intent_examples:
            full = message.get("intent_response_key") or message.get("intent")
            places = tuple(e["value"] for e in message.get("entities", []) if e["entity"] == "place")
            examples.append(Example(message.get("text"), full, places))
    return examples


def load_single_turns(path: Path) -> list[Example]:
    """The `items` of a set of single questions (tests/independent/, tests/dev/)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Example(item["text"], item["intent"], (item["place"],) if item.get("place") else ()) for item in data["items"]
    ]


def macro_f1(pairs: Sequence[tuple[str, str]]) -> float:
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def top_intent(parsed: dict[str, Any]) -> tuple[str, float]:
    """The classifier's intent and confidence, ignoring the fallback wrapper."""
    ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    return (ranking[0]["name"], float(ranking[0]["confidence"])) if ranking else ("None", 0.0)


def place_extracted(place: str, parsed: dict[str, Any]) -> bool:
    """The annotated place appears in an extracted place entity (its value or its text span)."""
    wanted = place.lower()
    for entity in parsed.get("entities", []):
        if entity["entity"] != "place":
            continue
        span = parsed["text"][entity["start"] : entity["end"]] if "start" in entity else ""
        if wanted in str(entity.get("value", "")).lower() or wanted in span.lower():
            return True
    return False


def score(examples: Sequence[Example], parse: Parse) -> Score:
    pairs: list[tuple[str, str]] = []
    confidence: list[tuple[bool, float]] = []
    result = Score(messages=len(examples))
    places_total = places_found = 0
    for example in examples:
        parsed = parse(example.text)
        gold = example.intent
        predicted, top_confidence = top_intent(parsed)
        pairs.append((gold, predicted))
        confidence.append((gold == predicted, top_confidence))
        if parsed["intent"]["name"] == "nlu_fallback":
            result.below_fallback += 1
        if gold != predicted:
            result.errors.append({"gold": example.intent, "predicted": predicted, "text": example.text})
        places_total += len(example.places)
        places_found += sum(1 for place in example.places if place_extracted(place, parsed))
    result.accuracy = sum(1 for g, p in pairs if g == p) / len(pairs) if pairs else 0.0
    result.macro_f1 = macro_f1(pairs)
    result.place_recall = (places_found, places_total)
    for threshold in THRESHOLDS:
        lost = sum(1 for ok, conf in confidence if ok and conf < threshold)
        wrong = sum(1 for ok, conf in confidence if not ok and conf >= threshold)
        result.thresholds[threshold] = (lost, wrong)
    for label in sorted({g for g, _ in pairs}):
        golds = [p for g, p in pairs if g == label]
        result.per_intent_recall[label] = sum(1 for p in golds if p == label) / len(golds)
    return result


def report(name: str, result: Score) -> str:
    confusions = collections.Counter((e["gold"], e["predicted"]) for e in result.errors)
    weakest = sorted(result.per_intent_recall.items(), key=lambda item: item[1])[:6]
    lines = [
        f"{name}: {result.messages} messages, {len(result.per_intent_recall)} intents",
        f"  intent accuracy:            {result.accuracy:.3f}",
        f"  intent macro-F1:            {result.macro_f1:.3f}",
        f"  place entity recall:        {result.place_recall[0]}/{result.place_recall[1]}",
        f"  below fallback threshold:   {result.below_fallback}",
        "  fallback threshold: right answers sent to fallback / wrong answers let through",
        *(f"    {t:.1f}: {lost:3d} / {wrong:3d}" for t, (lost, wrong) in result.thresholds.items()),
        "  weakest intents (recall): " + ", ".join(f"{label} {recall:.2f}" for label, recall in weakest),
        "  most frequent confusions (gold -> predicted):",
        *(f"    {count:3d}  {gold} -> {predicted}" for (gold, predicted), count in confusions.most_common(10)),
    ]
    return "\n".join(lines)


def write_json(result: Score, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(result)
    data["thresholds"] = {str(k): v for k, v in result.thresholds.items()}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
