"""The action server (sto_assistent/action_server.py) as a real process: with ACTION_SERVER_TOKEN
set it serves only callers that send the token; without one (`make run`) it asks for none. Either
way it listens on 127.0.0.1 only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sto_assistent import local_servers
from sto_assistent.services import actions_command, local_url
from sto_assistent.settings import ACTION_SERVER_TOKEN_HEADER

TOKEN = "test-token-3f9a1c"
ACTION_CALL = {
    "next_action": "action_find_region",
    "sender_id": "token-test",
    "tracker": {"sender_id": "token-test", "slots": {}, "latest_message": {"text": "hallo"}, "events": []},
    "domain": {},
}


def start_action_server(tmp_path_factory: pytest.TempPathFactory, token: str) -> Iterator[str]:
    port = local_servers.free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    process = local_servers.start_process(
        actions_command(str(port)), {"ACTIONS_PORT": str(port), "ACTION_SERVER_TOKEN": token}, log
    )
    try:
        local_servers.wait_for(local_url(str(port), "/health"), process, timeout=90)
        yield local_url(str(port)).rstrip("/")
    finally:
        local_servers.stop_process(process)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_action_server(tmp_path_factory, TOKEN)


@pytest.fixture(scope="module")
def open_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_action_server(tmp_path_factory, "")


def call(url: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{url}/webhook", json=ACTION_CALL, headers=headers or {}, timeout=30)


def test_a_call_without_the_token_is_refused(guarded):
    response = call(guarded)
    assert response.status_code == 401
    assert "responses" not in response.text


def test_a_call_with_a_wrong_token_is_refused(guarded):
    assert call(guarded, {ACTION_SERVER_TOKEN_HEADER: TOKEN + "x"}).status_code == 401
    assert call(guarded, {ACTION_SERVER_TOKEN_HEADER: ""}).status_code == 401


def test_the_action_list_is_closed_too(guarded):
    assert requests.get(f"{guarded}/actions", timeout=10).status_code == 401


def test_a_call_with_the_token_runs_the_action(guarded):
    response = call(guarded, {ACTION_SERVER_TOKEN_HEADER: TOKEN})
    assert response.status_code == 200
    # No place named: the region action asks for one.
    assert [r.get("message_key") for r in response.json()["responses"]] == ["region.ask_place"]


def test_health_answers_without_the_token(guarded):
    assert requests.get(f"{guarded}/health", timeout=10).json() == {"status": "ok"}


def test_without_a_token_configured_no_header_is_needed(open_local):
    response = call(open_local)
    assert response.status_code == 200
    assert response.json()["responses"], "the action answered nothing"


def test_it_listens_on_localhost_only(guarded, open_local):
    for url in (guarded, open_local):
        port = int(url.rsplit(":", 1)[1])
        assert local_servers.listen_addresses(port) == {"127.0.0.1"}
