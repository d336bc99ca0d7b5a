"""Score the trained model on a labelled NLU set that was never used in training.

    python scripts/score_heldout.py [--set heldout|dev|independent] [--model PATH]
                                    [--min-accuracy 0.90] [--json results/<set>.json]

Sets: `heldout` (tests/nlu_heldout/, the default), `dev` (tests/dev/single_turns.yml, the
set to tune on) and `independent` (tests/independent/single_turns.yml, the final measure).

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
from sto_assistent.settings import (  # noqa: E402
    DEV_SET_FILE,
    HELDOUT_DIR,
    INDEPENDENT_SINGLE_TURNS_FILE,
    MODEL_PATH,
    PROJECT_DIR,
)

SETS = {
    "heldout": ("Held-out NLU set", lambda: nlu_scoring.load_rasa_examples(HELDOUT_DIR)),
    "dev": ("Development set", lambda: nlu_scoring.load_single_turns(DEV_SET_FILE)),
    "independent": ("Independent single turns", lambda: nlu_scoring.load_single_turns(INDEPENDENT_SINGLE_TURNS_FILE)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="heldout")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    parser.add_argument("--min-accuracy", type=float, default=0.90)
    parser.add_argument("--json", type=Path, help="default: results/<set>.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    from channels.input_guard import clean_text

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(args.model))
    # Score what production sees: every message passes the channels' input guard first.
    title, load = SETS[args.set]
    result = nlu_scoring.score(load(), lambda text: asyncio.run(agent.parse_message(clean_text(text).text)))
    print(nlu_scoring.report(title, result))
    nlu_scoring.write_json(result, args.json or PROJECT_DIR / "results" / f"{args.set}.json")
    if result.accuracy < args.min_accuracy:
        print(f"FAIL: intent accuracy {result.accuracy:.3f} is below the minimum {args.min_accuracy:.2f}")
        return 1
    print(f"OK: intent accuracy {result.accuracy:.3f} >= {args.min_accuracy:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
