"""The offline dependency audit (`make audit`): it flags vulnerable versions, passes fixed and
mitigated ones, and fails, never passes, when it cannot check (snapshot missing, malformed or
stale, a venv unreadable). Venvs are stand-in interpreters that print a package list."""

from __future__ import annotations

import datetime as dt
import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version

from sto_assistent import audit, audit_refresh
from sto_assistent.advisories import (
    SNAPSHOT_FORMAT,
    AuditDataError,
    load_mitigations,
    load_snapshot,
    parse_snapshot,
)
from sto_assistent.settings import ADVISORIES_FILE, MITIGATIONS_FILE
from sto_assistent.venv_packages import Venv, VenvUnreadable, installed_packages

TODAY = dt.date(2026, 12, 2)


def advisory(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "CVE-2026-48804",
        "package": "python-socketio",
        "summary": "memory exhaustion through binary attachments",
        "ranges": [{"introduced": "0", "fixed": "5.16.2"}],
        "fixed": ["5.16.2"],
    }
    entry.update(overrides)
    return entry


def snapshot_data(*entries: dict[str, Any], reviewed: str = "2026-11-30") -> dict[str, Any]:
    return {"format": SNAPSHOT_FORMAT, "reviewed": reviewed, "advisories": list(entries or [advisory()])}


def fake_venv(tmp_path: Path, label: str, packages: dict[str, str]) -> Venv:
    """An 'interpreter' that answers the audit's question with a fixed package list."""
    python = tmp_path / label / "bin" / "python"
    python.parent.mkdir(parents=True)
    listing = json.dumps(sorted(packages.items()))
    python.write_text(f"#!/bin/sh\ncat <<'EOF'\n{listing}\nEOF\n")
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    return Venv(label, python, "make install")


class Setup:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.snapshot = tmp_path / "advisories.json"
        self.mitigations = tmp_path / "mitigations.yml"
        self.write_snapshot(snapshot_data())
        self.write_mitigations([])

    def write_snapshot(self, data: Any) -> None:
        self.snapshot.write_text(json.dumps(data))

    def write_mitigations(self, entries: list[dict[str, Any]]) -> None:
        self.mitigations.write_text(yaml.safe_dump(entries))

    def run(self, *venvs: Venv, today: dt.date = TODAY) -> audit.AuditResult:
        result, _ = audit.run_audit(venvs, self.snapshot, self.mitigations, today)
        return result


@pytest.fixture()
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


MITIGATION = {
    "id": "CVE-2026-48804",
    "package": "python-socketio",
    "why": "test",
    "where": "channels/guarded_channels.py",
    "review_by": "2027-01-31",
}


# ---------------------------------------------------------------- findings


def test_a_vulnerable_version_is_flagged(setup, tmp_path):
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "5.9.0", "rasa": "3.6.21"}))
    assert result.exit_code == audit.EXIT_FINDINGS
    assert [(m.package, m.version, m.advisory.id) for m in result.unmitigated] == [
        ("python-socketio", "5.9.0", "CVE-2026-48804")
    ]


def test_the_fixed_version_and_later_pass(setup, tmp_path):
    for version in ("5.16.2", "5.18.1"):
        result = setup.run(fake_venv(tmp_path, f"app-{version}", {"python-socketio": version}))
        assert result.exit_code == audit.EXIT_OK, version
        assert result.venvs[0].matches == []


def test_both_venvs_are_checked(setup, tmp_path):
    result = setup.run(
        fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"}),
        fake_venv(tmp_path, "console", {"python-socketio": "5.0.0"}),
    )
    assert [v.label for v in result.venvs] == ["app", "console"]
    assert [m.venv for m in result.unmitigated] == ["console"]
    assert result.exit_code == audit.EXIT_FINDINGS


def test_a_mitigated_advisory_passes_only_while_listed(setup, tmp_path):
    venv = fake_venv(tmp_path, "app", {"python-socketio": "5.9.0"})
    setup.write_mitigations([MITIGATION])
    result = setup.run(venv)
    assert result.exit_code == audit.EXIT_OK
    assert result.venvs[0].matches[0].mitigated

    setup.write_mitigations([])
    assert setup.run(venv).exit_code == audit.EXIT_FINDINGS


def test_a_mitigation_of_another_advisory_or_package_does_not_count(setup, tmp_path):
    venv = fake_venv(tmp_path, "app", {"python-socketio": "5.9.0"})
    setup.write_mitigations([{**MITIGATION, "id": "CVE-2026-48802"}, {**MITIGATION, "package": "python-engineio"}])
    assert setup.run(venv).exit_code == audit.EXIT_FINDINGS


