"""Where the console finds the tracker store and keeps its own data (console_site.env)."""

from __future__ import annotations

import pytest
import yaml

from console_site import env as console_env
from conversations.tracker_source import PostgresEvents, SqliteEvents, events_for_url

PROJECT = console_env.PROJECT_DIR


def test_default_tracker_store_is_the_assistants_sqlite_file():
    assert console_env.tracker_store_url({}) == f"sqlite:///{PROJECT / 'var' / 'conversations.db'}"
    assert (
        console_env.tracker_store_url({"TRACKER_DB_FILE": "elders/gesprekken.db"})
        == f"sqlite:///{PROJECT / 'elders' / 'gesprekken.db'}"
    )
    assert console_env.tracker_store_url({"TRACKER_DB_FILE": "/abs/x.db"}) == "sqlite:////abs/x.db"
    url = "postgresql://sto:geheim@db.example:5433/sto"
    assert console_env.tracker_store_url({"TRACKER_STORE_URL": url, "TRACKER_DB_FILE": "x.db"}) == url


def test_low_confidence_means_below_the_assistants_fallback_threshold(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n- name: SpacyNLP\n- name: FallbackClassifier\n  threshold: 0.35\n")
    assert console_env.confidence_threshold({}, config) == 0.35
    assert console_env.confidence_threshold({"CONSOLE_CONFIDENCE_THRESHOLD": "0.6"}, config) == 0.6
    config.write_text("pipeline:\n- name: FallbackClassifier\n")
    assert console_env.confidence_threshold({}, config) == 0.3  # Rasa's default
    assert console_env.confidence_threshold({"CONSOLE_CONFIDENCE_THRESHOLD": " "}, config) == 0.3  # empty: the file
    config.write_text("pipeline:\n- name: SpacyNLP\n")
    with pytest.raises(ValueError, match="no FallbackClassifier"):
        console_env.confidence_threshold({}, config)
    with pytest.raises(ValueError, match="cannot be read"):
        console_env.confidence_threshold({}, tmp_path / "absent.yml")
    for bad in ("0,3", "1.5", "hoog"):
        with pytest.raises(ValueError, match="from 0 to 1"):
            console_env.confidence_threshold({"CONSOLE_CONFIDENCE_THRESHOLD": bad}, config)


def test_the_default_is_the_threshold_in_the_assistants_config_yml():
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    [fallback] = [c for c in config["pipeline"] if c["name"] == "FallbackClassifier"]
    assert console_env.confidence_threshold({}) == fallback["threshold"]


def test_sqlite_tracker_means_a_sibling_console_file(tmp_path):
    settings = console_env.database_settings(
        {"TRACKER_DB_FILE": str(tmp_path / "conversations.db"), "CONSOLE_DB_FILE": str(tmp_path / "console.db")}
    )
    assert settings["ENGINE"].endswith("sqlite3")
    assert settings["NAME"] == str(tmp_path / "console.db")
    assert "journal_mode=WAL" in settings["OPTIONS"]["init_command"]
    assert settings["OPTIONS"]["timeout"] > 0
    default = console_env.database_settings({})
    assert default["NAME"] == str(PROJECT / "var" / "console.db")


def test_postgres_tracker_means_the_same_database():
    url = "postgresql+psycopg2://sto:ge%40heim@db.example:5433/sto?sslmode=require"
    settings = console_env.database_settings({"TRACKER_STORE_URL": url})
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["USER"], settings["PASSWORD"], settings["HOST"], settings["PORT"]) == (
        "sto",
        "sto",
        "ge@heim",
        "db.example",
        "5433",
    )
    assert settings["OPTIONS"]["sslmode"] == "require"
    source = events_for_url(url)
    assert isinstance(source, PostgresEvents)
    assert "sslmode=require" in source.conninfo and "dbname=sto" in source.conninfo


def test_sqlite_tracker_source(tmp_path):
    source = events_for_url(f"sqlite:///{tmp_path / 'c.db'}")
    assert isinstance(source, SqliteEvents) and source.path == tmp_path / "c.db"
    assert source.fetch_heads_after(0, 10) == []  # no file yet: nothing, no error


def test_other_databases_are_refused():
    with pytest.raises(ValueError):
        console_env.database_settings({"TRACKER_STORE_URL": "mysql://x@y/z"})


def test_secret_key_is_generated_once(tmp_path):
    env = {"CONSOLE_SECRET_KEY_FILE": str(tmp_path / "key")}
    first = console_env.secret_key(env)
    assert len(first) >= 50 and console_env.secret_key(env) == first
    assert console_env.secret_key({**env, "CONSOLE_SECRET_KEY": "uit-de-omgeving"}) == "uit-de-omgeving"


def test_on_off_settings():
    assert console_env.flag(None, default=True) is True and console_env.flag("  ", default=False) is False
    assert all(console_env.flag(v) for v in ("1", "true", "Yes", "ON"))
    assert not any(console_env.flag(v, default=True) for v in ("0", "false", "No", "off"))
    with pytest.raises(ValueError):
        console_env.flag("misschien")
