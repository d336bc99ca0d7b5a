"""Which region a message means: the one decision behind every region answer.

The actions and the slot extraction ask `resolve(...)` and do not decide themselves:
1. names the NLU extracted (entity values), then names clearly used in the sentence;
2. among those, a place wins over a region name, a region name over a province, and a
   longer name over a shorter one ("Steenwijk in Overijssel" means Steenwijk);
3. a place in several regions is narrowed by a province named with it;
4. when the message names nothing, the region remembered from earlier in the conversation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sto_regions.lookup import (
    KIND_EMPTY,
    KIND_NOT_FOUND,
    KIND_PLACE,
    KIND_PROVINCE,
    KIND_REGION,
    LookupResult,
    RegionIndex,
)
from sto_regions.models import Region

SOURCE_MESSAGE = "message"  # the message names it
SOURCE_REMEMBERED = "remembered"  # named earlier in the conversation
SOURCE_NONE = "none"

_KIND_RANK = {KIND_PLACE: 3, KIND_REGION: 2, KIND_PROVINCE: 1}


@dataclass(frozen=True)
class Resolution:
    result: LookupResult | None  # what was resolved; None when nothing is known
    source: str

    @property
    def region(self) -> Region | None:
        """The one region meant, if there is exactly one."""
        if self.result is None or self.result.kind == KIND_PROVINCE or len(self.result.regions) != 1:
            return None
        return self.result.regions[0]

    @property
    def named_in_message(self) -> bool:
        return self.source == SOURCE_MESSAGE


def resolve(
    index: RegionIndex,
    text: str,
    entity_values: Sequence[str] = (),
    remembered_region_id: str | None = None,
    lenient: bool = False,
) -> Resolution:
    """The region a message means (see the module docstring).

    `lenient` is for messages that are about a place (a region question, an answer to "in
    which place?"): the whole text is then also tried as a name, typos included.
    """
    named = [index.find(value) for value in entity_values if value and value.strip()]
    candidates = named + index.mentions(text)
    if lenient:
        candidates.append(index.find(text))
    found = [c for c in candidates if c.found]
    if found:
        best = max(found, key=lambda c: (_KIND_RANK.get(c.kind, 0), not c.fuzzy, len(c.matched_key)))
        return Resolution(_narrow_by_province(index, best, found), SOURCE_MESSAGE)
    # Something was named, but it is no place we know: say so rather than fall back.
    unknown = next((c for c in named if c.kind != KIND_EMPTY), None)
    if unknown is None and lenient:
        name = unknown_name(text)
        unknown = LookupResult(name, KIND_NOT_FOUND, None, ()) if name else None
    if unknown is not None:
        return Resolution(unknown, SOURCE_MESSAGE)
    remembered = index.region(remembered_region_id)
    if remembered is not None:
        return Resolution(LookupResult("", KIND_REGION, remembered.name, (remembered,)), SOURCE_REMEMBERED)
    return Resolution(None, SOURCE_NONE)


_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_LOCATIVE = {"in", "uit", "bij", "te", "vanuit", "nabij"}
_NOT_NAMES = {
    "ik", "u", "wij", "we", "jullie", "ons", "onze", "mijn", "de", "het", "een", "welke",
    "regio", "sto", "sterk", "techniekonderwijs", "mkb", "vmbo", "mbo", "hbo", "bv", "nv",
    # words of short region questions ("mailadres?", "zoek mijn regio"), never a place
    "wie", "wat", "waar", "hoe", "en", "dan", "daar", "die", "zoek", "opzoeken", "contact",
    "contactgegevens", "contactpersoon", "mail", "mailadres", "email", "e-mail", "e-mailadres",
    "website", "site", "link", "telefoonnummer", "nummer", "scholen", "aanspreekpunt",
}  # fmt: skip
MAX_WORDS_OF_A_BARE_NAME = 3


def unknown_name(text: str) -> str | None:
    """The word a message about a place most likely names, when no known name matched.

    A bare message of up to three words is the name itself ("Antwerpen", "parijs") unless
    one of them is a common word of a question ("mailadres?", "mijn regio"); in a
    longer message, a capitalised word that does not start it, or the word after "in",
    "uit", "bij" or "te" ("wij zitten in keulen"). None: the message names no place.
    """
    words: list[str] = _WORD.findall(text)
    if not words:
        return None
    if len(words) <= MAX_WORDS_OF_A_BARE_NAME:
        return None if any(_not_a_name(word) for word in words) else text.strip(" ?!.,")
    for word in words[1:]:
        if word[:1].isupper() and not word.isupper() and not _not_a_name(word):
            return word
    for before, word in zip(words, words[1:], strict=False):
        if before.lower() in _LOCATIVE and not _not_a_name(word):
            return word
    return None


def _not_a_name(word: str) -> bool:
    lower = word.lower()
    return lower in _NOT_NAMES or lower.startswith("sto-")


def _narrow_by_province(index: RegionIndex, best: LookupResult, found: Sequence[LookupResult]) -> LookupResult:
    if best.kind != KIND_PLACE or len(best.regions) < 2:
        return best
    # A province may also be a place ("Groningen", "Utrecht"): ask for it as a province.
    named = [index.find_by_province(c.matched_name or "") for c in found if c is not best]
    provinces = {p.matched_name for p in named if p.kind == KIND_PROVINCE}
    narrowed = tuple(r for r in best.regions if provinces & set(r.provinces))
    if not narrowed:
        return best
    return LookupResult(best.query, best.kind, best.matched_name, narrowed, best.fuzzy, best.matched_key)
