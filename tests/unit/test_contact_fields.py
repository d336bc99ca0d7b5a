"""Reading the fields of a contact request from what companies type (actions/contact_fields.py)."""

from __future__ import annotations

import pytest

from actions import contact_fields as fields


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06-41237788", "+31641237788"),
        ("06 41 23 77 88", "+31641237788"),
        ("+31 6 1234 5678", "+31612345678"),
        ("0031 6 12345678", "+31612345678"),
        ("(0522) 451230", "+31522451230"),
        ("010-1234567", "+31101234567"),
        ("bel 020 123 4567 maar na vieren", "+31201234567"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_dutch_and_international_phone_numbers(typed, expected):
    assert fields.read_phone(typed) == expected


@pytest.mark.parametrize("typed", ["12345", "06-1234", "0612", "mijn nummer", "+31 6 1", "0000000000"])
def test_not_a_phone_number(typed):
    assert fields.read_phone(typed) is None


@pytest.mark.parametrize("typed", ["geen", "Nee", "liever niet", "n.v.t.", "alleen per mail", "-"])
def test_declining_to_give_a_phone_number(typed):
    assert fields.declines_phone(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("henk@bosman.nl", "henk@bosman.nl"),
        ("Henk.Bosman@Bosman-Grondverzet.NL", "Henk.Bosman@bosman-grondverzet.nl"),
        ("mijn mail is p.devries@devriesbouw.nl", "p.devries@devriesbouw.nl"),
        ("e-mailadres: info@metaal.example.com.", "info@metaal.example.com"),
    ],
)
def test_email_addresses(typed, expected):
    assert fields.read_email(typed) == expected


@pytest.mark.parametrize(
    "typed", ["henk at bosman punt nl", "henk@bosman", "@bosman.nl", "henk@.nl", "a@b.nl of c@d.nl", "henk bosman.nl"]
)
def test_not_one_email_address(typed):
    assert fields.read_email(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Henk Bosman", "Henk Bosman"),
        ("mijn naam is Anna de Vries.", "Anna de Vries"),
        ("Met Petra van Dijk", "Petra van Dijk"),
        ("Henk, 06-41237788", "Henk"),
        ("ik ben Jan Smit en ik werk bij Smit Bouw", "Jan Smit"),
    ],
)
def test_names(typed, expected):
    assert fields.read_name(typed) == expected


@pytest.mark.parametrize(
    "typed", ["wat is sto?", "hoe werkt dat eigenlijk", "nee", "06-41237788", "Bosman 2000", "x" * 81, "?!"]
)
def test_not_a_name(typed):
    assert fields.read_name(typed) is None


def test_a_name_is_only_prefilled_where_the_sentence_introduces_it():
    assert fields.introduced_name("mijn nummer is 06-41237788, naam Henk Bosman") == "Henk Bosman"
    assert fields.introduced_name("Mijn naam is Kees Jansen, bel me terug") == "Kees Jansen"
    assert fields.introduced_name("ik ben blij met jullie hulp, bel me terug") is None
    assert fields.introduced_name("kan iemand mij bellen?") is None


def test_company_names_keep_digits_and_signs():
    assert fields.read_company("ons bedrijf heet De Vries & Zonen B.V.") == "De Vries & Zonen B.V"
    assert fields.read_company("Metaalbouw 2000") == "Metaalbouw 2000"
    assert fields.read_company("hoe lang duurt het?") is None


def test_a_question_needs_some_words():
    assert fields.read_question("Wij willen stageplekken aanbieden.") == "Wij willen stageplekken aanbieden."
    assert fields.read_question("?") is None
    assert len(fields.read_question("lang " * 500) or "") == fields.MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    ("typed", "slot"),
    [
        ("mijn e-mailadres klopt niet", "contact_email"),
        ("het telefoonnummer moet anders", "contact_phone"),
        ("de bedrijfsnaam is fout gespeld", "contact_company"),
        ("mijn naam is verkeerd", "contact_name"),
        ("ik wil mijn vraag anders formuleren", "contact_question"),
        ("de plaats klopt niet", "contact_place"),
        ("ik wil iets aanpassen", None),
    ],
)
def test_the_field_a_correction_is_about(typed, slot):
    assert fields.field_named(typed) == slot


def test_corrections_are_told_apart_from_refusals():
    assert fields.wants_change("dat klopt niet") and fields.wants_change("ik wil iets wijzigen")
    assert not fields.wants_change("nee") and not fields.wants_change("nee, niet versturen")


def test_details_are_taken_out_of_a_sentence():
    assert fields.without_contact_details("Henk Bosman henk@bosman.nl 06-41237788") == "Henk Bosman"
    assert fields.find_email("schrijf naar info@bosman.nl a.u.b.") == "info@bosman.nl"
    assert fields.find_phone("geen nummer") is None
