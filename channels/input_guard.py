"""Clean user input before NLU and storage. Pure Python, no Rasa imports.

- NUL and other control characters, lone surrogates, zero-width characters and bidirectional
  controls are removed (PostgreSQL cannot store NUL; surrogates break UTF-8 encoding; bidi
  overrides make text read differently in the console than it was typed).
- Text is NFC-normalised and cut to MAX_MESSAGE_CHARS (at a word boundary where possible).
- A message with no letter or digit left (empty, whitespace, only emoji or punctuation) is
  replaced by the `/nonsense` intent payload, so it gets a clear Dutch answer instead of a
  random classification.
- Only simple intent payloads ("/intent" or '/intent{"place": "..."}') pass as payloads.
- A sender (conversation) id must be a random version-4 UUID, with or without hyphens: 122
  random bits, so nobody can guess another company's conversation and read or write it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sto_assistent.settings import DEFAULTS, setting

UNREADABLE_PAYLOAD = "/nonsense"
MAX_METADATA_STRING = 2000
MAX_METADATA_BYTES = 8192  # the whole of a message's metadata, as stored (JSON)
METADATA_DROPPED = {"metadata_dropped": True}

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_SPACES = re.compile(r"[ \t\r\n]+")
_PAYLOAD = re.compile(r"^/[a-z_]+(\{.{0,200}\})?$", re.DOTALL)
_UUID4 = r"[0-9a-f]{8}(-?)[0-9a-f]{4}(?:\1)4[0-9a-f]{3}(?:\1)[89ab][0-9a-f]{3}(?:\1)[0-9a-f]{12}"
_SENDER = re.compile(_UUID4, re.IGNORECASE)


@dataclass(frozen=True)
class CleanMessage:
    text: str
    truncated: bool
    unreadable: bool


def max_message_chars() -> int:
    try:
        return max(50, int(setting("MAX_MESSAGE_CHARS")))
    except ValueError:
        return int(DEFAULTS["MAX_MESSAGE_CHARS"])


def strip_unsafe(text: str) -> str:
    """Remove characters that must never reach NLU or the database."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def clean_text(raw: Any | None, limit: int | None = None) -> CleanMessage:
    limit = limit or max_message_chars()
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    text = _SPACES.sub(" ", strip_unsafe(text)).strip()
    if text.startswith("/") and not _PAYLOAD.match(text):
        text = text.lstrip("/").strip()  # "/etc/passwd" is text, not an intent payload
    truncated = len(text) > limit
    if truncated:
        cut = text[:limit]
        space = cut.rfind(" ")
        text = (cut[:space] if space > limit * 0.8 else cut).rstrip()
    if not any(ch.isalnum() for ch in text):
        return CleanMessage(UNREADABLE_PAYLOAD, truncated, unreadable=True)
    return CleanMessage(text, truncated, unreadable=False)


def capped_metadata(value: Any) -> dict[str, Any]:
    """A message's metadata as it may be stored: a cleaned object of at most MAX_METADATA_BYTES."""
    cleaned = clean_metadata(value) if isinstance(value, dict) else {}
    if len(json.dumps(cleaned, ensure_ascii=False).encode("utf-8")) > MAX_METADATA_BYTES:
        return dict(METADATA_DROPPED)
    return cleaned


def clean_metadata(value: Any, depth: int = 0) -> Any:
    """Strip unsafe characters from every string in metadata; drop what nests too deep."""
    if depth > 5:
        return None
    if isinstance(value, str):
        return strip_unsafe(value)[:MAX_METADATA_STRING]
    if isinstance(value, dict):
        return {strip_unsafe(str(k))[:100]: clean_metadata(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list):
        return [clean_metadata(v, depth + 1) for v in value[:50]]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return strip_unsafe(str(value))[:MAX_METADATA_STRING]


def valid_sender_id(sender_id: str | None) -> bool:
    return bool(sender_id) and bool(_SENDER.fullmatch(sender_id or ""))
