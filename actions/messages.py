"""Dutch texts that actions send, loaded once from actions/messages/*.yml.

They live beside the actions rather than in the domain because Rasa's validator requires
every domain response to be used in a story or rule, and these are only sent by actions.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

MESSAGES_DIR = Path(__file__).with_name("messages")


@lru_cache(maxsize=None)
def load(name: str) -> Dict[str, Any]:
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
