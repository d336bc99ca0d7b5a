"""What is installed in a virtualenv, read by that virtualenv's own interpreter.

Each venv is asked through its own `python` (importlib.metadata), so the assistant's
Python 3.10 venv and the console's 3.12 venv are read the same way, whatever runs the audit.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sto_assistent.services import CONSOLE_PYTHON
from sto_assistent.settings import PROJECT_DIR, VENV_BIN

# Every distribution on the interpreter's path, as [name, version] pairs.
_LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json; "
    "print(json.dumps(sorted({(d.metadata['Name'] or '', d.version or '') for d in m.distributions()})))"
)
READ_TIMEOUT_SECONDS = 60


class VenvUnreadable(RuntimeError):
    """A virtualenv that should be audited could not be read."""


@dataclass(frozen=True)
class Venv:
    label: str
    python: Path
    hint: str  # how to create it, for the error message


PROJECT_VENVS = (
    Venv(".venv", VENV_BIN / "python", "make install"),
    Venv("console/.venv", CONSOLE_PYTHON, "make console-install"),
)


def display_path(path: Path) -> str:
    return str(path.relative_to(PROJECT_DIR)) if path.is_relative_to(PROJECT_DIR) else str(path)


def installed_packages(venv: Venv) -> list[tuple[str, str]]:
    """(name, version) of every distribution in the venv; raises VenvUnreadable.

    A list, not a mapping: a broken venv can hold two versions of one package.
    """
    where = display_path(venv.python)
    if not venv.python.exists():
        raise VenvUnreadable(f"{venv.label}: no interpreter at {where} (create it with `{venv.hint}`)")
    try:
        result = subprocess.run(
            [str(venv.python), "-I", "-c", _LIST_DISTRIBUTIONS],
            capture_output=True,
            text=True,
            timeout=READ_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise VenvUnreadable(f"{venv.label}: {where} could not be run: {error}") from error
    if result.returncode != 0:
        raise VenvUnreadable(f"{venv.label}: {where} failed: {result.stderr.strip()[-500:]}")
    try:
        pairs = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise VenvUnreadable(f"{venv.label}: unexpected output from {where}: {result.stdout[:200]!r}") from error
    packages = [(str(name), str(version)) for name, version in pairs if name]
    if not packages:
        raise VenvUnreadable(f"{venv.label}: {where} lists no packages at all")
    return packages
