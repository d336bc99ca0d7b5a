"""Shared fixtures. Servers are real: the trained model, the action server, the databases."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests import servers  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_collection_modifyitems(items):
    """Browser tests last: they are the slowest and the most end-to-end."""
    items.sort(key=lambda item: "tests/browser/" in str(item.fspath))


def _need_model() -> None:
    if not servers.MODEL.exists():
        pytest.fail(f"No trained model at {servers.MODEL}: run `make train` (make test does).")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The whole assistant as `make run` starts it, on free ports, with a fresh SQLite DB."""
    _need_model()
    workdir = tmp_path_factory.mktemp("stack")
    db_file = workdir / "conversations.db"
    started = servers.start_stack(f"sqlite:///{db_file}", workdir / "stack.log")
    started.db_file = db_file
    yield started
    servers.stop_stack(started)


@pytest.fixture(scope="session")
def rasa_on_postgres(tmp_path_factory):
    """A second Rasa server storing conversations in PostgreSQL, whose action server is down."""
    _need_model()
    import sqlalchemy as sa

    schema_url = POSTGRES_URL
    engine = sa.create_engine(schema_url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")
    dead_port = servers.free_port()
    process, url = servers.start_rasa(
        {
            "TRACKER_STORE_URL": POSTGRES_URL,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{dead_port}/webhook",
        },
        tmp_path_factory.mktemp("pg") / "rasa.log",
    )
    yield url, engine
    servers.stop_process(process)
    engine.dispose()
