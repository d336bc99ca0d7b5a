"""`rasa`, with the project's runtime guards installed first.

    python -m sto_assistent.rasa_server run --model ... --endpoints endpoints.yml ...

Every Rasa process of the project (`make run`, `make run-prod`, the tests, the containers)
starts this way, so action calls always have their timeout and apology (action_calls), and
request bodies their limit (RASA_REQUEST_MAX_BYTES; Sanic reads SANIC_REQUEST_MAX_SIZE).
"""

from __future__ import annotations

import os

from sto_assistent import action_calls
from sto_assistent.settings import setting


def main() -> None:
    os.environ["SANIC_REQUEST_MAX_SIZE"] = setting("RASA_REQUEST_MAX_BYTES")
    action_calls.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
