"""Dutch texts that actions send, loaded once from actions/messages/*.yml.

They live beside the actions rather than in the domain because Rasa's validator requires
every domain response to be used in a story or rule, and these are only sent by actions.

Every message is sent with its key ("region.found_place") as `message_key`: Rasa keeps it
in the BotUttered event's metadata (the conversation log), never shows it to the user, and
tests and the review console can tell which answer was given without comparing wording.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import CollectingDispatcher

MESSAGES_DIR = Path(__file__).with_name("messages")


@cache
def load(name: str) -> dict[str, Any]:
    """Load one messages file; fails loudly (file and key named) on a broken edit."""
    path = MESSAGES_DIR / f"{name}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: must be a mapping of message keys to texts")
    return data


def text(name: str, key: str, **values: Any) -> str:
    template = load(name).get(key)
    if not isinstance(template, str):
        raise KeyError(f"{MESSAGES_DIR / (name + '.yml')}: missing text '{key}'")
    return template.format(**values).strip()


def send(
    dispatcher: CollectingDispatcher,
    key: str,
    body: str,
    buttons: list[dict[str, str]] | None = None,
    parts: list[str] | None = None,
) -> None:
    """Send `body` to the user, recording `key` ("file.key" of its main text) in the log.

    `parts` lists the keys of every text a composed message is made of (main text first).
    """
    dispatcher.utter_message(text=body, buttons=buttons or [], message_key=key, message_parts=parts or [key])
