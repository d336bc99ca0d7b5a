"""Offline dependency audit: the installed packages of both virtualenvs against the vendored
advisory snapshot (security/advisories.json) and the accepted mitigations
(security/mitigations.yml).

    python -m sto_assistent.audit     # `make audit`, part of `make test`

Exit 0 only when every venv was read, the snapshot is well-formed and fresh, and every
advisory that matches an installed package is mitigated (listed, and its review date not
passed). Anything it cannot check is a failure, never a silent pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from sto_assistent.advisories import (
    MAX_SNAPSHOT_AGE_DAYS,
    Advisory,
    AuditDataError,
    Mitigation,
    Snapshot,
    check_fresh,
    load_mitigations,
    load_snapshot,
)
from sto_assistent.settings import ADVISORIES_FILE, MITIGATIONS_FILE
from sto_assistent.venv_packages import PROJECT_VENVS, Venv, VenvUnreadable, display_path, installed_packages

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_CHECK = 0, 1, 2


@dataclass(frozen=True)
class Match:
    venv: str
    package: str
    version: str
    advisory: Advisory
    mitigation: Mitigation | None  # listed and still within its review date
    expired: Mitigation | None = None  # listed, but its review date has passed

    @property
    def mitigated(self) -> bool:
        return self.mitigation is not None


@dataclass
class VenvResult:
    label: str
    packages: int
    matches: list[Match]


@dataclass
class AuditResult:
    venvs: list[VenvResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be checked
    unused_mitigations: list[str] = field(default_factory=list)

    @property
    def unmitigated(self) -> list[Match]:
        return [m for v in self.venvs for m in v.matches if not m.mitigated]

    @property
    def exit_code(self) -> int:
        if self.problems:
            return EXIT_CANNOT_CHECK
        return EXIT_FINDINGS if self.unmitigated else EXIT_OK


def check_venv(
    label: str,
    packages: Sequence[tuple[str, str]],
    snapshot: Snapshot,
    mitigations: dict[tuple[str, str], Mitigation],
    today: dt.date,
) -> tuple[VenvResult, list[str]]:
    """Match one venv's packages; the problems are versions that cannot be compared."""
    matches: list[Match] = []
    problems: list[str] = []
    for name, version_text in packages:
        advisories = snapshot.for_package(name)
        if not advisories:
            continue
        try:
            version = Version(version_text)
        except InvalidVersion:
            problems.append(f"{label}: {name} {version_text!r} is not a PEP 440 version; advisories cannot be checked")
            continue
        for advisory in advisories:
            if not advisory.affects(name, version):
                continue
            mitigation = mitigations.get((advisory.id, advisory.package))
            if mitigation is not None and mitigation.review_by < today:
                matches.append(Match(label, name, version_text, advisory, None, expired=mitigation))
            else:
                matches.append(Match(label, name, version_text, advisory, mitigation))
    return VenvResult(label, len(packages), matches), problems


def run_audit(
    venvs: Sequence[Venv],
    snapshot_file: Path,
    mitigations_file: Path,
    today: dt.date,
    max_age_days: int = MAX_SNAPSHOT_AGE_DAYS,
) -> tuple[AuditResult, Snapshot | None]:
    try:
        snapshot = load_snapshot(snapshot_file)
        check_fresh(snapshot, today, max_age_days)
        mitigations = load_mitigations(mitigations_file)
    except AuditDataError as error:
        return AuditResult(problems=[str(error)]), None
    result = AuditResult()
    for venv in venvs:
        try:
            packages = installed_packages(venv)
        except VenvUnreadable as error:
            result.problems.append(str(error))
            continue
        venv_result, problems = check_venv(venv.label, packages, snapshot, mitigations, today)
        result.venvs.append(venv_result)
        result.problems.extend(problems)
    used = {(m.advisory.id, m.advisory.package) for v in result.venvs for m in v.matches}
    if not result.problems:  # with a venv unread, "unused" would be a guess
        result.unused_mitigations = sorted(f"{i} ({p})" for i, p in mitigations if (i, p) not in used)
    return result, snapshot


def _state(match: Match) -> str:
    if match.mitigation:
        return f"mitigated (security/mitigations.yml, review by {match.mitigation.review_by.isoformat()})"
    if match.expired:
        return f"NOT MITIGATED: its mitigation was due for review on {match.expired.review_by.isoformat()}"
    return "NOT MITIGATED"


def _fixed(advisory: Advisory) -> str:
    if not advisory.fixed:
        return ""
    versions = ", ".join(advisory.fixed)
    return f" (supported from {versions})" if advisory.kind == "end-of-support" else f" (fixed in {versions})"


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def report(
    result: AuditResult, snapshot: Snapshot | None, snapshot_file: Path, today: dt.date, max_age_days: int
) -> str:
    lines: list[str] = []
    if snapshot is not None:
        lines.append(
            f"Dependency audit against {display_path(snapshot_file)}: {len(snapshot.advisories)} advisories, "
            f"reviewed {snapshot.reviewed.isoformat()} ({snapshot.age_days(today)} days ago, at most {max_age_days})"
        )
    if result.venvs:
        lines.append(f"  {'venv':<16}{'packages':>9}{'matched':>9}{'mitigated':>11}{'open':>6}")
        for venv in result.venvs:
            mitigated = sum(m.mitigated for m in venv.matches)
            lines.append(
                f"  {venv.label:<16}{venv.packages:>9}{len(venv.matches):>9}{mitigated:>11}"
                f"{len(venv.matches) - mitigated:>6}"
            )
    for venv in result.venvs:
        for match in venv.matches:
            lines.append(f"  {match.advisory.id} {match.package} {match.version} ({match.venv}): {_state(match)}")
            lines.append(f"      {_shorten(match.advisory.summary)}{_fixed(match.advisory)}")
    for name in result.unused_mitigations:
        lines.append(f"  note: mitigation {name} matches no installed package any more; remove it")
    for problem in result.problems:
        lines.append(f"AUDIT COULD NOT CHECK: {problem}")
    if result.unmitigated:
        lines.append(
            f"AUDIT FAILED: {len(result.unmitigated)} advisory match(es) without a mitigation: upgrade the package "
            f"(requirements.txt + requirements.lock, or console/requirements.txt) or, if that is impossible, "
            f"mitigate and list it in {display_path(MITIGATIONS_FILE)}"
        )
    elif result.problems:
        lines.append("AUDIT FAILED: the audit could not check everything (above); that is never a pass")
    else:
        lines.append("Dependency audit passed.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshot", type=Path, default=ADVISORIES_FILE)
    parser.add_argument("--mitigations", type=Path, default=MITIGATIONS_FILE)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    result, snapshot = run_audit(PROJECT_VENVS, args.snapshot, args.mitigations, args.today)
    print(report(result, snapshot, args.snapshot, args.today, MAX_SNAPSHOT_AGE_DAYS))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
