"""Answer "which STO region covers X?" by place, region name or province.

Matching order: exact keys first (places, then region names and aliases, then provinces),
then typo-tolerant matching with rapidfuzz. A query may be a whole sentence: every run of
one to four words is tried, and the best, longest match wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from sto_regions.models import Region, RegionData
from sto_regions.normalise import fold, name_keys, query_key, strip_surrounding_words

# Typo tolerance: scores are rapidfuzz ratios (0-100). Short keys must match exactly,
# otherwise "Ede" would match "Epe".
FUZZY_MIN_SCORE = 86.0
FUZZY_MIN_KEY_LENGTH = 5
MAX_WORDS_PER_NAME = 4

KIND_PLACE = "place"
KIND_REGION = "region"
KIND_PROVINCE = "province"
KIND_NOT_FOUND = "not_found"
KIND_EMPTY = "empty"

# Words that never start or end a place name; runs made of them are not tried.
_FILLER_WORDS = frozenset(
    """
    ik we wij ons onze mijn jullie u uw je zit zitten zijn is in te bij uit van de het een
    en of dat die welke wat wie waar hoe regio gemeente provincie plaats stad dorp bedrijf
    gevestigd vestiging kantoor buurt omgeving hier daar graag hoor toch ja nee oke ok
    """.split()
)


# Words after which a name is read as a location: "wij zitten in harderwijk".
_LOCATIVE_WORDS = frozenset(
    """
    in uit bij te regio gemeente provincie omgeving rond rondom nabij vanuit vestiging
    gevestigd buurt
    """.split()
)


@dataclass(frozen=True)
class LookupResult:
    query: str
    kind: str  # place | region | province | not_found | empty
    matched_name: str | None
    regions: tuple[Region, ...]
    fuzzy: bool = False
    matched_key: str = ""  # the normalised words of the query that matched

    @property
    def found(self) -> bool:
        return bool(self.regions)

    @property
    def ambiguous(self) -> bool:
        return self.kind == KIND_PLACE and len(self.regions) > 1


@dataclass(frozen=True)
class _Entry:
    kind: str
    name: str  # canonical display name of what matched
    region_ids: tuple[str, ...]


_KIND_PRIORITY = {KIND_PLACE: 0, KIND_REGION: 1, KIND_PROVINCE: 2}


class RegionIndex:
    """An immutable index over one validated RegionData."""

    def __init__(self, data: RegionData) -> None:
        self.data = data
        self._regions: dict[str, Region] = {r.id: r for r in data.regions}
        self._entries: dict[str, _Entry] = {}
        self._provinces: dict[str, _Entry] = {}
        self._build()
        self._fuzzy_keys: list[str] = [k for k in self._entries if len(k) >= FUZZY_MIN_KEY_LENGTH]

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        places: dict[str, list[str]] = {}
        for region in self.data.regions:
            for place in region.places:
                places.setdefault(place, []).append(region.id)
        for place, region_ids in places.items():
            self._add(name_keys(place), _Entry(KIND_PLACE, place, tuple(region_ids)))
        for alias, target in self.data.place_aliases.items():
            self._add(name_keys(alias), _Entry(KIND_PLACE, target, tuple(places[target])))
        for region in self.data.regions:
            entry = _Entry(KIND_REGION, region.name, (region.id,))
            for name in (region.id, region.name, *region.aliases):
                self._add(name_keys(name), entry)
        provinces: dict[str, list[str]] = {}
        for region in self.data.regions:
            for province in region.provinces:
                provinces.setdefault(province, []).append(region.id)
        for province, region_ids in provinces.items():
            entry = _Entry(KIND_PROVINCE, province, tuple(region_ids))
            self._add(name_keys(province), entry)
            self._provinces.update({key: entry for key in name_keys(province)})

    def _add(self, keys: Iterable[str], entry: _Entry) -> None:
        for key in keys:
            current = self._entries.get(key)
            if current is None or _KIND_PRIORITY[entry.kind] < _KIND_PRIORITY[current.kind]:
                self._entries[key] = entry
            elif current.kind == entry.kind == KIND_PLACE and current.name != entry.name:
                # Two places fold to one key: offer every region of both.
                merged = tuple(dict.fromkeys(current.region_ids + entry.region_ids))
                self._entries[key] = _Entry(KIND_PLACE, current.name, merged)

    # -- queries --------------------------------------------------------------------------
    def find(self, query: str | None) -> LookupResult:
        """Find the region(s) for a place, region name, province, or a sentence naming one."""
        text = (query or "").strip()
        if not fold(text):
            return LookupResult(text, KIND_EMPTY, None, ())
        whole = query_key(text)
        entry = self._entries.get(whole)
        if entry:
            return self._result(text, entry, fuzzy=False, key=whole)
        if text in self._regions:  # button payloads carry region ids
            region = self._regions[text]
            return LookupResult(text, KIND_REGION, region.name, (region,), matched_key=text)
        best = self._best_in_sentence(fold(text))
        if best:
            entry, fuzzy, key = best
            return self._result(text, entry, fuzzy, key)
        return LookupResult(text, KIND_NOT_FOUND, None, ())

    def find_by_place(self, place: str) -> LookupResult:
        result = self.find(place)
        return result if result.kind == KIND_PLACE else LookupResult(place, KIND_NOT_FOUND, None, ())

    def find_by_province(self, province: str) -> LookupResult:
        entry = self._provinces.get(query_key(province or ""))
        if entry is None:
            return LookupResult(province, KIND_NOT_FOUND, None, ())
        return self._result(province, entry, fuzzy=False, key=query_key(province))

    def region(self, region_id: str | None) -> Region | None:
        return self._regions.get(region_id or "")

    def all_names(self) -> dict[str, list[str]]:
        """Every name a user may type, by kind (for generating NLU lookup tables)."""
        names: dict[str, list[str]] = {KIND_PLACE: [], KIND_REGION: [], KIND_PROVINCE: []}
        for region in self.data.regions:
            names[KIND_PLACE].extend(region.places)
            names[KIND_REGION].append(region.name)
            names[KIND_REGION].extend(region.aliases)
            names[KIND_PROVINCE].extend(region.provinces)
        names[KIND_PLACE].extend(self.data.place_aliases)
        return {kind: sorted(set(values), key=str.lower) for kind, values in names.items()}

    # -- internals ------------------------------------------------------------------------
    def _result(self, query: str, entry: _Entry, fuzzy: bool, key: str) -> LookupResult:
        regions = tuple(self._regions[rid] for rid in entry.region_ids)
        return LookupResult(query, entry.kind, entry.name, regions, fuzzy, key)

    def _best_in_sentence(self, folded: str) -> tuple[_Entry, bool, str] | None:
        words = folded.split()
        candidates: list[tuple[tuple[int, int, float, int], _Entry, bool, str]] = []
        for size in range(min(MAX_WORDS_PER_NAME, len(words)), 0, -1):
            for start in range(0, len(words) - size + 1):
                run = words[start : start + size]
                if run[0] in _FILLER_WORDS or run[-1] in _FILLER_WORDS:
                    continue
                key = strip_surrounding_words(" ".join(run))
                entry = self._entries.get(key)
                if entry:
                    rank = (1, size, 100.0, -_KIND_PRIORITY[entry.kind])
                    candidates.append((rank, entry, False, key))
                    continue
                match = self._fuzzy(key)
                if match:
                    score, entry = match
                    rank = (0, size, score, -_KIND_PRIORITY[entry.kind])
                    candidates.append((rank, entry, True, key))
        if not candidates:
            return None
        _, entry, fuzzy, key = max(candidates, key=lambda c: c[0])
        return entry, fuzzy, key

    def mentions(self, text: str) -> list[LookupResult]:
        """Names in a free sentence that clearly mean a place, region or province.

        Stricter than `find`, because it runs on every message, also on questions that are
        not about regions: a run of words counts when it matches exactly and is preceded by a
        locative word ("in", "uit", "bij", "regio", ...), or is capitalised and not the first
        word; typo matches count only after a locative word. Longest runs first; runs do not
        overlap.
        """
        tokens = text.split()
        words: list[str] = []
        capitalised: list[bool] = []
        for position, token in enumerate(tokens):
            for word in fold(token).split():
                words.append(word)
                capitalised.append(position > 0 and token[:1].isupper())
        taken: set[int] = set()
        found: list[LookupResult] = []
        for size in range(min(MAX_WORDS_PER_NAME, len(words)), 0, -1):
            for start in range(0, len(words) - size + 1):
                span = set(range(start, start + size))
                run = words[start : start + size]
                if span & taken or run[0] in _FILLER_WORDS or run[-1] in _FILLER_WORDS:
                    continue
                cued = start > 0 and words[start - 1] in _LOCATIVE_WORDS
                key = strip_surrounding_words(" ".join(run))
                entry = self._entries.get(key)
                fuzzy = False
                if entry is None and cued:
                    match = self._fuzzy(key)
                    entry, fuzzy = (match[1], True) if match else (None, False)
                if entry is None or not (cued or capitalised[start] or len(words) == size):
                    continue
                taken |= span
                found.append(self._result(text, entry, fuzzy, key))
        return found

    def _fuzzy(self, key: str) -> tuple[float, _Entry] | None:
        if len(key) < FUZZY_MIN_KEY_LENGTH:
            return None
        match = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_SCORE)
        if match is None:
            return None
        matched_key, score, _ = match
        return score, self._entries[matched_key]
