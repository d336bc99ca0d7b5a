"""Immutable records for the region data file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NationalContact:
    email: str
    website: str
    regions_overview_url: str
    # How soon a contact request is usually answered ("vijf werkdagen"); "" when not agreed.
    contact_reply_time: str = ""


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    name_uncertain: bool
    aliases: tuple[str, ...]
    provinces: tuple[str, ...]
    places: tuple[str, ...]
    places_from_name: bool
    url: str | None
    contact: str  # "region_page" or "national"
    schools: tuple[str, ...]
    sources: tuple[str, ...]
    # The region's inbox for contact requests; None: they go to the national address.
    contact_email: str | None = None


@dataclass(frozen=True)
class RegionData:
    national_contact: NationalContact
    regions: tuple[Region, ...]
    place_aliases: Mapping[str, str]
    origin: str  # file path or URL the data came from

    def region_by_id(self, region_id: str) -> Region | None:
        for region in self.regions:
            if region.id == region_id:
                return region
        return None
