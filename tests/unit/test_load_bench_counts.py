"""scripts/load_bench.py: how stored messages are checked against the messages sent. A
message answered "not processed" may be missing; an accepted one may not, nor may the stored
ones be out of order."""

from __future__ import annotations

import importlib.util
import sys

from sto_assistent.settings import PROJECT_DIR

_spec = importlib.util.spec_from_file_location("load_bench", PROJECT_DIR / "scripts" / "load_bench.py")
assert _spec and _spec.loader
load_bench = importlib.util.module_from_spec(_spec)
sys.modules["load_bench"] = load_bench  # its dataclasses look their module up
_spec.loader.exec_module(load_bench)
check = load_bench.missing_and_disordered


def test_all_stored_in_order():
    assert check(["a", "b", "c"], [("a", True), ("b", True), ("c", True)]) == (0, False)


def test_a_refused_message_may_be_missing_or_stored():
    assert check(["a", "c"], [("a", True), ("b", False), ("c", True)]) == (0, False)
    assert check(["a", "b", "c"], [("a", True), ("b", False), ("c", True)]) == (0, False)


def test_an_accepted_message_missing_is_lost():
    assert check(["a", "c"], [("a", True), ("b", True), ("c", True)]) == (1, False)


def test_stored_out_of_order_or_unknown_is_disorder():
    assert check(["a", "c", "b"], [("a", True), ("b", True), ("c", True)])[1] is True
    assert check(["a", "x"], [("a", True)]) == (0, True)
