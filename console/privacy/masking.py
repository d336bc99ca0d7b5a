"""Finding and masking personal data in what users typed.

`find_personal_data(text)` returns the spans (start, end, kind) of e-mail addresses, phone
numbers, IBANs, BSNs, KvK numbers, addresses, personal URLs and names introduced as such;
`mask_text(text)` replaces each with a Dutch placeholder such as "[telefoonnummer]".

Identifiers are validated with maintained libraries where a check exists: phone numbers with
`phonenumbers` (Google's libphonenumber metadata), IBAN and BSN (11-proef) with `python-stdnum`.
Addresses and names are found by pattern; town, region and province names from
knowledge/regions.yml are never part of such a span (the console shows them and reviewers need
them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import btw as stdnum_btw


class Span(NamedTuple):
    start: int
    end: int
    kind: str


PLACEHOLDERS = {
    "email": "[e-mail]",
    "phone": "[telefoonnummer]",
    "iban": "[IBAN]",
    "bsn": "[BSN]",
    "kvk": "[KvK-nummer]",
    "btw": "[btw-nummer]",
    "address": "[adres]",
    "url": "[URL]",
    "name": "[naam]",
}
KINDS = tuple(PLACEHOLDERS)
# When two spans overlap, the kind listed first wins (then the longer span).
PRIORITY = {
    kind: rank for rank, kind in enumerate(["url", "email", "iban", "btw", "phone", "bsn", "kvk", "address", "name"])
}

# --- e-mail -----------------------------------------------------------------------------------

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)

# --- URLs -------------------------------------------------------------------------------------

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"']*",
    re.IGNORECASE,
)
# Sites where the first path segment (or /in/, /pub/, ...) names a person.
PROFILE_SITES = re.compile(
    r"^(?:[a-z]+\.)?(?:linkedin\.com/(?:in|pub)/|facebook\.com/(?!groups/|pages/|events/|sharer)|fb\.com/|"
    r"instagram\.com/|twitter\.com/|x\.com/|tiktok\.com/@|github\.com/|youtube\.com/@|threads\.net/@)[^/?#\s]+",
    re.IGNORECASE,
)
PERSONAL_QUERY = re.compile(
    r"[?&;](?:e-?mail|mail|naam|name|voornaam|achternaam|first_?name|last_?name|tel|telefoon|phone|mobiel|"
    r"user(?:name)?|gebruiker|bsn|token|adres|address|postcode)=[^&#\s]+",
    re.IGNORECASE,
)
URL_TRAILING = ".,;:!?)]}'\""

# --- IBAN, BSN, KvK, btw ----------------------------------------------------------------------

# Two letters, two digits, then groups of letters/digits (with or without spaces): candidates are
# shortened from the end (a following word may have been swallowed) until python-stdnum accepts one.
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,4}){2,8}\b", re.IGNORECASE)
# Not part of a longer number or an amount ("123.456.789,00", "€ 123456789").
BSN_RE = re.compile(r"(?<![\d.,\-/€$])(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .]\d{3}[ .]\d{3})(?!\d|[.,]\d)")
KVK_NUMBER_RE = re.compile(r"(?<![\d.,\-/€$])\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}(?!\d|[.,]\d)")
KVK_CONTEXT_RE = re.compile(
    r"k\.?\s?v\.?\s?k|kamer\s+van\s+koophandel|handelsregister|inschrijf(?:ings)?nummer|chamber\s+of\s+commerce",
    re.IGNORECASE,
)
KVK_WINDOW = 50  # characters between the context word and the number
BTW_RE = re.compile(r"\bNL\s?\d{9}\s?B\s?\d{2}\b", re.IGNORECASE)

# --- phone numbers ----------------------------------------------------------------------------

# A leading +, 00 or 0 (possibly in brackets), then digits with the usual separators.
PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00)[1-9][\d \-./()]{5,20}\d|(?<![\w+])\(?0[\d()][\d \-./()]{5,16}\d",
)
PHONE_TOKEN_RE = re.compile(r"[ \-./]+")

# --- addresses --------------------------------------------------------------------------------

POSTCODE = r"[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})(?![A-Za-z])"
HOUSE_NUMBER = r"\d{1,5}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:\s?[-/]\s?\d{1,4}[a-zA-Z]?|\s?(?:hs|bis|bg|huis|rood))?"
STREET_SUFFIXES = (
    "straatweg|straat|straatje|laan|laantje|weg|plein|pleintje|gracht|kade|dijk|singel|dreef|hof|park|steeg|"
    "pad|baan|markt|wal|burg|veld|plantsoen|boulevard|dam|haven|allee|passage|promenade|brink|erf"
)
# Written in lower case, only the unmistakable street words count ("kerkstraat 7", not "levering 3").
LOWER_STREET_SUFFIXES = "straatweg|straat|laan|weg|plein|gracht|kade|dijk|singel|dreef|steeg|plantsoen"
# Words ending like a street that are not streets, followed by a number ("arbeidsmarkt 2025").
NOT_STREETS = frozenset(
    """
    arbeidsmarkt loopbaan leerbaan werkveld vakgebied jaarmarkt banenmarkt vakbeurs onderweg midweg
    halfweg hof erf park pad baan markt veld dam haven wal burg weg
    """.split()
)
STREET_WORD = rf"[A-Z][a-zà-ÿ'’]*(?:{STREET_SUFFIXES})"
# "Dorpsstraat 12", "Burgemeester de Withstraat 4a", "Laan van Meerdervoort 1-3", "Oude Gracht 12".
STREET_RE = re.compile(
    rf"\b(?:[A-Z][a-zà-ÿ.]+\s(?:(?:van|de|der|den|het|ter|ten|'t)\s){{0,2}}){{0,3}}{STREET_WORD}\s{HOUSE_NUMBER}\b"
    rf"|\b(?:Laan|Plein|Kade|Weg|Singel|Dijk|Hof|Oude|Nieuwe|Korte|Lange|Achter|Voor)\s"
    rf"(?:(?:van|de|der|den|het|op|aan|'t)\s){{0,3}}[A-Z][a-zà-ÿ'’]+\s{HOUSE_NUMBER}\b"
    rf"|\b[a-z][a-zà-ÿ'’]*(?:{LOWER_STREET_SUFFIXES})\s{HOUSE_NUMBER}\b"
    rf"|\b(?i:postbus)\s\d{{1,5}}\b"
)
POSTCODE_RE = re.compile(rf"\b{POSTCODE}(?:,?\s{HOUSE_NUMBER}\b)?")
# A postcode after a street and house number, e.g. "Dorpsstraat 12, 1234 AB".
JOIN_RE = re.compile(r"^[ \t]*,?[ \t]*$")
# Two-letter tails of "1234xx" that are units or words, not postcode letters.
NOT_POSTCODE_LETTERS = frozenset(
    "km kg cm mm ml cl dl kw mw gw kb mb gb tb pk uu st ct eu nl be de en of is in op om te al ha".split()
)

# --- names ------------------------------------------------------------------------------------

NAME_WORD = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
PARTICLE = r"(?:van|de|der|den|het|ter|ten|te|op|in|'t|d'|la|le|von|el|al)"
# First name, then a surname with particles ("Kees van den Berg"), or a second name and a surname
# whose particles do not start with a lone "van" ("Jan Pieter de Vries", but "Petra Jansen" in
# "Petra Jansen van Jansen Elektro").
FULL_NAME = (
    rf"{NAME_WORD}(?:\s(?:{PARTICLE}\s){{1,3}}{NAME_WORD}"
    rf"|\s{NAME_WORD}(?:\s(?:(?:de|der|den|ter|ten|te|'t|van\sde|van\sder|van\sden)\s){NAME_WORD})?)?"
)
NAME_INTRO_RE = re.compile(
    rf"\b(?i:mijn\s+naam\s+is|ik\s+heet|naam\s*:|gegevens\s*:|contactpersoon\s*:?|(?:met\s+)?vriendelijke\s+groet(?:en)?,?|"
    rf"groet(?:en|jes)?,?|gr\.?,?|mvg,?)\s+({FULL_NAME})"
)
# Typed in lower case, a name is only recognised after "mijn naam is" / "ik heet".
LOWER_WORD = r"[a-zà-ÿ][a-zà-ÿ'’-]+"
LOWER_NAME_RE = re.compile(
    rf"\b(?i:mijn\s+naam\s+is|ik\s+heet|m'n\s+naam\s+is)\s+({LOWER_WORD}(?:\s(?:{PARTICLE}\s){{0,3}}{LOWER_WORD})?)"
)
# "Ik ben Jan de Vries": only a capitalised word that is not a common word after "ik ben".
IK_BEN_RE = re.compile(rf"\b(?i:ik\s+ben|u\s+spreekt\s+met|je\s+spreekt\s+met|spreek\s+ik\s+met)\s+({FULL_NAME})")
# "Met Jan de Vries van Bouwbedrijf X": the way Dutch phone calls open, at the start of a message.
MET_START_RE = re.compile(rf"^\s*(?i:(?:goedemorgen|goedemiddag|hallo|hoi|hai|dag)?[,!]?\s*met)\s+({FULL_NAME})")
NOT_NAMES = frozenset(
    """
    de het een ik je jij u wij we zij ze hij mijn ons onze uw jullie deze dit die dat er hier daar
    eigenaar directeur werkgever werknemer ondernemer docent leerling student stagiair bedrijf
    benieuwd bezig op zoek geinteresseerd geïnteresseerd nieuw blij niet wel graag ook nog al
    hr manager medewerker installateur monteur zzp'er zzp zzper vrijwilliger opleider praktijkopleider
    team sto stichting bv nv vof techniek technisch school mbo vmbo hbo roc college regio gemeente
    vriendelijke groet groeten met bedankt dank alvast hartelijk hoi hallo dag goedemorgen goedemiddag
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart april mei juni juli
    augustus september oktober november december contact info informatie vraag vragen subsidie
    werkzaam actief aan verantwoordelijk betrokken lid partner onderdeel aangesloten teamleider
    """.split()
) | frozenset(
    """
    en of maar uit bij voor wil wilde zou heb hebben is was werk werkt zit zitten woon woont kom kijk bel
    vanuit namens over want dus omdat als hoe wat waar wanneer welke
    """.split()
)


@lru_cache(maxsize=1)
def protected_names() -> frozenset[str]:
    """Lower-cased town, region and province names (and aliases) from knowledge/regions.yml."""
    return frozenset(n.lower() for n in _load_protected())


def _load_protected() -> set[str]:
    import yaml
    from django.conf import settings

    try:
        with open(settings.REGIONS_FILE, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, ValueError):
        return set()
    names: set[str] = set()
    for key, value in (data.get("place_aliases") or {}).items():
        names.update({str(key), str(value)})
    for region in data.get("regions") or []:
        if not isinstance(region, dict):
            continue
        names.add(str(region.get("name") or ""))
        for field in ("aliases", "provinces", "places"):
            names.update(str(v) for v in region.get(field) or [])
    return {n.strip() for n in names if n and n.strip()}


@lru_cache(maxsize=1)
def _protected_re() -> re.Pattern | None:
    names = sorted(protected_names(), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)


def protected_spans(text: str) -> list[tuple[int, int]]:
    pattern = _protected_re()
    return [(m.start(), m.end()) for m in pattern.finditer(text)] if pattern else []


# --- detectors --------------------------------------------------------------------------------


def _emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "email") for m in EMAIL_RE.finditer(text)]


def _urls(text: str) -> list[Span]:
    spans = []
    for m in URL_RE.finditer(text):
        raw = m.group(0)
        end = m.end()
        while raw and raw[-1] in URL_TRAILING:
            raw, end = raw[:-1], end - 1
        if "@" in raw and not raw.lower().startswith(("http", "www")) and "/" not in raw.split("@", 1)[0]:
            continue  # a plain e-mail address, found by _emails
        bare = re.sub(r"^(?:https?://)?(?:www\.|m\.|nl\.)?", "", raw, flags=re.IGNORECASE)
        if PROFILE_SITES.match(bare) or PERSONAL_QUERY.search(raw) or EMAIL_RE.search(raw):
            spans.append(Span(m.start(), end, "url"))
    return spans


def _iban(text: str) -> list[Span]:
    spans = []
    for m in IBAN_RE.finditer(text):
        candidate = m.group(0)
        # Shorten by whole characters from the end until valid (a following word may have been
        # swallowed by the pattern), keeping at least 15 characters (the shortest IBAN).
        for end in range(len(candidate), 14, -1):
            piece = candidate[:end]
            if piece[-1] == " ":
                continue
            if stdnum_iban.is_valid(piece):
                spans.append(Span(m.start(), m.start() + end, "iban"))
                break
    return spans


def _btw(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "btw") for m in BTW_RE.finditer(text) if stdnum_btw.is_valid(m.group(0))]


def _phones(text: str) -> list[Span]:
    spans = []
    # A capital or small O typed for the leading zero ("O6-12345678"): same length, same positions.
    text = re.sub(r"(?<![\w+])[Oo](?=\d)", "0", text)
    for m in PHONE_RE.finditer(text):
        candidate = m.group(0)
        found = _longest_valid_phone(candidate)
        if found:
            spans.append(Span(m.start(), m.start() + found, "phone"))
    return spans


def _longest_valid_phone(candidate: str) -> int:
    """Length of the longest prefix of `candidate`, cut at a separator, that is a valid number."""
    cuts = [len(candidate)] + [sep.start() for sep in reversed(list(PHONE_TOKEN_RE.finditer(candidate)))]
    for cut in cuts:
        piece = candidate[:cut].rstrip(" -./(")
        digits = sum(ch.isdigit() for ch in piece)
        if digits < 7:
            break
        if piece.count("(") != piece.count(")") and not piece.startswith("("):
            continue
        number = parse_phone(piece)
        if number is not None:
            return len(piece)
    return 0


def parse_phone(text: str) -> phonenumbers.PhoneNumber | None:
    """A valid phone number in any usual notation (Dutch numbers without country code), or None."""
    cleaned = text.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    cleaned = cleaned.replace("(0)", "")
    try:
        number = phonenumbers.parse(cleaned, "NL")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return number
    # 06 followed by eight digits is a Dutch mobile number even in ranges not (yet) handed out.
    if number.country_code == 31 and re.fullmatch(r"6\d{8}", str(number.national_number)):
        return number
    return None


def normalise_phone(text: str) -> str:
    """E.164 form ("+31612345678") of a phone number in any notation, or "" if it is none."""
    number = parse_phone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else ""


def _bsn(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "bsn") for m in BSN_RE.finditer(text) if stdnum_bsn.is_valid(m.group(0))]


def _kvk(text: str) -> list[Span]:
    contexts = [(c.start(), c.end()) for c in KVK_CONTEXT_RE.finditer(text)]
    if not contexts:
        return []
    spans = []
    for m in KVK_NUMBER_RE.finditer(text):
        near = any(
            (0 <= m.start() - c_end <= KVK_WINDOW) or (0 <= c_start - m.end() <= 15) for c_start, c_end in contexts
        )
        if near:
            spans.append(Span(m.start(), m.end(), "kvk"))
    return spans


def _addresses(text: str) -> list[Span]:
    spans = []
    for m in STREET_RE.finditer(text):
        street = re.sub(r"\s[\d\s\w/-]*$", "", m.group(0)).split()
        if street and street[-1].lower() in NOT_STREETS and len(street) == 1:
            continue
        spans.append(Span(m.start(), m.end(), "address"))
    for m in POSTCODE_RE.finditer(text):
        compact = re.sub(r"\s", "", m.group(0))
        letters = compact[4:6]
        if m.group(0)[4] != " " and letters.lower() in NOT_POSTCODE_LETTERS:
            continue
        if letters.upper() in {"SA", "SD", "SS"}:
            continue
        spans.append(Span(m.start(), m.end(), "address"))
    spans.sort()
    merged: list[Span] = []
    for span in spans:
        if merged and (span.start <= merged[-1].end or JOIN_RE.match(text[merged[-1].end : span.start])):
            merged[-1] = Span(merged[-1].start, max(span.end, merged[-1].end), "address")
        else:
            merged.append(span)
    return merged


def _names(text: str) -> list[Span]:
    spans = []
    for pattern in (NAME_INTRO_RE, LOWER_NAME_RE, IK_BEN_RE, MET_START_RE):
        for m in pattern.finditer(text):
            words = list(re.finditer(r"\S+", m.group(1)))
            # Trailing common words ("Jan en", "Petra van") are not part of the name.
            while words and (words[-1].group(0).lower() in NOT_NAMES or re.fullmatch(PARTICLE, words[-1].group(0))):
                words.pop()
            if not words or words[0].group(0).lower() in NOT_NAMES:
                continue
            spans.append(Span(m.start(1), m.start(1) + words[-1].end(), "name"))
    return spans


DETECTORS = (_emails, _urls, _iban, _btw, _phones, _bsn, _kvk, _addresses, _names)
# Found by pattern only: never allowed to cover a town, region or province name.
HEURISTIC_KINDS = frozenset({"address", "name"})


def _trim_protected(span: Span, protected: list[tuple[int, int]], text: str) -> Span | None:
    """The span without protected names: cut at the first one inside it, or dropped."""
    for p_start, p_end in protected:
        if p_start < span.end and p_end > span.start:
            if p_start > span.start:
                cut = text[span.start : p_start].rstrip(" ,.-")
                if not cut or not any(ch.isalnum() for ch in cut):
                    return None
                # A name span that stops before a place ("Jan uit Emmen") keeps its first part.
                if span.kind == "name" or re.search(r"\d", cut):
                    return Span(span.start, span.start + len(cut), span.kind)
            # The span starts inside a protected name: try what follows it.
            rest_start = p_end
            while rest_start < span.end and not text[rest_start].isalnum():
                rest_start += 1
            if rest_start >= span.end:
                return None
            rest = text[rest_start : span.end]
            if span.kind == "address" and not re.search(r"\d", rest):
                return None
            if span.kind == "name" and not rest[:1].isupper():
                return None
            return _trim_protected(Span(rest_start, span.end, span.kind), protected, text)
    return span


def find_personal_data(text: str) -> list[Span]:
    """Non-overlapping spans of personal data in `text`, in order."""
    if not text:
        return []
    candidates: list[Span] = []
    for detector in DETECTORS:
        candidates.extend(detector(text))
    if not candidates:
        return []
    protected = protected_spans(text) if any(c.kind in HEURISTIC_KINDS for c in candidates) else []
    kept: list[Span] = []
    for span in sorted(candidates, key=lambda s: (PRIORITY[s.kind], -(s.end - s.start), s.start)):
        if span.kind in HEURISTIC_KINDS and protected:
            span = _trim_protected(span, protected, text)
            if span is None:
                continue
        if any(span.start < k.end and k.start < span.end for k in kept):
            continue
        kept.append(span)
    return sorted(kept)


def mask_text(text: str) -> str:
    """`text` with every span of personal data replaced by its placeholder."""
    if not text:
        return text or ""
    spans = find_personal_data(text)
    if not spans:
        return text
    parts, position = [], 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(PLACEHOLDERS[span.kind])
        position = span.end
    parts.append(text[position:])
    return "".join(parts)
