"""The contact request list's filter as a masked CSV download, streamed from the database."""

from __future__ import annotations

import csv

from contacts import masked
from contacts.models import ContactRequest

FIELDS = [
    "id",
    "kenmerk",
    "ingediend",
    "status",
    "regio",
    "bedrijf",
    "naam",
    "email",
    "telefoon",
    "vraag",
    "pogingen",
    "doorgestuurd_op",
    "via",
    "afgehandeld_op",
    "gesprek",
]
CHUNK = 2000


class _Echo:
    def write(self, value):
        return value


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _row(r: ContactRequest) -> dict:
    shown = masked.fields(r)
    return {
        "id": r.pk,
        "kenmerk": r.request_id,
        "ingediend": _iso(r.created_at),
        "status": r.status,
        "regio": r.region_name,
        "bedrijf": masked.mask_known(r.company, r),
        "naam": shown["name"],
        "email": shown["email"],
        "telefoon": shown["phone"],
        "vraag": shown["question"],
        "pogingen": r.attempts,
        "doorgestuurd_op": _iso(r.delivered_at),
        "via": r.delivered_via,
        "afgehandeld_op": _iso(r.handled_at),
        "gesprek": r.conversation_id or "",
    }


def csv_stream(requests):
    writer = csv.DictWriter(_Echo(), fieldnames=FIELDS)
    yield "\ufeff" + writer.writeheader()  # BOM: spreadsheet programs then read UTF-8
    for r in requests.iterator(chunk_size=CHUNK):
        yield writer.writerow(_row(r))
