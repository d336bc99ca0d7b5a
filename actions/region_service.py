"""The one RegionRepository of the action server, configured from the environment."""

from __future__ import annotations

from functools import lru_cache

from sto_assistent.settings import regions_file, setting
from sto_regions import RegionIndex, RegionRepository


@lru_cache(maxsize=1)
def repository() -> RegionRepository:
    return RegionRepository(
        path=regions_file(),
        url=setting("REGIONS_URL") or None,
        refresh_seconds=float(setting("REGIONS_REFRESH_SECONDS")),
    )


def current_index() -> RegionIndex:
    return repository().current()
