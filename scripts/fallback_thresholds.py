"""How the fallback threshold trades right answers for wrong ones, on cross-validation.

    python scripts/fallback_thresholds.py [results/crossval]     # `make crossval` runs it

Reads the predictions `rasa test nlu --cross-validation --successes` wrote
(`intent_successes.json`, `intent_errors.json`): every training example, predicted by a
fold that did not see it, so no evaluation set is involved. For each threshold it prints how
many right answers would go to the fallback ("Bedoelt u ...?") and how many wrong answers
would be sent. Rasa stores only the best intent's confidence there, so the ambiguity margin
(the FallbackClassifier's second test) is not counted: it sends a few more of both kinds to
the fallback. The chosen threshold is in config.yml (README, "Measuring it honestly").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sto_assistent.settings import PROJECT_DIR

THRESHOLDS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)


def confidences(path: Path) -> list[float]:
    if not path.exists():
        return []
    return [float(p["intent_prediction"]["confidence"]) for p in json.loads(path.read_text(encoding="utf-8"))]


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_DIR / "results" / "crossval"
    if not (folder / "intent_successes.json").exists():
        print(f"no intent_successes.json in {folder}: run `make crossval` (it passes --successes)", file=sys.stderr)
        return 1
    right = confidences(folder / "intent_successes.json")
    wrong = confidences(folder / "intent_errors.json")
    total = len(right) + len(wrong)
    print(f"cross-validation predictions: {total} ({len(wrong)} wrong)")
    print(f"{'threshold':>9} {'right to fallback':>18} {'wrong answered':>15}")
    for threshold in THRESHOLDS:
        lost = sum(c < threshold for c in right)
        through = sum(c >= threshold for c in wrong)
        print(f"{threshold:9.2f} {lost:18d} {through:15d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
