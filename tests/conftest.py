"""Shared fixtures. Servers are real: the trained model, the action server, the databases.

Tests are grouped by folder and each folder is a marker: `unit` (no servers, no model),
`integration` (real servers, the trained model, PostgreSQL) and `browser` (Chromium against
the running stack). `make test-fast` runs `-m unit`; `make test` runs everything.
Servers are started once per session, in parallel, and only when a test needs them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sto_assistent import local_servers
from sto_assistent.services import CONSOLE_PYTHON, rasa_command
from sto_assistent.settings import MODEL_PATH, REGIONS_FILE
from sto_regions import RegionIndex, load_region_file

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TESTS_DIR = Path(__file__).resolve().parent
LAYERS = ("unit", "integration", "browser")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its folder's layer; run the fast layers first."""
    for item in items:
        layer = Path(str(item.fspath)).relative_to(TESTS_DIR).parts[0]
        if layer not in LAYERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in one of tests/{{{','.join(LAYERS)}}}/")
        item.add_marker(layer)
    items.sort(key=lambda item: LAYERS.index(Path(str(item.fspath)).relative_to(TESTS_DIR).parts[0]))


@pytest.fixture(scope="session")
def region_index() -> RegionIndex:
    """The real region data file, as the action server loads it."""
    return RegionIndex(load_region_file(REGIONS_FILE))


@pytest.fixture(scope="session")
def national_email(region_index: RegionIndex) -> str:
    return region_index.data.national_contact.email


def _need_model() -> None:
    if not MODEL_PATH.exists():
        pytest.fail(f"No trained model at {MODEL_PATH}: run `make train` (make test does).")


def _postgres_engine() -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any driver error means the same to the tester
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")
    return engine


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both server set-ups, started side by side (each takes ~40 s to load the model):

    - `stack`: everything `make run` starts (the support console too, when it is installed),
      with a fresh SQLite database;
    - `postgres`: a second Rasa server storing in PostgreSQL, whose action server is down.
    """
    _need_model()
    engine = _postgres_engine()
    workdir = tmp_path_factory.mktemp("servers")
    db_file = workdir / "conversations.db"
    stack = local_servers.launch_stack(
        {
            "TRACKER_STORE_URL": f"sqlite:///{db_file}",
            "CONSOLE_DB_FILE": str(workdir / "console.db"),
            "CONSOLE_SECRET_KEY_FILE": str(workdir / "console-secret-key"),
            # No SMTP_HOST: the console writes contact requests here as .eml files.
            "CONTACT_OUTBOX_DIR": str(workdir / "outbox"),
            # Outages in tests end in seconds; so does the wait before the server tries again.
            "DEPENDENCY_RETRY_SECONDS": "2",
            # A browser test asks for every region in one conversation, faster than a person;
            # the limit itself is tested on the `postgres` server.
            "MAX_MESSAGES_PER_MINUTE": "1000",
        },
        workdir / "stack.log",
        console=CONSOLE_PYTHON.exists(),
    )
    stack.extra["db_file"] = db_file
    stack.extra["outbox"] = workdir / "outbox"
    port = local_servers.free_port()
    dead_port = local_servers.free_port()
    postgres_rasa = local_servers.start_process(
        rasa_command(str(port)),
        {"TRACKER_STORE_URL": POSTGRES_URL, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{dead_port}/webhook"},
        workdir / "rasa-postgres.log",
    )
    postgres_url = f"http://127.0.0.1:{port}"
    try:
        local_servers.wait_for_stack(stack)
        local_servers.wait_for(f"{postgres_url}/", postgres_rasa)
        yield {"stack": stack, "postgres": (postgres_url, engine)}
    finally:
        local_servers.stop_process(postgres_rasa)
        # The launcher's real SIGTERM path: every port of `make run` must close.
        local_servers.stop_stack(stack)
        engine.dispose()


@pytest.fixture(scope="session")
def stack(servers: dict[str, Any]) -> local_servers.Stack:
    stack: local_servers.Stack = servers["stack"]
    return stack


@pytest.fixture(scope="session")
def rasa_on_postgres(servers: dict[str, Any]) -> tuple[str, Any]:
    postgres: tuple[str, Any] = servers["postgres"]
    return postgres


@pytest.fixture(scope="session")
def agent() -> Any:
    """The trained model, loaded once in this process (no servers, no action server)."""
    _need_model()
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    return Agent.load(str(MODEL_PATH))


@pytest.fixture(scope="session")
def parse(agent: Any) -> Callable[[str], dict[str, Any]]:
    """The trained model's NLU: text in (cleaned as the channels clean it), parse result out."""
    from channels.input_guard import clean_text
    from tests.async_run import run_in_fresh_thread

    def parse_text(text: str) -> dict[str, Any]:
        result: dict[str, Any] = run_in_fresh_thread(agent.parse_message(clean_text(text).text))
        return result

    return parse_text
