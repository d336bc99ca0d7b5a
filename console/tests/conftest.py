"""Shared fixtures: a Rasa events table on the database under test, users, logged-in clients."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from accounts.models import Role, User
from conversations import ingest
from tests.tracker import PostgresTestTracker, SqliteTestTracker

PASSWORD = "een-lang-testwachtwoord-42"


@pytest.fixture
def tracker(django_db_setup, django_db_blocker, tmp_path, settings):
    """Rasa's events table: a separate SQLite file, or in PostgreSQL the console's own database
    (as in production, where the console keeps its tables beside Rasa's)."""
    if connection.vendor == "postgresql":
        made = PostgresTestTracker(
            {k: str(connection.settings_dict.get(k) or "") for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
        )
    else:
        made = SqliteTestTracker(tmp_path / "conversations.db")
    settings.TRACKER_STORE_URL = made.url
    yield made
    made.drop()


def load_recorded(tracker):
    """The ten recorded real conversations in the tracker store, ingested."""
    tracker.load_recorded()
    ingest.run_once(tracker.source)
    return tracker


@pytest.fixture
def recorded(tracker, db):
    return load_recorded(tracker)


def make_user(username: str, role: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role)


@pytest.fixture
def reviewer(db):
    return make_user("rita", Role.REVIEWER)


@pytest.fixture
def beheerder(db):
    return make_user("bert", Role.BEHEERDER)


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def beheerder_client(client, beheerder):
    client.force_login(beheerder)
    return client


def on_postgres() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


only_postgres = pytest.mark.skipif(os.environ.get("CONSOLE_TEST_DB", "sqlite") != "postgres", reason="PostgreSQL only")
