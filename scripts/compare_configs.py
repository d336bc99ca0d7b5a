"""Train config.yml and config/alternatives/*.yml, score each on the development set and
the held-out set.

    python scripts/compare_configs.py [NAME ...]     # e.g. config lemmas (default: all)

Prints training time, model size, and intent accuracy and fallback count on both sets per
configuration. The independent sets are not used: they are the final measure, not a tuning
aid. Slow (one full training per configuration); results are in the README, section
"Choosing the pipeline".
"""

from __future__ import annotations

import json
import subprocess
import sys

from sto_assistent.settings import PROJECT_DIR
from sto_assistent.training import train_fresh

OUT = PROJECT_DIR / "results" / "compare"
SETS = ("dev", "heldout")


def score(model: str, scored_set: str) -> dict[str, float]:
    report = OUT / f"{model}.{scored_set}.json"
    subprocess.run(
        [sys.executable, "scripts/score_heldout.py", "--set", scored_set, "--model", str(OUT / f"{model}.tar.gz"),
         "--min-accuracy", "0", "--json", str(report)],
        cwd=PROJECT_DIR, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(report.read_text())


def main() -> int:
    configs = {"config": PROJECT_DIR / "config.yml"}
    configs |= {p.stem: p for p in sorted((PROJECT_DIR / "config" / "alternatives").glob("*.yml"))}
    wanted = sys.argv[1:] or list(configs)
    if unknown := set(wanted) - set(configs):
        print(f"unknown configuration(s): {', '.join(sorted(unknown))}; known: {', '.join(configs)}")
        return 2
    if "lemmas" in wanted:
        subprocess.run([sys.executable, "scripts/build_spacy_nl.py", "--lemmas"], cwd=PROJECT_DIR, check=True)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in wanted:
        seconds = train_fresh(OUT, name, configs[name])
        size = (OUT / f"{name}.tar.gz").stat().st_size / 1e6
        scores = {s: score(name, s) for s in SETS}
        rows.append((name, seconds, size, scores))
    print(
        f"{'configuration':<22} {'train s':>8} {'MB':>6}" + "".join(f" {s + ' acc':>10} {s + ' fb':>9}" for s in SETS)
    )
    for name, seconds, size, scores in rows:
        cells = "".join(f" {scores[s]['accuracy']:10.3f} {scores[s]['below_fallback']:9d}" for s in SETS)
        print(f"{name:<22} {seconds:8.0f} {size:6.1f}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
