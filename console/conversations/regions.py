"""Region names for the ids the assistant stores in its `region_id` slot (knowledge/regions.yml)."""

from __future__ import annotations

import logging
from functools import lru_cache

import yaml
from django.conf import settings

log = logging.getLogger("console.regions")


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    try:
        with open(settings.REGIONS_FILE, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as error:
        log.warning("region names unavailable (%s); showing ids", error)
        return {}
    names = {}
    for region in data.get("regions") or []:
        if isinstance(region, dict) and region.get("id"):
            names[str(region["id"])] = str(region.get("name") or region["id"])
    return names


def region_name(region_id: str) -> str:
    return region_names().get(region_id, region_id)
