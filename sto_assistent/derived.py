"""Files derived from the project's single sources, written by `make lookup`.

    python -m sto_assistent.derived          # (re)write every derived file
    python -m sto_assistent.derived --check  # exit 1 if one is out of date

- data/nlu/place_lookup.yml: the `place` lookup table and synonyms, from knowledge/regions.yml.
- domain/generated_contact.yml: the national contact as slot values (`{national_email}` in
  responses), from knowledge/regions.yml.
- web/src/welcome.generated.js: the widget's welcome quick replies, from the buttons of
  `utter_greet` in the domain.

An editor only edits the sources; `make train` and `make install` regenerate these first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from sto_assistent.settings import DOMAIN_DIR, NLU_DIR, PROJECT_DIR, REGIONS_FILE
from sto_regions import RegionIndex, load_region_file

PLACE_LOOKUP_FILE = NLU_DIR / "place_lookup.yml"
CONTACT_DOMAIN_FILE = DOMAIN_DIR / "generated_contact.yml"
WELCOME_JS_FILE = PROJECT_DIR / "web" / "src" / "welcome.generated.js"
WELCOME_RESPONSE = "utter_greet"


def _header(comment: str, source: str) -> str:
    return f"{comment} GENERATED from {source} by `make lookup`. Do not edit: change the source.\n"


def place_lookup(regions_file: Path = REGIONS_FILE) -> str:
    data = load_region_file(regions_file)
    names = RegionIndex(data).all_names()
    # Longest first: Rasa joins the table into one regex alternation, which takes the first
    # alternative that matches ("West-Brabant" would shadow "West-Brabant Midden").
    everything = sorted({n for values in names.values() for n in values}, key=lambda n: (-len(n), n.lower()))
    out = [_header("#", "knowledge/regions.yml"), 'version: "3.1"\n', "nlu:\n", "- lookup: place\n"]
    out.append("  examples: |\n")
    out.extend(f"    - {name}\n" for name in everything)
    by_target: dict[str, list[str]] = {}
    for alias, target in sorted(data.place_aliases.items()):
        by_target.setdefault(target, []).append(alias)
    for target, aliases in sorted(by_target.items()):
        out.append(f'- synonym: "{target}"\n  examples: |\n')
        out.extend(f"    - {alias}\n" for alias in aliases)
    return "".join(out)


def contact_slots(regions_file: Path = REGIONS_FILE) -> str:
    contact = load_region_file(regions_file).national_contact
    slots: dict[str, Any] = {
        name: {
            "type": "text",
            "initial_value": value,
            "influence_conversation": False,
            "mappings": [{"type": "custom"}],
        }
        for name, value in (("national_email", contact.email), ("regions_overview_url", contact.regions_overview_url))
    }
    body = yaml.safe_dump({"version": "3.1", "slots": slots}, allow_unicode=True, sort_keys=False)
    return _header("#", "knowledge/regions.yml") + body


def welcome_buttons(domain_dir: Path = DOMAIN_DIR) -> list[dict[str, str]]:
    for path in sorted(domain_dir.glob("*.yml")):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        if WELCOME_RESPONSE in responses:
            buttons = responses[WELCOME_RESPONSE][0].get("buttons") or []
            return [{"title": b["title"], "payload": b["payload"]} for b in buttons]
    raise LookupError(f"no response {WELCOME_RESPONSE} in {domain_dir}")


def welcome_js(domain_dir: Path = DOMAIN_DIR) -> str:
    buttons = json.dumps(welcome_buttons(domain_dir), ensure_ascii=False, indent=2)
    return (
        _header("//", f"the buttons of {WELCOME_RESPONSE} in domain/")
        + "// Quick replies shown with the widget's welcome message (title shown, payload sent).\n"
        + f"export const WELCOME_QUICK_REPLIES = {buttons};\n"
    )


def render_all(regions_file: Path = REGIONS_FILE, domain_dir: Path = DOMAIN_DIR) -> dict[Path, str]:
    """Every derived file's wanted content, from the given sources."""
    return {
        PLACE_LOOKUP_FILE: place_lookup(regions_file),
        CONTACT_DOMAIN_FILE: contact_slots(regions_file),
        WELCOME_JS_FILE: welcome_js(domain_dir),
    }


def stale_files(regions_file: Path = REGIONS_FILE, domain_dir: Path = DOMAIN_DIR) -> dict[Path, str]:
    """The derived files whose content differs from what the sources give, with that content."""
    return {
        path: wanted
        for path, wanted in render_all(regions_file, domain_dir).items()
        if not path.exists() or path.read_text(encoding="utf-8") != wanted
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if a derived file is stale")
    args = parser.parse_args(argv)
    stale = stale_files()
    if args.check:
        for path in stale:
            print(f"{path.relative_to(PROJECT_DIR)} is out of date: run `make lookup`", file=sys.stderr)
        return 1 if stale else 0
    for path, wanted in stale.items():
        path.write_text(wanted, encoding="utf-8")
        print(f"Wrote {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
