"""The one RegionRepository of the action server, configured from the environment."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from sto_regions import RegionIndex, RegionRepository

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REGIONS_FILE = PROJECT_DIR / "knowledge" / "regions.yml"


@lru_cache(maxsize=1)
def repository() -> RegionRepository:
    path = Path(os.environ.get("REGIONS_FILE") or DEFAULT_REGIONS_FILE)
    if not path.is_absolute():
        path = PROJECT_DIR / path
    return RegionRepository(
        path=path,
        url=os.environ.get("REGIONS_URL") or None,
        refresh_seconds=float(os.environ.get("REGIONS_REFRESH_SECONDS", "300")),
    )


def current_index() -> RegionIndex:
    return repository().current()
