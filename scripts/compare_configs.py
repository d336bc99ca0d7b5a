"""Train config.yml and every config/alternatives/*.yml, score each on the held-out set.

    python scripts/compare_configs.py

Prints training time, held-out intent accuracy and macro-F1 per configuration. Slow (one
full training per configuration); results are in the README, section "Choosing the pipeline".
"""

from __future__ import annotations

import json
import subprocess
import sys

from sto_assistent.settings import PROJECT_DIR
from sto_assistent.training import train_fresh

OUT = PROJECT_DIR / "results" / "compare"


def main() -> int:
    configs = [PROJECT_DIR / "config.yml", *sorted((PROJECT_DIR / "config" / "alternatives").glob("*.yml"))]
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for config in configs:
        name = "config" if config.name == "config.yml" else config.stem
        seconds = train_fresh(OUT, name, config)
        report = OUT / f"{name}.json"
        subprocess.run(
            [
                sys.executable,
                "scripts/score_heldout.py",
                "--model",
                str(OUT / f"{name}.tar.gz"),
                "--min-accuracy",
                "0",
                "--json",
                str(report),
            ],
            cwd=PROJECT_DIR,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        scores = json.loads(report.read_text())
        rows.append((name, seconds, scores["accuracy"], scores["macro_f1"], scores["below_fallback"]))
    print(f"{'configuration':<22} {'train s':>8} {'accuracy':>9} {'macro-F1':>9} {'fallback':>9}")
    for name, seconds, accuracy, f1, fallback in rows:
        print(f"{name:<22} {seconds:8.0f} {accuracy:9.3f} {f1:9.3f} {fallback:9d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
