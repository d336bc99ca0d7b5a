"""Every region in the data file is found by one of its places, over REST, through NLU."""

from __future__ import annotations

import uuid

import pytest

from tests.conversation_log import last_turn
from tests.region_samples import place_per_region

SAMPLES = place_per_region()


@pytest.mark.parametrize("region_id, name, place", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_region_found_by_place_over_rest(stack, region_id, name, place):
    sender = uuid.uuid4().hex
    stack.say(f"Ons bedrijf zit in {place}", sender)
    turn = last_turn(stack, sender)
    assert turn.slots.get("region_id") == region_id, (turn.intent, turn.keys, turn.text)
    assert name.rstrip(".") in turn.text
