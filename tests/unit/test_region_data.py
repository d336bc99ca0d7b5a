"""The region data file: the real file is valid and sound; broken files fail clearly."""

from __future__ import annotations

import copy
import os
import re

import pytest
import yaml

from sto_assistent.settings import PROJECT_DIR, REGIONS_FILE
from sto_regions import RegionDataError, load_region_file, parse_region_data
from sto_regions.schema import describe_counts

# The research the file was built from; beside the checkout on developers' machines and in CI.
SOURCE_CSV = PROJECT_DIR.parent / "shared" / "sto" / "regions.csv"


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))


def test_real_file_loads_with_every_region(raw):
    data = load_region_file(REGIONS_FILE)
    regions, places, aliases = describe_counts(data)
    assert regions == len(raw["regions"]) >= 70
    assert places > 150 and aliases > 50


def test_every_csv_region_is_in_the_file(raw):
    if not SOURCE_CSV.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SOURCE_CSV} is missing: CI runs with shared/ beside the checkout")
        pytest.skip("shared/sto/regions.csv is not beside this checkout")
    import csv

    with SOURCE_CSV.open(encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert len(raw["regions"]) == len(csv_rows)
    slugs = {row["slug"] for row in csv_rows if row["slug"]}
    assert slugs <= {region["id"] for region in raw["regions"]}


def test_no_personal_contact_details(raw):
    text = REGIONS_FILE.read_text(encoding="utf-8")
    emails = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text))
    assert emails == {raw["national_contact"]["email"]}, "only the national address may be in the file"
    assert not re.search(r"\b0\d{1,3}[- ]?\d{6,8}\b", text), "phone number in the data file"


def test_uncertain_names_are_flagged(raw):
    flagged = {r["id"] for r in raw["regions"] if r["name_uncertain"]}
    assert "waterland" in flagged and "zwolle" not in flagged


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _broken(raw: dict, change) -> str:
    data = copy.deepcopy(raw)
    change(data)
    return _dump(data)


def _first(data: dict) -> dict:
    return data["regions"][0]


FIRST_ID = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))["regions"][0]["id"]

BROKEN = [
    ("missing field", lambda d: _first(d).pop("name"), FIRST_ID, "name"),
    ("empty places", lambda d: _first(d).update(places=[]), FIRST_ID, "places"),
    ("duplicate id", lambda d: d["regions"][1].update(id=_first(d)["id"]), FIRST_ID, "id"),
    ("bad id", lambda d: _first(d).update(id="Zuid Friesland"), "Zuid Friesland", "id"),
    ("bad url", lambda d: _first(d).update(url="www.example.nl/regio"), FIRST_ID, "url"),
    ("bad source url", lambda d: _first(d).update(sources=["ftp://x"]), FIRST_ID, "sources"),
    ("contact without url", lambda d: _first(d).update(url=None), FIRST_ID, "contact"),
    ("unknown contact", lambda d: _first(d).update(contact="phone"), FIRST_ID, "contact"),
    ("flag not bool", lambda d: _first(d).update(name_uncertain="ja"), FIRST_ID, "name_uncertain"),
    (
        "alias to unknown place",
        lambda d: d["place_aliases"].update({"Sneek": "Sneek-Centrum"}),
        "place_aliases.Sneek",
        "(value)",
    ),
    ("bad national e-mail", lambda d: d["national_contact"].update(email="geen"), "national_contact", "email"),
    ("wrong version", lambda d: d.update(version=2), "(file)", "version"),
]


@pytest.mark.parametrize("label, change, entry, field", BROKEN, ids=[b[0] for b in BROKEN])
def test_malformed_file_names_file_entry_and_field(raw, label, change, entry, field):
    with pytest.raises(RegionDataError) as error:
        parse_region_data(_broken(raw, change), "regions-test.yml")
    assert error.value.origin == "regions-test.yml"
    assert error.value.entry == entry
    assert error.value.field == field
    assert "regions-test.yml" in str(error.value) and field in str(error.value)


def test_invalid_yaml_and_unreadable_file(tmp_path):
    with pytest.raises(RegionDataError, match="not valid YAML"):
        parse_region_data("regions: [unclosed", "x.yml")
    with pytest.raises(RegionDataError, match="cannot be read"):
        load_region_file(tmp_path / "missing.yml")
