"""Score the trained model on the held-out NLU set (tests/nlu_heldout/), never used in training.

    python scripts/score_heldout.py [--model PATH] [--min-accuracy 0.90] [--json results/heldout.json]

Prints intent accuracy and macro-F1, place-entity recall, the fallback rate per threshold,
the weakest intents and the most frequent confusions. Exit 1 below the minimum. `make test`
runs the same scoring as a test.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from sto_assistent import nlu_scoring  # noqa: E402
from sto_assistent.settings import MODEL_PATH, PROJECT_DIR  # noqa: E402

HELDOUT_DIR = PROJECT_DIR / "tests" / "nlu_heldout"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--min-accuracy", type=float, default=0.90)
    parser.add_argument("--json", type=Path, default=PROJECT_DIR / "results" / "heldout.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    from channels.input_guard import clean_text

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(args.model))
    # Score what production sees: every message passes the channels' input guard first.
    result = nlu_scoring.score(
        nlu_scoring.load_rasa_examples(HELDOUT_DIR),
        lambda text: asyncio.run(agent.parse_message(clean_text(text).text)),
    )
    print(nlu_scoring.report("Held-out NLU set", result))
    nlu_scoring.write_json(result, args.json)
    if result.accuracy < args.min_accuracy:
        print(f"FAIL: intent accuracy {result.accuracy:.3f} is below the minimum {args.min_accuracy:.2f}")
        return 1
    print(f"OK: intent accuracy {result.accuracy:.3f} >= {args.min_accuracy:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
