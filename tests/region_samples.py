"""For each region, a place that finds exactly that region (used by REST and browser tests)."""

from __future__ import annotations

from sto_assistent.settings import REGIONS_FILE
from sto_regions import RegionIndex, load_region_file


def place_per_region() -> list[tuple[str, str, str]]:
    """(region id, region name, a place of it that finds only that region)."""
    index = RegionIndex(load_region_file(REGIONS_FILE))
    samples = []
    for region in index.data.regions:
        for place in region.places:
            if [r.id for r in index.find(place).regions] == [region.id]:
                samples.append((region.id, region.name, place))
                break
        else:
            raise AssertionError(f"region {region.id} has no place that finds it alone")
    return samples
