"""Masking of personal data (privacy.masking), measured on tests/data/pii_corpus.yml.

The corpus marks every piece of personal data with its kind, and every town, region and
province name that must stay visible. Recall counts marked identifiers covered by a found span
of the same kind; a false positive is a found span that overlaps nothing marked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from privacy.masking import KINDS, PLACEHOLDERS, find_personal_data, mask_text, normalise_phone, protected_names

CORPUS = Path(__file__).parent / "data" / "pii_corpus.yml"
MARK = re.compile(r"\{(" + "|".join([*KINDS, "place"]) + r"):([^{}]+)\}")
IDENTIFIER_KINDS = frozenset(KINDS) - {"name"}


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Plain text and the marked spans (start, end, kind)."""
    text, spans, position = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        before = marked[position : m.start()]
        text.append(before)
        length += len(before)
        spans.append((length, length + len(m.group(2)), m.group(1)))
        text.append(m.group(2))
        length += len(m.group(2))
        position = m.end()
    text.append(marked[position:])
    return "".join(text), spans


def load_corpus() -> list[tuple[str, list[tuple[int, int, str]]]]:
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return [parse(m) for m in data["messages"]]


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def measure():
    found_total, covered, missed, false_positives, masked_places, names = 0, 0, [], [], [], [0, 0]
    expected_total = 0
    for text, expected in load_corpus():
        found = find_personal_data(text)
        found_total += len(found)
        personal = [e for e in expected if e[2] != "place"]
        for start, end, kind in personal:
            hit = any(f.kind == kind and f.start <= start and f.end >= end for f in found)
            if kind == "name":
                names[0] += 1
                names[1] += hit
                continue
            expected_total += 1
            if hit:
                covered += 1
            else:
                missed.append((text[start:end], kind, text))
        for f in found:
            if not any(overlaps((f.start, f.end), e) for e in personal):
                false_positives.append((text[f.start : f.end], f.kind, text))
        places = [e for e in expected if e[2] == "place"]
        for start, end, _ in places:
            if any(overlaps((f.start, f.end), (start, end)) for f in found):
                masked_places.append((text[start:end], text))
    return {
        "messages": len(load_corpus()),
        "identifiers": expected_total,
        "recall": covered / expected_total,
        "missed": missed,
        "false_positives": false_positives,
        "found": found_total,
        "masked_places": masked_places,
        "names": names,
    }


def test_corpus_is_large_and_varied():
    corpus = load_corpus()
    assert len(corpus) >= 150
    kinds = {kind for _, spans in corpus for *_, kind in spans}
    assert kinds >= {"email", "phone", "iban", "bsn", "kvk", "address", "url", "name", "place"}
    assert sum(1 for _, spans in corpus if not [s for s in spans if s[2] != "place"]) >= 50  # no personal data
    assert sum(1 for _, spans in corpus if len({s[2] for s in spans if s[2] != "place"}) >= 2) >= 10


def test_recall_and_false_masking_on_corpus(capsys):
    result = measure()
    with capsys.disabled():
        print(
            f"\nmasking corpus: {result['messages']} messages, {result['identifiers']} identifiers, "
            f"recall {result['recall']:.3f}, names {result['names'][1]}/{result['names'][0]}, "
            f"false positives {len(result['false_positives'])} of {result['found']} spans, "
            f"masked town/region/province names {len(result['masked_places'])}"
        )
        for item in result["missed"]:
            print("  missed:", item)
        for item in result["false_positives"]:
            print("  false positive:", item)
    assert result["recall"] >= 0.98, result["missed"]
    assert result["masked_places"] == []
    assert len(result["false_positives"]) <= 3, result["false_positives"]
    assert result["names"][1] >= 0.9 * result["names"][0]


def test_unmarked_region_names_in_corpus_stay_visible():
    """Not only the marked ones: any name from regions.yml outside a marked span stays."""
    from privacy.masking import protected_spans

    for text, expected in load_corpus():
        personal = [e for e in expected if e[2] != "place"]
        found = find_personal_data(text)
        for span in protected_spans(text):
            if any(overlaps(span, e) for e in personal):
                continue
            assert not any(overlaps(span, (f.start, f.end)) for f in found), (text, text[span[0] : span[1]])


def test_no_town_region_or_province_name_is_ever_masked():
    names = sorted(protected_names())
    assert len(names) > 200  # read from knowledge/regions.yml
    templates = [
        "Wij zitten in {} met 12 medewerkers",
        "Mijn naam is Jan en ik kom uit {}",
        "Ik ben {}",
        "Met {}",
        "Groeten uit {}",
        "Groeten, {}",
        "Dorpsstraat 12 {}",
        "Stationsweg 4, 1234 AB {}",
        "Naam: {}",
        "Contactpersoon: {}, regio {}",
        "ik heet {}",
        "mijn naam is {}",
    ]
    for name in names:
        for template in templates:
            for variant in (name, name.lower(), name.title()):
                text = template.format(variant, variant)
                masked = mask_text(text)
                assert masked.lower().count(name.lower()) == text.lower().count(name.lower()), (text, masked)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Bel 06-12345678.", "Bel [telefoonnummer]."),
        ("mail a.b@c.nl of bel (020) 123 45 67", "mail [e-mail] of bel [telefoonnummer]"),
        ("IBAN NL91 ABNA 0417 1643 00 graag", "IBAN [IBAN] graag"),
        ("IBAN NL91 ABNA 0417 1643 01 graag", "IBAN NL91 ABNA 0417 1643 01 graag"),  # check digits wrong
        ("bsn 111222333", "bsn [BSN]"),
        ("bsn 111222334", "bsn 111222334"),  # fails the 11-proef
        ("KvK 12345678", "KvK [KvK-nummer]"),
        ("we hebben 12345678 euro omzet", "we hebben 12345678 euro omzet"),  # no KvK context
        ("Dorpsstraat 12, 1234 AB Zevenbergen", "[adres] Zevenbergen"),
        ("zie linkedin.com/in/jan-jansen en www.bedrijf.nl", "zie [URL] en www.bedrijf.nl"),
        ("Mijn naam is Jan de Vries en ik werk in Emmen", "Mijn naam is [naam] en ik werk in Emmen"),
        ("10% groei in 2025-2028, €4 miljoen, 12 medewerkers", "10% groei in 2025-2028, €4 miljoen, 12 medewerkers"),
    ],
)
def test_mask_text_examples(text, expected):
    assert mask_text(text) == expected


def test_placeholders_are_dutch_and_cover_every_kind():
    assert set(PLACEHOLDERS) == set(KINDS)
    assert PLACEHOLDERS["phone"] == "[telefoonnummer]" and PLACEHOLDERS["email"] == "[e-mail]"


@pytest.mark.parametrize(
    "notation",
    [
        "06-12345678",
        "06 1234 5678",
        "0612345678",
        "+31 6 12345678",
        "0031612345678",
        "+31 (0)6 12345678",
        "+31612345678",
    ],
)
def test_phone_numbers_normalise_to_one_form(notation):
    assert normalise_phone(notation) == "+31612345678"


def test_not_a_phone_number():
    assert normalise_phone("2025-2028") == ""
    assert normalise_phone("hallo") == ""
