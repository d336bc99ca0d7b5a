"""The circuit breaker behind the action-server and database guards (sto_assistent/circuit.py)."""

from __future__ import annotations

import logging
import time

from sto_assistent.circuit import Circuit


def test_a_failure_stops_calls_until_the_retry_time_then_lets_one_probe_through():
    circuit = Circuit("Database", retry_seconds=0.2)
    assert circuit.allow() and not circuit.is_down
    circuit.failed("refused")
    assert circuit.is_down and circuit.reason == "refused"
    assert not circuit.allow(), "calls go through while the dependency is known down"
    time.sleep(0.25)
    assert circuit.allow(), "no probe after the retry time"
    assert not circuit.allow(), "a second probe while the first is still out"
    circuit.succeeded()
    assert not circuit.is_down and circuit.reason == "" and circuit.allow() and circuit.allow()


def test_a_failed_probe_waits_another_retry_period():
    circuit = Circuit("Database", retry_seconds=0.2)
    circuit.failed("refused")
    time.sleep(0.25)
    assert circuit.allow()
    circuit.failed("still refused")
    assert not circuit.allow() and circuit.reason == "still refused"


def test_the_operator_gets_one_line_when_it_goes_down_and_one_when_it_is_back(caplog):
    circuit = Circuit("Action server", retry_seconds=10)
    with caplog.at_level(logging.WARNING, logger="sto_assistent.circuit"):
        for _ in range(5):
            circuit.failed("no answer within 3 s")
        circuit.succeeded()
        circuit.succeeded()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert "Action server is unavailable (no answer within 3 s)" in lines[0]
    assert lines[1].startswith("Action server is back")
