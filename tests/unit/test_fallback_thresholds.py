"""scripts/fallback_thresholds.py: the threshold table `make crossval` prints, counted from
Rasa's cross-validation prediction files."""

from __future__ import annotations

import json
import subprocess
import sys

from sto_assistent.settings import PROJECT_DIR

SCRIPT = PROJECT_DIR / "scripts" / "fallback_thresholds.py"


def _predictions(confidences: list[float]) -> str:
    return json.dumps(
        [{"text": "x", "intent": "a", "intent_prediction": {"name": "a", "confidence": c}} for c in confidences]
    )


def _table(output: str) -> dict[float, tuple[int, int]]:
    rows = [line.split() for line in output.splitlines()[2:]]
    return {float(r[0]): (int(r[1]), int(r[2])) for r in rows}


def test_counts_right_answers_lost_and_wrong_answers_sent_per_threshold(tmp_path):
    (tmp_path / "intent_successes.json").write_text(_predictions([0.15, 0.28, 0.3, 0.9]))
    (tmp_path / "intent_errors.json").write_text(_predictions([0.22, 0.45]))
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[0] == "cross-validation predictions: 6 (2 wrong)"
    table = _table(done.stdout)
    assert table[0.3] == (2, 1)  # 0.15 and 0.28 lost, 0.3 kept (Rasa falls back below it); 0.45 sent
    assert table[0.2] == (1, 2)
    assert table[0.5] == (3, 0)


def test_without_predictions_it_says_what_to_run(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 1 and "make crossval" in done.stderr