def test_a_mitigation_past_its_review_date_no_longer_counts(setup, tmp_path):
    venv = fake_venv(tmp_path, "app", {"python-socketio": "5.9.0"})
    setup.write_mitigations([{**MITIGATION, "review_by": "2026-12-01"}])
    result = setup.run(venv)
    assert result.exit_code == audit.EXIT_FINDINGS
    assert result.unmitigated[0].expired is not None
    assert "due for review on 2026-12-01" in audit.report(result, None, setup.snapshot, TODAY, 120)


def test_a_mitigation_that_matches_nothing_is_reported(setup, tmp_path):
    setup.write_mitigations([MITIGATION])
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"}))
    assert result.exit_code == audit.EXIT_OK
    assert result.unused_mitigations == ["CVE-2026-48804 (python-socketio)"]


def test_package_names_are_compared_normalised(setup, tmp_path):
    result = setup.run(fake_venv(tmp_path, "app", {"Python_SocketIO": "5.9.0"}))
    assert result.exit_code == audit.EXIT_FINDINGS


def test_a_version_that_cannot_be_compared_is_not_a_pass(setup, tmp_path):
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "five-nine"}))
    assert result.exit_code == audit.EXIT_CANNOT_CHECK
    assert "not a PEP 440 version" in result.problems[0]


# ---------------------------------------------------------------- version ranges (PEP 440 order)


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("0.1", True),
        ("5.9.0", True),
        ("5.16.1", True),
        ("5.16.2.dev0", True),  # before the fix
        ("5.16.2rc1", True),  # a pre-release of the fix comes before it
        ("5.9.0+local.build", True),
        ("5.16.2", False),
        ("5.16.2.post1", False),
        ("5.16.10", False),  # numeric, not text order
        ("6.0", False),
        ("1!0.1", False),  # an epoch sorts after every version without one
    ],
)
def test_fixed_range_edges(version, affected):
    (entry,) = parse_snapshot(snapshot_data()).advisories
    assert entry.affects("python-socketio", Version(version)) is affected


@pytest.mark.parametrize(
    ("version", "affected"),
    [("2.9", False), ("3.0.0a1", False), ("3.0", True), ("3.4.1", True), ("3.4.1.post1", False), ("3.5", False)],
)
def test_introduced_and_last_affected_are_inclusive(version, affected):
    data = snapshot_data(advisory(ranges=[{"introduced": "3.0", "last_affected": "3.4.1"}], fixed=[]))
    (entry,) = parse_snapshot(data).advisories
    assert entry.affects("python-socketio", Version(version)) is affected


def test_explicit_versions_match_exactly():
    (entry,) = parse_snapshot(snapshot_data(advisory(ranges=[], versions=["4.8.0"]))).advisories
    assert entry.affects("python-socketio", Version("4.8.0"))
    assert entry.affects("python-socketio", Version("4.8"))  # PEP 440: the same version
    assert not entry.affects("python-socketio", Version("4.8.1"))


def test_several_ranges_for_maintained_branches():
    ranges = [{"introduced": "0", "fixed": "2.3.1"}, {"introduced": "3.0", "fixed": "3.0.2"}]
    (entry,) = parse_snapshot(snapshot_data(advisory(ranges=ranges))).advisories
    versions = ("2.3.0", "2.3.1", "2.9", "3.0.0", "3.0.1", "3.0.2")
    assert [v for v in versions if entry.affects("python-socketio", Version(v))] == ["2.3.0", "3.0.0", "3.0.1"]
    assert [v for v in versions if entry.affects("another-package", Version(v))] == []


# ---------------------------------------------------------------- cannot check: never a pass


