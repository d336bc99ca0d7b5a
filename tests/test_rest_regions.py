"""Every region in the data file is found by one of its places, over REST, through NLU."""
from __future__ import annotations

import pytest

from tests.region_samples import place_per_region

SAMPLES = place_per_region()


@pytest.mark.parametrize("region_id, name, place", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_region_found_by_place_over_rest(stack, region_id, name, place):
    replies = stack.say(f"Ons bedrijf zit in {place}")
    text = " ".join(r.get("text", "") for r in replies)
    assert f"STO-regio {name}" in text, text
