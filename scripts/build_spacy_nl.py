"""Build the blank Dutch spaCy pipeline that config.yml points to (no download needed).

    python scripts/build_spacy_nl.py            # build/spacy_nl_blank (make install)
    python scripts/build_spacy_nl.py --lemmas   # build/spacy_nl_lemma, for `make compare`

`--lemmas` adds spaCy's Dutch lemma lookup table from spacy-lookups-data (installed into
build/lookups-data on first use; the table is saved into the pipeline, so loading it needs
no package). Idempotent: does nothing if the directory holds a pipeline of this spaCy version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import spacy

from sto_assistent.settings import PROJECT_DIR
from sto_assistent.settings import SPACY_MODEL_DIR as TARGET

LEMMA_TARGET = PROJECT_DIR / "build" / "spacy_nl_lemma"
LOOKUPS_DIR = PROJECT_DIR / "build" / "lookups-data"
LOOKUPS_PACKAGE = "spacy-lookups-data==1.0.5"


def _is_built(target: Path) -> bool:
    meta = target / "meta.json"
    return meta.exists() and json.loads(meta.read_text()).get("built_with") == spacy.__version__


def _has_lookup_tables() -> bool:
    try:
        import spacy_lookups_data  # noqa: F401
    except ImportError:
        return False
    return True


def _rerun_with_lookup_tables() -> int:
    """Install spacy-lookups-data beside the build (not into .venv) and build again with it."""
    if not (LOOKUPS_DIR / "spacy_lookups_data").exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(LOOKUPS_DIR), LOOKUPS_PACKAGE],
            check=True,
        )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(LOOKUPS_DIR), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, __file__, "--lemmas"], env=env, check=False).returncode


def main() -> int:
    lemmas = "--lemmas" in sys.argv[1:]
    target = LEMMA_TARGET if lemmas else TARGET
    if _is_built(target):
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("nl")
    if lemmas:
        if not _has_lookup_tables():
            return _rerun_with_lookup_tables()
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    nlp.meta["name"] = "nl_blank_lemma" if lemmas else "nl_blank"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["built_with"] = spacy.__version__
    nlp.to_disk(target)
    print(f"Built Dutch spaCy pipeline in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
