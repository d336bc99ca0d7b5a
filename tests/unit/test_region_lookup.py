"""The region lookup on the real knowledge/regions.yml, over many kinds of input."""

from __future__ import annotations

import pytest

from sto_assistent.settings import REGIONS_FILE
from sto_regions import RegionIndex, load_region_file


@pytest.fixture(scope="module")
def index() -> RegionIndex:
    return RegionIndex(load_region_file(REGIONS_FILE))


# (what the user typed, expected kind, expected region ids)
CASES = [
    # exact places
    ("Zwolle", "place", {"zwolle"}),
    ("Heerenveen", "place", {"zuidfriesland"}),
    ("Emmeloord", "place", {"noordoostpolderenurk"}),
    ("Deventer", "place", {"deventertwello"}),
    ("Tilburg", "place", {"middenbrabant"}),
    ("Alphen aan den Rijn", "place", {"alphen-aan-den-rijn"}),
    ("Capelle aan den IJssel", "place", {"capelle"}),
    ("Bergen op Zoom", "place", {"brabantse-wal"}),
    ("Wijk bij Duurstede", "place", {"debiltwijkbijduurstedeenzeist"}),
    ("Ter Apel", "place", {"emmenterapel"}),
    # case, diacritics, hyphens, 's- forms and aliases
    ("zwolle", "place", {"zwolle"}),
    ("DEVENTER", "place", {"deventertwello"}),
    ("Damwald", "place", {"noordoostfriesland"}),
    ("Sudwest-Fryslan", "place", {"zuidwest-friesland"}),
    ("'s-Hertogenbosch", "place", {"noordoost-brabant"}),
    ("s hertogenbosch", "place", {"noordoost-brabant"}),
    ("Hertogenbosch", "place", {"noordoost-brabant"}),
    ("Den Bosch", "place", {"noordoost-brabant"}),
    ("den bosch", "place", {"noordoost-brabant"}),
    ("'s-Gravenhage", "place", {"haaglanden"}),
    ("Sittard", "place", {"zuid-limburg"}),
    ("Capelle", "place", {"capelle"}),
    # surrounding words and whole sentences
    ("gemeente Oss", "place", {"noordoost-brabant"}),
    ("regio Twente", "region", {"twente"}),
    ("STO Zeeland", "region", {"stozeeland"}),
    ("wij zitten in Harderwijk", "place", {"noordwestveluwe"}),
    ("ons bedrijf is gevestigd in Hoofddorp, vlakbij Schiphol", "place", {"haarlemmermeer-duin-en-bollenstreek-noord"}),
    ("Apeldoorn e.o.", "place", {"apeldoorn-eo"}),
    ("Harderwijk en omgeving", "place", {"noordwestveluwe"}),
    # typos
    ("Zwole", "place", {"zwolle"}),
    ("Amersfort", "place", {"amersfoort-eo"}),
    ("Apeldorn", "place", {"apeldoorn-eo"}),
    ("Eindhovn", "place", {"eindhoven"}),
    ("Harderwyk", "place", {"noordwestveluwe"}),
    ("we zitten in Nijmegn", "place", {"rijk-van-nijmegen"}),
    ("Ymuiden", "place", {"ijmond-en-zuid-kennemerland"}),
    # region names, aliases and ids
    ("Foodvalley", "region", {"foodvalley"}),
    ("Food Valley", "region", {"foodvalley"}),
    ("Tech op Zuid", "region", {"rotterdamzuid"}),
    ("STOHA", "region", {"haaglanden"}),
    ("foodvalley", "region", {"foodvalley"}),
    ("noo-zod", "region", {"noo-zod"}),
    # ambiguous places: every region is returned
    ("Wageningen", "place", {"foodvalley", "riverlandtechexplorers"}),
    ("Opsterland", "place", {"zuidfriesland", "zuidoost-friesland"}),
]

# (what the user typed, the province as the data file writes it)
PROVINCES = [("Flevoland", "Flevoland"), ("provincie Limburg", "Limburg"), ("friesland", "Friesland")]

NOT_FOUND = [
    "Parijs",
    "Antwerpen",
    "Keulen",
    "Bonaire",
    "Oud-Vossemeer",
    "asdfghjkl",
    "het weer op Mars",
    "ik weet het niet",
]
EMPTY = ["", "   ", "!!!", "🙂", None]


@pytest.mark.parametrize("query, kind, region_ids", CASES)
def test_finds_region(index, query, kind, region_ids):
    result = index.find(query)
    assert result.kind == kind, (query, result)
    assert {region.id for region in result.regions} == region_ids


@pytest.mark.parametrize("query, province", PROVINCES)
def test_a_province_finds_every_region_in_it(index, query, province):
    result = index.find(query)
    assert result.kind == "province"
    expected = {r.id for r in index.data.regions if province in r.provinces}
    assert len(expected) >= 2 and {region.id for region in result.regions} == expected


@pytest.mark.parametrize("query", NOT_FOUND)
def test_unknown_or_foreign_place_is_not_found(index, query):
    result = index.find(query)
    assert result.kind == "not_found" and not result.found


@pytest.mark.parametrize("query", EMPTY)
def test_empty_or_symbol_only_input(index, query):
    result = index.find(query)
    assert result.kind == "empty" and not result.found


def test_longest_name_in_a_sentence_wins(index):
    result = index.find("Ons bedrijf zit in West-Brabant Midden")
    assert [r.id for r in result.regions] == ["west-brabant-midden"]
    assert result.matched_key == "west brabant midden"


def test_typo_match_is_marked_fuzzy(index):
    assert index.find("Zwole").fuzzy
    assert not index.find("Zwolle").fuzzy


def test_short_names_need_an_exact_match(index):
    # "Ede" and "Epe" are both places: one letter must not swap regions.
    assert {r.id for r in index.find("Ede").regions} == {"foodvalley"}
    assert {r.id for r in index.find("Epe").regions} == {"apeldoorn-eo"}
    assert index.find("Edo").kind == "not_found"


def test_find_by_place_and_province_are_strict(index):
    assert index.find_by_place("Flevoland").kind == "not_found"
    assert index.find_by_province("Zwolle").kind == "not_found"
    assert index.find_by_province("Zeeland").kind == "province"


@pytest.mark.parametrize("region_id", [r.id for r in load_region_file(REGIONS_FILE).regions])
def test_every_region_is_found_by_one_of_its_places(index, region_id):
    region = index.region(region_id)
    found_by = [p for p in region.places if region_id in {r.id for r in index.find(p).regions}]
    assert found_by, f"no place of {region_id} finds it"
