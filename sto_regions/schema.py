"""Load and validate the region data file.

Every problem is reported as RegionDataError naming the file, the entry and the field, so
an editor knows exactly what to fix. A file is accepted whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from sto_regions.models import NationalContact, Region, RegionData

SUPPORTED_VERSION = 1
CONTACT_ROUTES = ("region_page", "national")
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class RegionDataError(ValueError):
    """The region data is malformed. The message names file, entry and field."""

    def __init__(self, origin: str, entry: str, field: str, problem: str) -> None:
        self.origin, self.entry, self.field, self.problem = origin, entry, field, problem
        super().__init__(f"{origin}: entry '{entry}', field '{field}': {problem}")


def load_region_file(path: Path) -> RegionData:
    """Read and validate a region file from disk."""
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RegionDataError(origin, "(file)", "(file)", f"cannot be read: {error}") from error
    return parse_region_data(text, origin)


def parse_region_data(text: str, origin: str) -> RegionData:
    """Parse and validate region data given as YAML text."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RegionDataError(origin, "(file)", "(yaml)", f"is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise RegionDataError(origin, "(file)", "(top level)", "must be a mapping")
    if raw.get("version") != SUPPORTED_VERSION:
        raise RegionDataError(origin, "(file)", "version", f"must be {SUPPORTED_VERSION}, got {raw.get('version')!r}")
    contact = _parse_national_contact(raw.get("national_contact"), origin)
    regions = _parse_regions(raw.get("regions"), origin)
    aliases = _parse_place_aliases(raw.get("place_aliases") or {}, regions, origin)
    return RegionData(national_contact=contact, regions=tuple(regions), place_aliases=aliases, origin=origin)


def _parse_national_contact(raw: Any, origin: str) -> NationalContact:
    entry = "national_contact"
    if not isinstance(raw, dict):
        raise RegionDataError(origin, entry, "(section)", "is missing or not a mapping")
    email = _required_text(raw, "email", origin, entry)
    if not _EMAIL_PATTERN.match(email):
        raise RegionDataError(origin, entry, "email", f"is not an e-mail address: {email!r}")
    return NationalContact(
        email=email,
        website=_required_url(raw.get("website"), origin, entry, "website"),
        regions_overview_url=_required_url(raw.get("regions_overview_url"), origin, entry, "regions_overview_url"),
        contact_reply_time=_optional_text(raw, "contact_reply_time", origin, entry),
    )


def _parse_regions(raw: Any, origin: str) -> list[Region]:
    if not isinstance(raw, list) or not raw:
        raise RegionDataError(origin, "regions", "(section)", "must be a non-empty list")
    regions: list[Region] = []
    seen_ids: set[str] = set()
    for position, item in enumerate(raw, start=1):
        entry = f"#{position}"
        if not isinstance(item, dict):
            raise RegionDataError(origin, entry, "(entry)", "must be a mapping")
        region_id = _required_text(item, "id", origin, entry)
        entry = region_id
        if not _ID_PATTERN.match(region_id):
            raise RegionDataError(origin, entry, "id", "must be lowercase letters, digits and single hyphens")
        if region_id in seen_ids:
            raise RegionDataError(origin, entry, "id", "is used by more than one region")
        seen_ids.add(region_id)
        regions.append(_parse_region(item, region_id, origin))
    return regions


def _parse_region(item: Mapping[str, Any], region_id: str, origin: str) -> Region:
    entry = region_id
    url = _url(item.get("url"), origin, entry, "url", required=False)
    contact = _required_text(item, "contact", origin, entry)
    if contact not in CONTACT_ROUTES:
        raise RegionDataError(origin, entry, "contact", f"must be one of {CONTACT_ROUTES}")
    if contact == "region_page" and url is None:
        raise RegionDataError(origin, entry, "contact", "is region_page but url is empty")
    if contact == "national" and url is not None:
        raise RegionDataError(origin, entry, "contact", "is national but a url is given")
    places = _text_list(item, "places", origin, entry, required=True)
    if not places:
        raise RegionDataError(origin, entry, "places", "must list at least one place")
    sources = _text_list(item, "sources", origin, entry, required=False)
    for source in sources:
        _url(source, origin, entry, "sources", required=True)
    return Region(
        id=region_id,
        name=_required_text(item, "name", origin, entry),
        name_uncertain=_bool(item, "name_uncertain", origin, entry),
        aliases=tuple(_text_list(item, "aliases", origin, entry, required=False)),
        provinces=tuple(_text_list(item, "provinces", origin, entry, required=True)),
        places=tuple(places),
        places_from_name=_bool(item, "places_from_name", origin, entry),
        url=url,
        contact=contact,
        schools=tuple(_text_list(item, "schools", origin, entry, required=False)),
        sources=tuple(sources),
        contact_email=_optional_email(item, "contact_email", origin, entry),
    )


def _parse_place_aliases(raw: Any, regions: list[Region], origin: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise RegionDataError(origin, "place_aliases", "(section)", "must be a mapping")
    known_places = {place for region in regions for place in region.places}
    aliases: dict[str, str] = {}
    for alias, target in raw.items():
        if not isinstance(alias, str) or not isinstance(target, str) or not target.strip():
            raise RegionDataError(origin, f"place_aliases.{alias}", "(value)", "must be text")
        if target not in known_places:
            raise RegionDataError(
                origin,
                f"place_aliases.{alias}",
                "(value)",
                f"points to place {target!r}, which is in no region's places",
            )
        aliases[alias] = target
    return aliases


def _required_text(item: Mapping[str, Any], field: str, origin: str, entry: str) -> str:
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        raise RegionDataError(origin, entry, field, "is missing or empty")
    return value.strip()


def _bool(item: Mapping[str, Any], field: str, origin: str, entry: str) -> bool:
    value = item.get(field, False)
    if not isinstance(value, bool):
        raise RegionDataError(origin, entry, field, "must be true or false")
    return value


def _text_list(item: Mapping[str, Any], field: str, origin: str, entry: str, required: bool) -> list[str]:
    if field not in item or item[field] is None:
        if required:
            raise RegionDataError(origin, entry, field, "is missing")
        return []
    value = item[field]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RegionDataError(origin, entry, field, "must be a list of non-empty texts")
    return [v.strip() for v in value]


def _optional_text(item: Mapping[str, Any], field: str, origin: str, entry: str) -> str:
    value = item.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RegionDataError(origin, entry, field, "must be text")
    return value.strip()


def _optional_email(item: Mapping[str, Any], field: str, origin: str, entry: str) -> str | None:
    value = _optional_text(item, field, origin, entry)
    if not value:
        return None
    if not _EMAIL_PATTERN.match(value):
        raise RegionDataError(origin, entry, field, f"is not an e-mail address: {value!r}")
    return value


def _url(value: Any, origin: str, entry: str, field: str, required: bool) -> str | None:
    if value is None and not required:
        return None
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RegionDataError(origin, entry, field, f"is not a valid http(s) URL: {value!r}")
    return str(value)


def _required_url(value: Any, origin: str, entry: str, field: str) -> str:
    return str(_url(value, origin, entry, field, required=True))


def describe_counts(data: RegionData) -> tuple[int, int, int]:
    """(regions, distinct places, aliases incl. place aliases) for reports."""
    places = {place for region in data.regions for place in region.places}
    aliases = sum(len(region.aliases) for region in data.regions) + len(data.place_aliases)
    return len(data.regions), len(places), aliases
