"""Score the trained model on the held-out NLU set (tests/nlu_heldout/), never used in training.

    python scripts/score_heldout.py [--model PATH] [--min-accuracy 0.90] [--json results/heldout.json]

Prints intent accuracy and macro-F1 (out_of_scope counted as one intent, as DIET sees it),
the ResponseSelector accuracy on out_of_scope/*, place-entity recall, how many messages
fell below the fallback threshold, and the most frequent confusions. Exit 1 below the minimum.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import os
import sys
from pathlib import Path
from typing import Dict, List, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
HELDOUT_DIR = PROJECT_DIR / "tests" / "nlu_heldout"
DEFAULT_MODEL = PROJECT_DIR / "models" / "sto-assistent.tar.gz"


def load_heldout() -> List[Tuple[str, str, List[str]]]:
    """(text, full intent name, place entity values) for every held-out example."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in sorted(HELDOUT_DIR.glob("*.yml")):
        data = load_data(str(path))
        for message in data.intent_examples:
            full = message.get("intent_response_key") or message.get("intent")
            places = [e["value"] for e in message.get("entities", []) if e["entity"] == "place"]
            examples.append((message.get("text"), full, places))
    return examples


def macro_f1(pairs: List[Tuple[str, str]]) -> float:
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


async def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def place_extracted(place: str, parsed: Dict) -> bool:
    """The annotated place appears in an extracted place entity (its value or its text span)."""
    wanted = place.lower()
    for entity in parsed.get("entities", []):
        if entity["entity"] != "place":
            continue
        span = parsed["text"][entity["start"]:entity["end"]] if "start" in entity else ""
        if wanted in str(entity.get("value", "")).lower() or wanted in span.lower():
            return True
    return False


def top_intent(parsed: Dict) -> str:
    """The classifier's intent, ignoring the fallback wrapper (scored separately)."""
    ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    return ranking[0]["name"] if ranking else "None"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--min-accuracy", type=float, default=0.90)
    parser.add_argument("--json", type=Path, default=PROJECT_DIR / "results" / "heldout.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)

    from channels.input_guard import clean_text

    examples = load_heldout()
    # Score what production sees: every message passes the channels' input guard first.
    cleaned = [clean_text(text).text for text, _, _ in examples]
    parsed = asyncio.run(parse_all(args.model, cleaned))

    pairs, selector_pairs, fallbacks, errors = [], [], 0, []
    place_total = place_found = 0
    for (text, full, places), result in zip(examples, parsed, strict=True):
        gold = full.split("/")[0]
        predicted = top_intent(result)
        pairs.append((gold, predicted))
        if result["intent"]["name"] == "nlu_fallback":
            fallbacks += 1
        if gold != predicted:
            errors.append((gold, predicted, text))
        if "/" in full and predicted == gold:
            chosen = result.get("response_selector", {}).get(gold, {}).get("response", {})
            selector_pairs.append((full, chosen.get("intent_response_key")))
        place_total += len(places)
        place_found += sum(1 for place in places if place_extracted(place, result))

    accuracy = sum(1 for g, p in pairs if g == p) / len(pairs)
    f1 = macro_f1(pairs)
    selector_accuracy = (
        sum(1 for g, p in selector_pairs if g == p) / len(selector_pairs) if selector_pairs else 0.0
    )
    confusions = collections.Counter((g, p) for g, p, _ in errors).most_common(10)
    confidence = [
        (gold == top_intent(result), max((r["confidence"] for r in result.get("intent_ranking", [])
                                          if r["name"] != "nlu_fallback"), default=0.0))
        for (gold, _), result in zip(pairs, parsed, strict=True)
    ]

    print(f"Held-out NLU set: {len(pairs)} messages, {len({g for g, _ in pairs})} intents")
    print(f"  intent accuracy:            {accuracy:.3f}")
    print(f"  intent macro-F1:            {f1:.3f}")
    print(f"  out_of_scope sub-intents:   {selector_accuracy:.3f} ({len(selector_pairs)} scored)")
    print(f"  place entity recall:        {place_found}/{place_total}")
    print(f"  below fallback threshold:   {fallbacks}")
    print("  fallback threshold: right answers sent to fallback / wrong answers let through")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        lost = sum(1 for ok, conf in confidence if ok and conf < threshold)
        wrong = sum(1 for ok, conf in confidence if not ok and conf >= threshold)
        print(f"    {threshold:.1f}: {lost:3d} / {wrong:3d}")
    print("  most frequent confusions (gold -> predicted):")
    for (gold, predicted), count in confusions:
        print(f"    {count:3d}  {gold} -> {predicted}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "messages": len(pairs), "accuracy": accuracy, "macro_f1": f1,
        "selector_accuracy": selector_accuracy, "place_recall": [place_found, place_total],
        "below_fallback": fallbacks,
        "errors": [{"gold": g, "predicted": p, "text": t} for g, p, t in errors],
    }, indent=2, ensure_ascii=False))
    if accuracy < args.min_accuracy:
        print(f"FAIL: intent accuracy {accuracy:.3f} is below the minimum {args.min_accuracy:.2f}")
        return 1
    print(f"OK: intent accuracy {accuracy:.3f} >= {args.min_accuracy:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
