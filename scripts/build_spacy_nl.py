"""Build the blank Dutch spaCy pipeline that config.yml points to (no download needed).

Idempotent: does nothing if the directory already holds a pipeline of this spaCy version.
"""

from __future__ import annotations

import json
import sys

import spacy

from sto_assistent.settings import SPACY_MODEL_DIR as TARGET


def main() -> int:
    meta = TARGET / "meta.json"
    if meta.exists() and json.loads(meta.read_text()).get("built_with") == spacy.__version__:
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("nl")
    nlp.meta["name"] = "nl_blank"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["built_with"] = spacy.__version__
    nlp.to_disk(TARGET)
    print(f"Built blank Dutch spaCy pipeline in {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