def test_a_missing_snapshot_fails(setup, tmp_path):
    setup.snapshot.unlink()
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"}))
    assert result.exit_code == audit.EXIT_CANNOT_CHECK
    assert "missing" in result.problems[0]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps([]),
        json.dumps({**snapshot_data(), "format": "osv"}),
        json.dumps({k: v for k, v in snapshot_data().items() if k != "reviewed"}),
        json.dumps(snapshot_data(reviewed="gisteren")),
        json.dumps({**snapshot_data(), "advisories": {"id": "x"}}),
        json.dumps(snapshot_data(advisory(ranges=[], versions=[]))),  # would never match
        json.dumps(snapshot_data(advisory(ranges=[{"introduced": "0", "fixed": "banana"}]))),
        json.dumps(snapshot_data(advisory(ranges=[{"introduced": "5", "fixed": "4"}]))),
        json.dumps(snapshot_data(advisory(ranges=[{"fixed": "1", "last_affected": "1"}]))),
        json.dumps(snapshot_data(advisory(ranges=[{"from": "0"}]))),
        json.dumps(snapshot_data(advisory(summary=""))),
        json.dumps(snapshot_data(advisory(kind="rumour"))),
        json.dumps(snapshot_data(advisory(id="no spaces please"))),
        json.dumps(snapshot_data(advisory(), advisory())),  # listed twice
    ],
)
def test_a_malformed_snapshot_fails(setup, tmp_path, content):
    setup.snapshot.write_text(content)
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"}))
    assert result.exit_code == audit.EXIT_CANNOT_CHECK
    assert "advisory snapshot" in result.problems[0]


def test_a_stale_snapshot_fails_and_says_how_to_refresh(setup, tmp_path):
    venv = fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"})
    assert setup.run(venv, today=dt.date(2027, 3, 30)).exit_code == audit.EXIT_OK  # 120 days
    result = setup.run(venv, today=dt.date(2027, 3, 31))
    assert result.exit_code == audit.EXIT_CANNOT_CHECK
    assert "make audit-refresh" in result.problems[0]


def test_a_snapshot_from_the_future_fails(setup, tmp_path):
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"}), today=dt.date(2026, 11, 1))
    assert result.exit_code == audit.EXIT_CANNOT_CHECK


