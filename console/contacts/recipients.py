"""Who receives a contact request: CONTACT_REQUESTS_TO, else the region's `contact_email` in
the region data file (knowledge/regions.yml), else its `national_contact.email`.

The file is read by conversations/regions.py (once per version), so a region address added by
a content editor applies to the next mail.
"""

from __future__ import annotations

from django.conf import settings

from conversations.regions import RegionFileError, region_file, regions


class NoRecipient(Exception):
    pass


def recipients_for(region_id: str) -> list[str]:
    if settings.CONTACT_REQUESTS_TO:
        return list(settings.CONTACT_REQUESTS_TO)
    try:
        regional = {str(r["id"]): str(r.get("contact_email") or "").strip() for r in regions()}
        national = str((region_file().get("national_contact") or {}).get("email") or "").strip()
    except (RegionFileError, AttributeError) as error:
        raise NoRecipient(f"Regiobestand {error}") from error
    if region_id and regional.get(region_id):
        return [regional[region_id]]
    if national:
        return [national]
    raise NoRecipient(
        f"Geen ontvanger: geen CONTACT_REQUESTS_TO en geen national_contact.email in {settings.REGIONS_FILE}"
    )
