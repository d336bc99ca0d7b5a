"""Turn what users type into comparable keys.

"'s-Hertogenbosch", "S HERTOGENBOSCH" and "s-hertogenbosch" all become "s hertogenbosch";
"Damwâld" becomes "damwald", "IJmuiden" becomes "ymuiden". Surrounding words such as "gemeente" or "regio" are dropped.
"""

from __future__ import annotations

import re
import unicodedata

# Words users put around a place name that never belong to it.
_PREFIX_WORDS = (
    "gemeente",
    "gem",
    "regio",
    "sto",
    "provincie",
    "prov",
    "stad",
    "dorp",
    "plaats",
    "omgeving",
    "rondom",
    "rond",
    "bij",
    "in",
    "te",
    "uit",
    "van",
    "nabij",
    "buurt",
)
_SUFFIX_PHRASES = ("e o", "eo", "en omstreken", "en omgeving", "e.o", "omgeving", "regio")

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase, strip diacritics, turn hyphens/apostrophes/punctuation into spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # "ij" and "y" are interchangeable in Dutch typing (Harderwyk, Nymegen).
    return _NON_WORD.sub(" ", without_marks.lower().replace("ij", "y")).strip()


def strip_surrounding_words(key: str) -> str:
    """Remove "gemeente", "regio", "e.o." and similar from the edges of a folded key."""
    words = key.split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[0] in _PREFIX_WORDS:
            words = words[1:]
            changed = True
            continue
        for phrase in _SUFFIX_PHRASES:
            tail = phrase.split()
            if len(words) > len(tail) and words[-len(tail) :] == tail:
                words = words[: -len(tail)]
                changed = True
                break
    return " ".join(words)


def name_keys(name: str) -> list[str]:
    """All keys under which a name from the data file is indexed."""
    key = fold(name)
    keys = {key, strip_surrounding_words(key)}
    # "'s-Hertogenbosch" is also typed as "Hertogenbosch"; "'s-Gravenhage" as "Gravenhage".
    for variant in list(keys):
        if variant.startswith("s ") and len(variant) > 2:
            keys.add(variant[2:])
    # Names with a bracketed part ("Zwolle (STO Regio Zwolle)") are also typed without it.
    if "(" in name:
        keys.add(fold(name.split("(")[0]))
    return [k for k in keys if k]


def query_key(text: str) -> str:
    """The key for a whole user query."""
    return strip_surrounding_words(fold(text))
