"""Input cleaning before NLU and storage."""

from __future__ import annotations

import pytest

from channels.input_guard import (
    UNREADABLE_PAYLOAD,
    clean_metadata,
    clean_text,
    max_message_chars,
    valid_sender_id,
)


@pytest.mark.parametrize("raw", ["", "   ", "\n\t ", None, "🙂🙂", "???", "\u0000", "\u200b\u200b"])
def test_nothing_readable_becomes_the_nonsense_payload(raw):
    cleaned = clean_text(raw)
    assert cleaned.text == UNREADABLE_PAYLOAD and cleaned.unreadable


def test_nul_and_control_characters_are_removed():
    assert clean_text("Hoe\u0000veel\u0007 kost\u200b het?").text == "Hoeveel kost het?"


def test_lone_surrogates_are_removed():
    assert clean_text("stage\ud800 aanbieden").text == "stage aanbieden"


def test_long_message_is_cut_at_a_word_boundary():
    cleaned = clean_text("stage " * 3000, limit=1000)
    assert cleaned.truncated and len(cleaned.text) <= 1000 and cleaned.text.endswith("stage")


def test_default_limit_is_documented_value(monkeypatch):
    monkeypatch.delenv("MAX_MESSAGE_CHARS", raising=False)
    assert max_message_chars() == 1000
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "300")
    assert max_message_chars() == 300


def test_intent_payloads_pass_but_paths_do_not():
    assert clean_text("/find_region").text == "/find_region"
    assert clean_text('/find_region{"place": "foodvalley"}').text.startswith("/find_region{")
    assert clean_text("/etc/passwd").text == "etc/passwd"


def test_html_stays_text():
    assert clean_text("<script>alert(1)</script>").text == "<script>alert(1)</script>"


def test_metadata_is_cleaned_and_bounded():
    cleaned = clean_metadata({"a\u0000": "x\u0000y", "deep": {"l": [1, {"m": "n\u0000"}]}})
    assert cleaned == {"a": "xy", "deep": {"l": [1, {"m": "n"}]}}


@pytest.mark.parametrize(
    "sender, ok",
    [
        ("3f1c2a9e-0d4b-4a8e-9c1e-6b2f0a7d5e11", True),
        ("3F1C2A9E-0D4B-4A8E-9C1E-6B2F0A7D5E11", True),
        ("3f1c2a9e0d4b4a8e9c1e6b2f0a7d5e11", True),  # uuid4().hex
        ("3f1c2a9e-0d4b4a8e-9c1e-6b2f0a7d5e11", False),  # hyphens: all or none
        ("3f1c2a9e-0d4b-1a8e-9c1e-6b2f0a7d5e11", False),  # version 1: partly a clock
        ("3f1c2a9e-0d4b-4a8e-7c1e-6b2f0a7d5e11", False),  # not the RFC variant
        ("00000000-0000-0000-0000-000000000001", False),
        ("1", False),
        ("abc_DEF.1:2@x-y", False),
        ("", False),
        (None, False),
        ("a b", False),
        ("x\u0000", False),
        ("a" * 129, False),
    ],
)
def test_sender_ids(sender, ok):
    assert valid_sender_id(sender) is ok
