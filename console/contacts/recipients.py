"""Who receives a contact request: CONTACT_REQUESTS_TO, else the region's `contact_email` in
the region data file (knowledge/regions.yml), else its `national_contact.email`.

The file is read as conversations/regions.py reads it (settings.REGIONS_FILE) and read again
when it changes, so a region address added by a content editor applies to the next mail.
"""

from __future__ import annotations

import os
from functools import lru_cache

import yaml
from django.conf import settings


class NoRecipient(Exception):
    pass


@lru_cache(maxsize=4)
def _addresses(path: str, mtime_ns: int) -> tuple[dict[str, str], str]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    regional = {}
    for region in data.get("regions") or []:
        if isinstance(region, dict) and region.get("id") and region.get("contact_email"):
            regional[str(region["id"])] = str(region["contact_email"]).strip()
    national = str(((data.get("national_contact") or {}).get("email")) or "").strip()
    return regional, national


def recipients_for(region_id: str) -> list[str]:
    if settings.CONTACT_REQUESTS_TO:
        return list(settings.CONTACT_REQUESTS_TO)
    path = str(settings.REGIONS_FILE)
    try:
        regional, national = _addresses(path, os.stat(path).st_mtime_ns)
    except (OSError, yaml.YAMLError, AttributeError) as error:
        raise NoRecipient(f"Regiobestand {path} onleesbaar ({error.__class__.__name__})") from error
    if region_id and regional.get(region_id):
        return [regional[region_id]]
    if national:
        return [national]
    raise NoRecipient(f"Geen ontvanger: geen CONTACT_REQUESTS_TO en geen national_contact.email in {path}")
