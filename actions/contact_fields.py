"""The fields of a contact request, read from what a company types. Pure Python.

Each `read_*` function returns the cleaned value, or None when the text is not a usable
answer (the form then says why and asks again). E-mail addresses and phone numbers are also
found anywhere in a message (`find_email`, `find_phone`), so "Henk, 06-41237788" fills both
the name and the phone, and a correction such as "mijn mail is eigenlijk x@y.nl" works at
any step.
"""

from __future__ import annotations

import re

import phonenumbers

MAX_NAME_CHARS = 80
MAX_COMPANY_CHARS = 120
MAX_QUESTION_CHARS = 600
MIN_QUESTION_LETTERS = 3

# "naam@domein.nl": one @, a dot in the domain, a top-level domain of letters.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_SPACES = re.compile(r"\s+")
_NAME_PREFIX = re.compile(
    r"^(?:(?:hallo|hoi|goedemorgen|goedemiddag|goedenavond)[,!]?\s+)?"
    r"(?:mijn naam is|de naam is|ik ben|ik heet|naam is|naam:?|met|u spreekt met|dit is)\s+",
    re.IGNORECASE,
)
_COMPANY_PREFIX = re.compile(
    r"^(?:(?:ons|mijn|het) bedrijf (?:heet|is)|bedrijfsnaam:?|de bedrijfsnaam is|bedrijf:?|"
    r"wij zijn|we zijn|ik werk bij|ik ben van|namens)\s+",
    re.IGNORECASE,
)
_EMAIL_PREFIX = re.compile(r"^(?:mijn )?(?:e-?mail(?:adres)?|mail(?:adres)?)(?: is|:)?\s*", re.IGNORECASE)
# Name in a sentence that introduces it: "mijn naam is Henk Bosman, ..." (not "ik ben blij").
_INTRODUCED_NAME = re.compile(
    r"\b(?i:mijn naam is|ik heet|naam:?)\s+"
    r"([A-ZÀ-Ý][\w'’-]+(?:\s+(?:van|de|der|den|ter|ten|het|te|in 't|'t|[A-ZÀ-Ý][\w'’-]+)){0,4})",
)
_TRAILING_WORDS = re.compile(r"\s+(?:van|de|der|den|ter|ten|het|te|en|in 't|'t)$", re.IGNORECASE)
_NO_PHONE_ANSWERS = {
    "nee",
    "neen",
    "nee dank u",
    "nee bedankt",
    "geen",
    "geen nummer",
    "geen telefoon",
    "geen telefoonnummer",
    "liever niet",
    "niet",
    "nvt",
    "n.v.t.",
    "n.v.t",
    "overslaan",
    "sla over",
    "sla maar over",
    "hoeft niet",
    "niet nodig",
    "alleen mail",
    "alleen e-mail",
    "alleen per mail",
    "mail is genoeg",
    "-",
}
_QUESTION_WORDS = ("wat ", "hoe ", "waar ", "wanneer ", "waarom ", "wie ", "welke ", "kan ", "kunt ", "mag ", "moet ")


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip().strip(".,;:!").strip()


def find_email(text: str) -> str | None:
    """The first e-mail address in the text, its domain in lower case."""
    match = _EMAIL.search(text or "")
    if match is None:
        return None
    local, domain = match.group(0).rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def find_phone(text: str) -> str | None:
    """The first valid phone number in the text (Dutch or international), as +31612345678."""
    for match in phonenumbers.PhoneNumberMatcher(text or "", "NL", leniency=phonenumbers.Leniency.VALID):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def without_contact_details(text: str) -> str:
    """The text with e-mail addresses and phone numbers taken out."""
    text = _EMAIL.sub(" ", text or "")
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID))):
        text = text[: match.start] + " " + text[match.end :]
    return _tidy(re.sub(r"\s[,;]\s", " ", text))


def looks_like_question(text: str) -> bool:
    folded = (text or "").strip().lower()
    return folded.endswith("?") or folded.startswith(_QUESTION_WORDS)


def read_name(text: str) -> str | None:
    """A person's name: letters, at most eight words, no question, digits or e-mail."""
    name = _tidy(_NAME_PREFIX.sub("", without_contact_details(text)))
    name = _tidy(re.split(r"[,;]| van (?:het )?bedrijf| en (?:ik|mijn|ons|we|wij)\b", name)[0])
    if not name or len(name) > MAX_NAME_CHARS or looks_like_question(text):
        return None
    if any(ch.isdigit() for ch in name) or "@" in name or len(name.split()) > 8:
        return None
    if not any(ch.isalpha() for ch in name) or name.lower() in _NO_PHONE_ANSWERS:
        return None
    return name


def introduced_name(text: str) -> str | None:
    """The name in "mijn naam is Henk Bosman, ...", for pre-filling; None if not introduced."""
    match = _INTRODUCED_NAME.search(text or "")
    return _TRAILING_WORDS.sub("", match.group(1)).strip() if match else None


def read_company(text: str) -> str | None:
    """A company name: any characters a trade name has, but not a question or an address."""
    company = _tidy(_COMPANY_PREFIX.sub("", without_contact_details(text)))
    if not company or len(company) > MAX_COMPANY_CHARS or looks_like_question(text):
        return None
    if not any(ch.isalpha() for ch in company) or company.lower() in _NO_PHONE_ANSWERS:
        return None
    return company


def read_email(text: str) -> str | None:
    """The e-mail address the answer consists of ("mijn mail is x@y.nl" counts too)."""
    candidate = _tidy(_EMAIL_PREFIX.sub("", (text or "").strip()))
    found = find_email(candidate)
    return found if found is not None and len(_EMAIL.findall(candidate)) == 1 else None


def declines_phone(text: str) -> bool:
    return _tidy(text).lower() in _NO_PHONE_ANSWERS


def read_phone(text: str) -> str | None:
    """A valid phone number in the answer, as +31612345678."""
    return find_phone(text)


def read_question(text: str) -> str | None:
    question = _SPACES.sub(" ", text or "").strip()
    if sum(ch.isalpha() for ch in question) < MIN_QUESTION_LETTERS:
        return None
    return question[:MAX_QUESTION_CHARS]


# Which field a correction is about ("mijn e-mailadres klopt niet"), first match wins.
FIELD_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("contact_email", ("e-mail", "email", "mail", "mailadres")),
    ("contact_phone", ("telefoon", "nummer", "tel.", "tel ", "mobiel", "06")),
    ("contact_company", ("bedrijf", "firma", "organisatie", "zaak")),
    ("contact_question", ("vraag", "bericht", "omschrijving")),
    ("contact_place", ("plaats", "regio", "gemeente", "vestiging")),
    ("contact_name", ("naam", "achternaam", "voornaam", "heet")),
)


_CHANGE_WORDS = re.compile(r"klopt|fout|verkeerd|wijzig|aanpass|verander|corrig|anders", re.IGNORECASE)


def wants_change(text: str) -> bool:
    """ "dat klopt niet", "iets aanpassen": a correction, not a refusal."""
    return _CHANGE_WORDS.search(text or "") is not None


def field_named(text: str) -> str | None:
    """The form slot a correction names, or None."""
    folded = f" {(text or '').lower()} "
    for slot, words in FIELD_WORDS:
        if any(word in folded for word in words):
            return slot
    return None