@pytest.mark.parametrize(
    "content",
    [
        "{a: [",
        yaml.safe_dump({"id": "CVE-2026-48804"}),
        yaml.safe_dump([{k: v for k, v in MITIGATION.items() if k != "where"}]),
        yaml.safe_dump([{**MITIGATION, "review_by": "soon"}]),
        yaml.safe_dump([MITIGATION, MITIGATION]),
    ],
)
def test_a_malformed_mitigations_file_fails(setup, tmp_path, content):
    setup.mitigations.write_text(content)
    result = setup.run(fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"}))
    assert result.exit_code == audit.EXIT_CANNOT_CHECK
    assert "mitigations file" in result.problems[0]


def test_a_missing_mitigations_file_fails(setup, tmp_path):
    setup.mitigations.unlink()
    assert setup.run(fake_venv(tmp_path, "app", {"rasa": "3.6.21"})).exit_code == audit.EXIT_CANNOT_CHECK


def test_a_missing_venv_fails_and_says_how_to_create_it(setup, tmp_path):
    good = fake_venv(tmp_path, "app", {"python-socketio": "5.18.1"})
    missing = Venv("console/.venv", tmp_path / "nowhere" / "python", "make console-install")
    result = setup.run(good, missing)
    assert result.exit_code == audit.EXIT_CANNOT_CHECK
    assert "make console-install" in result.problems[0]
    assert [v.label for v in result.venvs] == ["app"]


def test_a_venv_whose_python_fails_or_lists_nothing_fails(setup, tmp_path):
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'no module named importlib' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(VenvUnreadable, match="no module named importlib"):
        installed_packages(Venv("broken", broken, "make install"))
    with pytest.raises(VenvUnreadable, match="no packages"):
        installed_packages(fake_venv(tmp_path, "empty", {}))


def test_a_real_interpreter_is_read():
    packages = dict(installed_packages(Venv("this", Path(sys.executable), "make install")))
    assert "packaging" in {name.lower() for name in packages}


def test_the_report_is_a_table_and_names_the_verdict(setup, tmp_path, capsys):
    venv = fake_venv(tmp_path, "app", {"python-socketio": "5.9.0", "rasa": "3.6.21"})
    result, snapshot = audit.run_audit([venv], setup.snapshot, setup.mitigations, TODAY)
    text = audit.report(result, snapshot, setup.snapshot, TODAY, 120)
    assert "reviewed 2026-11-30 (2 days ago, at most 120)" in text
    assert any(line.split()[:5] == ["app", "2", "1", "0", "1"] for line in text.splitlines())
    assert "CVE-2026-48804 python-socketio 5.9.0 (app): NOT MITIGATED" in text
    assert text.splitlines()[-1].startswith("AUDIT FAILED")


# ---------------------------------------------------------------- the project's own files


def test_the_vendored_snapshot_and_mitigations_are_well_formed():
    snapshot = load_snapshot(ADVISORIES_FILE)
    known = {(a.id, a.package) for a in snapshot.advisories}
    assert {("CVE-2026-48804", "python-socketio"), ("CVE-2026-48802", "python-engineio")} <= known
    assert any(a.package == "sanic" and a.kind == "end-of-support" for a in snapshot.advisories)
    for key, mitigation in load_mitigations(MITIGATIONS_FILE).items():
        assert key in known, f"mitigation of an advisory the snapshot does not have: {key}"
        assert mitigation.review_by - snapshot.reviewed <= dt.timedelta(days=366)


def test_the_pins_are_not_affected_by_the_socketio_advisories():
    snapshot = load_snapshot(ADVISORIES_FILE)
    pins = {}
    for path in (ADVISORIES_FILE.parents[1] / "requirements.txt", ADVISORIES_FILE.parents[1] / "requirements.lock"):
        for line in path.read_text().splitlines():
            name, _, version = line.partition("==")
            if name.strip().lower() in {"python-socketio", "python-engineio"}:
                pins[(path.name, name.strip().lower())] = version.strip()
    assert len(pins) == 4
    for (_, name), version in pins.items():
        assert not [a.id for a in snapshot.for_package(name) if a.affects(name, Version(version))], (name, version)


# ---------------------------------------------------------------- refresh (no network: a stand-in PyPI)

PYPI_ANSWER = [
    {
        "id": "GHSA-aaaa-bbbb-cccc",
        "aliases": ["CVE-2026-11111", "PYSEC-2026-1"],
        "summary": "request smuggling",
        "details": "long text",
        "fixed_in": ["3.0.2", "2.3.1"],
        "link": "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc",
        "withdrawn": None,
    },
    {"id": "PYSEC-2020-9", "aliases": [], "details": "withdrawn one", "fixed_in": [], "withdrawn": "2021-01-01"},
]


def test_refresh_turns_pypi_advisories_into_entries():
    (entry,) = audit_refresh.entries_from_pypi("Some_Lib", "2.3.0", PYPI_ANSWER)
    assert entry["id"] == "CVE-2026-11111"  # the CVE, so mitigations can name it
    assert entry["aliases"] == ["GHSA-aaaa-bbbb-cccc", "PYSEC-2026-1"]
    assert entry["package"] == "some-lib" and entry["origin"] == "pypi" and entry["versions"] == ["2.3.0"]
    assert entry["ranges"] == [{"introduced": "0", "fixed": "2.3.1"}, {"introduced": "3.0", "fixed": "3.0.2"}]
    (parsed,) = parse_snapshot(snapshot_data(entry)).advisories
    assert [v for v in ("2.3.0", "2.3.1", "3.0.1", "3.0.2") if parsed.affects("some-lib", Version(v))] == [
        "2.3.0",
        "3.0.1",
    ]


def test_refresh_keeps_hand_written_entries_and_dates_the_snapshot(setup, tmp_path):
    setup.write_snapshot(snapshot_data(advisory(), advisory(id="OLD-1", origin="pypi")))
    venvs = [fake_venv(tmp_path, "app", {"some-lib": "2.3.0", "sto-assistent": "0.3.0"})]
    asked: list[tuple[str, str]] = []

    def fake_pypi(name: str, version: str) -> list[dict[str, Any]]:
        asked.append((name, version))
        return PYPI_ANSWER

    assert audit_refresh.refresh(venvs, setup.snapshot, TODAY, fetch=fake_pypi) == (1, 1)
    assert asked == [("some-lib", "2.3.0")]  # not the project's own package
    snapshot = load_snapshot(setup.snapshot)
    assert snapshot.reviewed == TODAY
    assert [a.id for a in snapshot.advisories] == ["CVE-2026-48804", "CVE-2026-11111"]  # OLD-1 replaced


def test_a_failed_refresh_changes_nothing(setup, tmp_path):
    before = setup.snapshot.read_text()
    venvs = [fake_venv(tmp_path, "app", {"a": "1.0", "b": "1.0"})]

    def unreachable(name: str, version: str) -> list[dict[str, Any]]:
        if name == "b":
            raise audit_refresh.RefreshFailed("https://pypi.org/pypi/b/1.0/json: HTTP 404")
        return []

    with pytest.raises(audit_refresh.RefreshFailed):
        audit_refresh.refresh(venvs, setup.snapshot, TODAY, fetch=unreachable)
    assert setup.snapshot.read_text() == before


def test_load_errors_name_the_file(tmp_path):
    path = tmp_path / "advisories.json"
    path.write_text("[]")
    with pytest.raises(AuditDataError, match=str(path)):
        load_snapshot(path)
