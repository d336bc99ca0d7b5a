"""The vendored advisory snapshot and the accepted mitigations: loading, validating, matching.

security/advisories.json holds, per advisory, the package and the affected versions in the
shape of OSV's "ECOSYSTEM" ranges (`introduced` <= version < `fixed`, or <= `last_affected`,
compared in PEP 440 order, so 5.16.2rc1 is before the fix 5.16.2) plus explicit `versions`.
security/mitigations.yml lists advisories the project accepts, each with why, where it is
mitigated and when to look at it again. `sto_assistent.audit` applies both to the installed
packages; nothing here reads the network or a virtualenv.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from sto_assistent.settings import ADVISORIES_FILE, MITIGATIONS_FILE

T = TypeVar("T")

SNAPSHOT_FORMAT = "sto-advisories/1"
# A snapshot older than this no longer proves anything: new advisories appear every week.
MAX_SNAPSHOT_AGE_DAYS = 120
KINDS = ("vulnerability", "end-of-support")
ORIGINS = ("project", "pypi")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{1,80}$")


class AuditDataError(ValueError):
    """The snapshot or the mitigations file is missing, malformed or stale."""


@dataclass(frozen=True)
class VersionRange:
    introduced: Version
    fixed: Version | None = None
    last_affected: Version | None = None

    def contains(self, version: Version) -> bool:
        if version < self.introduced:
            return False
        if self.fixed is not None:
            return version < self.fixed
        if self.last_affected is not None:
            return version <= self.last_affected
        return True


@dataclass(frozen=True)
class Advisory:
    id: str
    package: str  # canonical name (PEP 503)
    kind: str
    summary: str
    ranges: tuple[VersionRange, ...]
    versions: frozenset[Version] = frozenset()
    fixed: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    origin: str = "project"

    def affects(self, package: str, version: Version) -> bool:
        if canonicalize_name(package) != self.package:
            return False
        return version in self.versions or any(r.contains(version) for r in self.ranges)


@dataclass(frozen=True)
class Snapshot:
    reviewed: dt.date
    advisories: tuple[Advisory, ...]
    sources: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def age_days(self, today: dt.date) -> int:
        return (today - self.reviewed).days

    def for_package(self, package: str) -> list[Advisory]:
        name = canonicalize_name(package)
        return [a for a in self.advisories if a.package == name]


@dataclass(frozen=True)
class Mitigation:
    id: str
    package: str
    why: str
    where: str
    review_by: dt.date


def parse_version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as error:
        raise AuditDataError(f"not a PEP 440 version: {text!r}") from error


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise AuditDataError(f"{what} must be a date YYYY-MM-DD, got {value!r}")


def _text(entry: dict[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise AuditDataError(f"{what}: '{key}' must be a non-empty text")
    return value.strip()


def _strings(entry: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise AuditDataError(f"{what}: '{key}' must be a list of texts")
    return tuple(value)


def _range(entry: Any, what: str) -> VersionRange:
    if not isinstance(entry, dict) or set(entry) - {"introduced", "fixed", "last_affected"}:
        raise AuditDataError(f"{what}: a range has only 'introduced', 'fixed' and 'last_affected'")
    if "fixed" in entry and "last_affected" in entry:
        raise AuditDataError(f"{what}: a range has 'fixed' or 'last_affected', not both")
    introduced = str(entry.get("introduced", "0"))
    found = VersionRange(
        introduced=parse_version(introduced),
        fixed=parse_version(str(entry["fixed"])) if "fixed" in entry else None,
        last_affected=parse_version(str(entry["last_affected"])) if "last_affected" in entry else None,
    )
    end = found.fixed or found.last_affected
    if end is not None and end < found.introduced:
        raise AuditDataError(f"{what}: range ends before it starts ({entry})")
    return found


def _advisory(entry: Any, index: int) -> Advisory:
    if not isinstance(entry, dict):
        raise AuditDataError(f"advisory #{index + 1} is not an object")
    advisory_id = _text(entry, "id", f"advisory #{index + 1}")
    what = f"advisory {advisory_id}"
    if not _ID.match(advisory_id):
        raise AuditDataError(f"{what}: malformed id")
    kind = entry.get("kind", "vulnerability")
    if kind not in KINDS:
        raise AuditDataError(f"{what}: 'kind' must be one of {', '.join(KINDS)}")
    origin = entry.get("origin", "project")
    if origin not in ORIGINS:
        raise AuditDataError(f"{what}: 'origin' must be one of {', '.join(ORIGINS)}")
    raw_ranges = entry.get("ranges", [])
    if not isinstance(raw_ranges, list):
        raise AuditDataError(f"{what}: 'ranges' must be a list")
    ranges = tuple(_range(r, what) for r in raw_ranges)
    versions = frozenset(parse_version(v) for v in _strings(entry, "versions", what))
    if not ranges and not versions:
        raise AuditDataError(f"{what}: no 'ranges' and no 'versions': it would never match")
    return Advisory(
        id=advisory_id,
        package=canonicalize_name(_text(entry, "package", what)),
        kind=kind,
        summary=_text(entry, "summary", what),
        ranges=ranges,
        versions=versions,
        fixed=_strings(entry, "fixed", what),
        references=_strings(entry, "references", what),
        origin=origin,
    )


def parse_snapshot(data: Any) -> Snapshot:
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
        raise AuditDataError(f"not an advisory snapshot: 'format' must be {SNAPSHOT_FORMAT!r}")
    entries = data.get("advisories")
    if not isinstance(entries, list):
        raise AuditDataError("'advisories' must be a list")
    advisories = tuple(_advisory(entry, i) for i, entry in enumerate(entries))
    keys = [(a.id, a.package) for a in advisories]
    duplicates = sorted({f"{i} ({p})" for i, p in keys if keys.count((i, p)) > 1})
    if duplicates:
        raise AuditDataError(f"advisories listed twice: {', '.join(duplicates)}")
    return Snapshot(
        reviewed=_date(data.get("reviewed"), "'reviewed'"),
        advisories=advisories,
        sources=_strings(data, "sources", "snapshot"),
        raw=data,
    )


def _load_file(
    path: Path,
    what: str,
    read: Callable[[str], Any],
    errors: tuple[type[Exception], ...],
    parse: Callable[[Any], T],
    kind: str,
    missing_hint: str,
) -> T:
    """Read `path` with `read`, then `parse` it; every failure is an AuditDataError naming the file."""
    if not path.is_file():
        raise AuditDataError(f"{what} {path} is missing ({missing_hint})")
    unreadable: tuple[type[Exception], ...] = (OSError, UnicodeDecodeError, *errors)
    try:
        data = read(path.read_text(encoding="utf-8"))
    except unreadable as error:
        raise AuditDataError(f"{what} {path} is not readable {kind}: {error}") from error
    try:
        return parse(data)
    except AuditDataError as error:
        raise AuditDataError(f"{what} {path} is malformed: {error}") from error


def load_snapshot(path: Path = ADVISORIES_FILE) -> Snapshot:
    return _load_file(path, "advisory snapshot", json.loads, (json.JSONDecodeError,), parse_snapshot, "JSON",
                      "restore it from git, or make audit-refresh")  # fmt: skip


def check_fresh(snapshot: Snapshot, today: dt.date, max_age_days: int = MAX_SNAPSHOT_AGE_DAYS) -> None:
    age = snapshot.age_days(today)
    if age < 0:
        raise AuditDataError(f"advisory snapshot is dated in the future ({snapshot.reviewed.isoformat()})")
    if age > max_age_days:
        raise AuditDataError(
            f"advisory snapshot was reviewed {age} days ago ({snapshot.reviewed.isoformat()}), more than "
            f"{max_age_days}: refresh it with `make audit-refresh` (README, 'Dependency audit')"
        )


def parse_mitigations(data: Any) -> dict[tuple[str, str], Mitigation]:
    if data is None:
        return {}
    if not isinstance(data, list):
        raise AuditDataError("the mitigations file must be a list of entries")
    found: dict[tuple[str, str], Mitigation] = {}
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise AuditDataError(f"mitigation #{index + 1} is not a mapping")
        what = f"mitigation #{index + 1}"
        mitigation = Mitigation(
            id=_text(entry, "id", what),
            package=canonicalize_name(_text(entry, "package", what)),
            why=_text(entry, "why", what),
            where=_text(entry, "where", what),
            review_by=_date(entry.get("review_by"), f"{what}: 'review_by'"),
        )
        key = (mitigation.id, mitigation.package)
        if key in found:
            raise AuditDataError(f"{what}: {mitigation.id} ({mitigation.package}) is listed twice")
        found[key] = mitigation
    return found


def load_mitigations(path: Path = MITIGATIONS_FILE) -> dict[tuple[str, str], Mitigation]:
    return _load_file(path, "mitigations file", yaml.safe_load, (yaml.YAMLError,), parse_mitigations, "YAML",
                      "an empty list is fine: []")  # fmt: skip
