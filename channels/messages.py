"""The Dutch texts the Rasa server sends itself, outside the dialogue model (messages.yml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from sto_assistent.settings import regions_file
from sto_regions import load_region_file

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
# Sent with a message that was not processed (an outage, too many messages): the widget then
# offers to send it again. REST: the reply's "custom"; socket.io: the bot message's "custom".
NOT_PROCESSED = {"status": "not_processed"}


def load_messages() -> dict[str, str]:
    """The texts, with the national e-mail address from the region data file filled in."""
    email = load_region_file(regions_file()).national_contact.email
    texts = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    return {key: text.format(email=email).strip() for key, text in texts.items()}


MESSAGES = load_messages()
