"""The command-line entry points as a user runs them (own process, own database file)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CONSOLE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.cli


@pytest.fixture
def command_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSOLE_", "TRACKER_", "DJANGO_"))}
    env.update(
        CONSOLE_DB_FILE=str(tmp_path / "console.db"),
        TRACKER_DB_FILE=str(tmp_path / "conversations.db"),
        CONSOLE_SECRET_KEY_FILE=str(tmp_path / "secret-key"),
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=CONSOLE_DIR, env=env, check=True)
    return env


def run(env, *args, stdin: str = ""):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=CONSOLE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
    )


def role_of(env, name: str):
    with sqlite3.connect(env["CONSOLE_DB_FILE"]) as conn:
        row = conn.execute("SELECT role, password FROM accounts_user WHERE username = ?", (name,)).fetchone()
    return row


def test_console_user_asks_for_the_password_without_console_password(command_env):
    done = run(command_env, "console_user", "anna", "beheerder", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.returncode == 0, done.stderr
    role, password = role_of(command_env, "anna")
    assert role == "beheerder" and password.startswith("argon2")
    # a secret key was generated once, readable by the owner only
    key_file = Path(command_env["CONSOLE_SECRET_KEY_FILE"])
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_console_user_refuses_differing_passwords(command_env):
    done = run(command_env, "console_user", "anna", "reviewer", stdin=f"{PASSWORD}\nanders-{PASSWORD}\n")
    assert done.returncode != 0 and "differ" in done.stderr
    assert role_of(command_env, "anna") is None


def test_console_user_with_console_password(command_env):
    done = run({**command_env, "CONSOLE_PASSWORD": PASSWORD}, "console_user", "rita", "reviewer")
    assert done.returncode == 0, done.stderr
    assert role_of(command_env, "rita")[0] == "reviewer"
