"""Generate the `place` lookup table and synonyms for NLU from knowledge/regions.yml.

    python scripts/generate_place_lookup.py          # write data/nlu/place_lookup.yml
    python scripts/generate_place_lookup.py --check  # exit 1 if the file is out of date

An editor only edits knowledge/regions.yml; `make train` regenerates this file first.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from sto_regions import RegionIndex, load_region_file  # noqa: E402

REGIONS_FILE = PROJECT_DIR / "knowledge" / "regions.yml"
OUTPUT_FILE = PROJECT_DIR / "data" / "nlu" / "place_lookup.yml"


def _item(value: str) -> str:
    return f"    - {value}\n"


def render(regions_file: Path = REGIONS_FILE) -> str:
    data = load_region_file(regions_file)
    names = RegionIndex(data).all_names()
    # Longest first: Rasa joins the table into one regex alternation, which takes the first
    # alternative that matches ("West-Brabant" would shadow "West-Brabant Midden").
    everything = sorted({n for values in names.values() for n in values}, key=lambda n: (-len(n), n.lower()))
    out = [
        "# GENERATED from knowledge/regions.yml by scripts/generate_place_lookup.py.\n",
        "# Do not edit: change knowledge/regions.yml and run `make train`.\n",
        'version: "3.1"\n',
        "nlu:\n",
        "- lookup: place\n",
        "  examples: |\n",
    ]
    out.extend(_item(name) for name in everything)
    by_target: dict[str, list[str]] = {}
    for alias, target in sorted(data.place_aliases.items()):
        by_target.setdefault(target, []).append(alias)
    for target, aliases in sorted(by_target.items()):
        out.append(f"- synonym: \"{target}\"\n  examples: |\n")
        out.extend(_item(alias) for alias in aliases)
    return "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args()
    wanted = render()
    current = OUTPUT_FILE.read_text(encoding="utf-8") if OUTPUT_FILE.exists() else ""
    if args.check:
        if current != wanted:
            print(f"{OUTPUT_FILE} is out of date: run `make lookup`", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        OUTPUT_FILE.write_text(wanted, encoding="utf-8")
        print(f"Wrote {OUTPUT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
