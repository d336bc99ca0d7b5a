"""`rasa`, with the project's runtime guards installed first.

    python -m sto_assistent.rasa_server run --model ... --endpoints endpoints.yml ...

Every Rasa process of the project (`make run`, `make run-prod`, the tests, the containers)
starts this way, so action calls always have their timeout and apology (action_calls).
"""

from __future__ import annotations

from sto_assistent import action_calls


def main() -> None:
    action_calls.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
