"""`sto_regions.resolve`: which region a message means, on the real region data file."""

from __future__ import annotations

import pytest
import yaml

from sto_assistent.settings import REGIONS_FILE
from sto_regions import RegionIndex, parse_region_data, resolve
from sto_regions.resolve import SOURCE_MESSAGE, SOURCE_NONE, SOURCE_REMEMBERED


def one_region(region_index, place: str) -> str:
    regions = region_index.find(place).regions
    assert len(regions) == 1, place
    return regions[0].id


@pytest.mark.parametrize(
    "text, place",
    [
        ("wij zijn een metaalbedrijf in Deventer, mag onze bijdrage ook in uren?", "Deventer"),
        ("ik heb een bedrijf in ede en wil meedoen", "Ede"),
        ("goedemiddag, installatiebedrijf uit apeldoorn hier", "Apeldoorn"),
        ("wij zitten in harderwyk", "Harderwijk"),
        ("Bouwbedrijf Jansen, gevestigd te Zwolle. Hoe doen we mee?", "Zwolle"),
    ],
)
def test_a_place_named_in_passing_is_found_whatever_the_question(region_index, text, place):
    resolution = resolve(region_index, text)
    assert resolution.source == SOURCE_MESSAGE
    assert resolution.region is not None and resolution.region.id == one_region(region_index, place)


@pytest.mark.parametrize(
    "text",
    [
        "wat is het beste voor ons bedrijf?",  # "Best" is a place, "beste" an ordinary word
        "Best bedankt!",
        "hoeveel kost het ons?",
        "Leuk, dank je",
    ],
)
def test_ordinary_words_are_not_taken_for_places(region_index, text):
    assert resolve(region_index, text).source == SOURCE_NONE


def test_a_typo_counts_only_after_a_locative_word(region_index):
    assert resolve(region_index, "we zitten in Zwole").region.id == one_region(region_index, "Zwolle")
    assert resolve(region_index, "Zwole").source == SOURCE_NONE
    assert resolve(region_index, "Zwole", lenient=True).region.id == one_region(region_index, "Zwolle")


def test_a_place_wins_over_the_province_named_with_it(region_index):
    resolution = resolve(region_index, "nee, ik bedoel Deventer in Overijssel")
    assert resolution.region.id == one_region(region_index, "Deventer")


def test_a_place_in_several_regions_is_narrowed_by_the_province():
    # A place name shared by two regions in different provinces (as Hengelo is in reality).
    raw = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))
    first = raw["regions"][0]
    other = next(r for r in raw["regions"] if not set(r["provinces"]) & set(first["provinces"]))
    for region in (first, other):
        region["places"].append("Dubbeldorp")
    index = RegionIndex(parse_region_data(yaml.safe_dump(raw, allow_unicode=True), "test"))
    assert resolve(index, "Dubbeldorp", ["Dubbeldorp"]).region is None, "ambiguous on its own"
    province = other["provinces"][0]
    narrowed = resolve(index, f"wij zitten in Dubbeldorp in {province}", ["Dubbeldorp", province])
    assert narrowed.region is not None and narrowed.region.id == other["id"]


def test_entity_values_come_first_and_the_longest_wins(region_index):
    resolution = resolve(region_index, "in west-brabant midden", ["West-Brabant", "West-Brabant Midden"])
    assert resolution.region.id == region_index.find("West-Brabant Midden").regions[0].id


def test_nothing_named_falls_back_on_the_remembered_region(region_index):
    remembered = region_index.data.regions[5]
    resolution = resolve(region_index, "en bij wie moet ik dan zijn?", remembered_region_id=remembered.id)
    assert resolution.source == SOURCE_REMEMBERED and resolution.region == remembered
    newer = resolve(region_index, "we zitten toch in Zwolle", remembered_region_id=remembered.id)
    assert newer.source == SOURCE_MESSAGE and newer.region.id == one_region(region_index, "Zwolle")


def test_an_unknown_name_is_reported_not_replaced_by_memory(region_index):
    remembered = region_index.data.regions[5]
    resolution = resolve(region_index, "Antwerpen", ["Antwerpen"], remembered.id, lenient=True)
    assert resolution.source == SOURCE_MESSAGE and resolution.result is not None
    assert not resolution.result.found and resolution.region is None


def test_a_province_alone_is_no_single_region(region_index):
    resolution = resolve(region_index, "wij zitten in Gelderland")
    assert resolution.result.kind == "province" and resolution.region is None


@pytest.mark.parametrize(
    "text, name",
    [
        ("welke regio is Schiermonnikoog?", "Schiermonnikoog"),
        ("ons hoofdkantoor is in Kleef, net over de grens", "Kleef"),
        ("wij zitten in keulen, kunnen we meedoen", "keulen"),
        ("parijs", "parijs"),
        ("Bij welke regio hoort mijn bedrijf?", None),
        ("bij welke STO-regio horen wij eigenlijk", None),
        ("mailadres?", None),
        ("zoek mijn regio", None),
        ("contactpersoon daar?", None),
    ],
)
def test_a_region_question_naming_an_unknown_place_says_so(region_index, text, name):
    resolution = resolve(region_index, text, lenient=True, remembered_region_id=None)
    if name is None:
        assert resolution.source == SOURCE_NONE
    else:
        assert resolution.source == SOURCE_MESSAGE and resolution.result.kind == "not_found"
        assert resolution.result.query == name
