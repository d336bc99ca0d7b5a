"""Immutable records for the region data file."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple


@dataclass(frozen=True)
class NationalContact:
    email: str
    website: str
    regions_overview_url: str


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    name_uncertain: bool
    aliases: Tuple[str, ...]
    provinces: Tuple[str, ...]
    places: Tuple[str, ...]
    places_from_name: bool
    url: Optional[str]
    contact: str  # "region_page" or "national"
    schools: Tuple[str, ...]
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class RegionData:
    national_contact: NationalContact
    regions: Tuple[Region, ...]
    place_aliases: Mapping[str, str]
    origin: str  # file path or URL the data came from

    def region_by_id(self, region_id: str) -> Optional[Region]:
        for region in self.regions:
            if region.id == region_id:
                return region
        return None
