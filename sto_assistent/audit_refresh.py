"""Refresh the vendored advisory snapshot from PyPI (`make audit-refresh`; needs the network).

    python -m sto_assistent.audit_refresh

Asks PyPI's JSON API for every package version installed in both virtualenvs
(https://pypi.org/pypi/NAME/VERSION/json, field "vulnerabilities", which PyPI fills from the
OSV database) and rewrites security/advisories.json: the entries with origin "project"
(written by hand, see the README) stay as they are, the "pypi" entries are replaced, and
`reviewed` becomes today. All or nothing: if any package cannot be asked, the file is left
unchanged and the command fails, so a half-refreshed snapshot never looks fresh.

PyPI names the versions that fix an advisory, not the first affected one, so the ranges
written here are an estimate: before the lowest fix, and from each later fix's X.Y series up
to that fix. The installed version PyPI reported is always listed in `versions` too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from sto_assistent.advisories import SNAPSHOT_FORMAT, AuditDataError, parse_snapshot
from sto_assistent.settings import ADVISORIES_FILE
from sto_assistent.venv_packages import PROJECT_VENVS, Venv, VenvUnreadable, display_path, installed_packages

PYPI_URL = "https://pypi.org/pypi/{name}/{version}/json"
TIMEOUT_SECONDS = 20
# The project's own editable package is not on PyPI (a namesake there would be someone else's).
OWN_DISTRIBUTIONS = frozenset({"sto-assistent"})

Fetch = Callable[[str, str], list[dict[str, Any]]]


class RefreshFailed(RuntimeError):
    """PyPI could not be asked about one of the installed packages."""


def fetch_from_pypi(name: str, version: str) -> list[dict[str, Any]]:
    """The advisories PyPI lists for one release; raises RefreshFailed."""
    url = PYPI_URL.format(name=urllib.parse.quote(name), version=urllib.parse.quote(version))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            data = json.load(response)
    except urllib.error.HTTPError as error:
        hint = " (no such release, or PyPI's per-release JSON is not reachable from here)" if error.code == 404 else ""
        raise RefreshFailed(f"{url}: HTTP {error.code}{hint}") from error
    except (OSError, ValueError) as error:
        raise RefreshFailed(f"{url}: {error}") from error
    vulnerabilities = data.get("vulnerabilities") if isinstance(data, dict) else None
    if not isinstance(vulnerabilities, list):
        raise RefreshFailed(f"{url}: no 'vulnerabilities' list in the answer")
    return vulnerabilities


def _ranges(fixed: list[Version]) -> list[dict[str, str]]:
    ranges: list[dict[str, str]] = []
    previous: Version | None = None
    for version in sorted(set(fixed)):
        if previous is None:
            start = Version("0")
        else:
            series = Version(".".join(str(part) for part in (version.release + (0,))[:2]))
            start = max(series, previous)
        ranges.append({"introduced": str(start), "fixed": str(version)})
        previous = version
    return ranges


def _advisory_id(vulnerability: dict[str, Any]) -> str:
    """The CVE alias when there is one, so hand-written entries and mitigations use one name."""
    names = [vulnerability.get("id"), *(vulnerability.get("aliases") or [])]
    cves = [n for n in names if isinstance(n, str) and n.startswith("CVE-")]
    chosen = cves[0] if cves else names[0]
    if not isinstance(chosen, str) or not chosen:
        raise RefreshFailed(f"an advisory without an id: {vulnerability!r:.200}")
    return chosen


def entries_from_pypi(package: str, version: str, vulnerabilities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """PyPI's advisories of one installed release, as snapshot entries."""
    entries = []
    for vulnerability in vulnerabilities:
        if vulnerability.get("withdrawn"):
            continue
        fixed: list[Version] = []
        for text in vulnerability.get("fixed_in") or []:
            try:
                fixed.append(Version(str(text)))
            except InvalidVersion:
                continue
        advisory_id = _advisory_id(vulnerability)
        names = [vulnerability.get("id"), *(vulnerability.get("aliases") or [])]
        summary = (vulnerability.get("summary") or vulnerability.get("details") or "no summary").strip()
        entries.append(
            {
                "id": advisory_id,
                "aliases": sorted({str(n) for n in names if n and n != advisory_id}),
                "package": canonicalize_name(package),
                "kind": "vulnerability",
                "origin": "pypi",
                "summary": " ".join(summary.split())[:300],
                "ranges": _ranges(fixed),
                "versions": [version],
                "fixed": [str(v) for v in sorted(set(fixed))],
                "references": [str(vulnerability["link"])] if vulnerability.get("link") else [],
            }
        )
    return entries


def merge(current: dict[str, Any], found: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    """The new snapshot: hand-written entries kept, PyPI's replaced, one entry per (id, package)."""
    kept = [e for e in current.get("advisories", []) if e.get("origin", "project") != "pypi"]
    taken = {(e["id"], canonicalize_name(e["package"])) for e in kept}
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in found:
        key = (entry["id"], entry["package"])
        if key in taken:
            continue
        if key in merged:  # the same advisory for another installed version (the other venv)
            into = merged[key]
            into["versions"] = sorted(set(into["versions"]) | set(entry["versions"]), key=Version)
            into["ranges"] += [r for r in entry["ranges"] if r not in into["ranges"]]
        else:
            merged[key] = entry
    return {
        "format": SNAPSHOT_FORMAT,
        "reviewed": today.isoformat(),
        "sources": current.get("sources", []),
        "advisories": kept + sorted(merged.values(), key=lambda e: (e["package"], e["id"])),
    }


def to_ask(venvs: Iterable[Venv]) -> list[tuple[str, str]]:
    """Every (name, version) installed in the venvs, once; raises VenvUnreadable."""
    pairs = {
        (canonicalize_name(name), version)
        for venv in venvs
        for name, version in installed_packages(venv)
        if canonicalize_name(name) not in OWN_DISTRIBUTIONS
    }
    return sorted(pairs)


def refresh(
    venvs: Iterable[Venv], snapshot_file: Path, today: dt.date, fetch: Fetch = fetch_from_pypi
) -> tuple[int, int]:
    """Rewrite the snapshot; (packages asked, PyPI advisories found). Raises on any failure."""
    current = json.loads(snapshot_file.read_text(encoding="utf-8")) if snapshot_file.exists() else {}
    packages = to_ask(venvs)
    found: list[dict[str, Any]] = []
    for name, version in packages:
        found.extend(entries_from_pypi(name, version, fetch(name, version)))
    new = merge(current, found, today)
    parse_snapshot(new)  # never write a snapshot the audit would reject
    snapshot_file.write_text(json.dumps(new, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(packages), len([e for e in new["advisories"] if e.get("origin") == "pypi"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snapshot", type=Path, default=ADVISORIES_FILE)
    args = parser.parse_args(argv)
    try:
        asked, found = refresh(PROJECT_VENVS, args.snapshot, dt.date.today())
    except (RefreshFailed, VenvUnreadable, AuditDataError, OSError, ValueError) as error:
        print(f"AUDIT REFRESH FAILED: {error}", file=sys.stderr)
        print(
            f"{display_path(args.snapshot)} is unchanged. Without PyPI, refresh it by hand "
            "(README, 'Dependency audit'): look up each pinned package's advisories, add or "
            "update the entries with origin 'project', and set 'reviewed' to today.",
            file=sys.stderr,
        )
        return 2
    print(f"{display_path(args.snapshot)} refreshed: {asked} package versions asked, {found} advisories from PyPI.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
