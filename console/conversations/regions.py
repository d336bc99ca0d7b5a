"""The region data file (knowledge/regions.yml) as the console needs it: region names for the
ids the assistant stores in its `region_id` slot, and the addresses contact requests go to.

The file is parsed once per version (its modification time), so an edit by a content editor
applies to the next page or mail without a restart.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

import yaml
from django.conf import settings

log = logging.getLogger("console.regions")


class RegionFileError(Exception):
    """The region data file cannot be read or parsed."""


@lru_cache(maxsize=4)
def _parsed(path: str, mtime_ns: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise RegionFileError(f"{path}: not a mapping")
    return data


def region_file() -> dict[str, Any]:
    """The parsed file; RegionFileError when it is missing or malformed."""
    path = str(settings.REGIONS_FILE)
    try:
        return _parsed(path, os.stat(path).st_mtime_ns)
    except (OSError, yaml.YAMLError) as error:
        raise RegionFileError(f"{path} onleesbaar ({error.__class__.__name__})") from error


def regions() -> list[dict[str, Any]]:
    return [r for r in region_file().get("regions") or [] if isinstance(r, dict) and r.get("id")]


def region_names() -> dict[str, str]:
    try:
        return {str(r["id"]): str(r.get("name") or r["id"]) for r in regions()}
    except RegionFileError as error:
        log.warning("region names unavailable (%s); showing ids", error)
        return {}


def region_name(region_id: str) -> str:
    return region_names().get(region_id, region_id)
