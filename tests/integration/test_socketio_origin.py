"""The socket.io channel accepts connections only from configured origins (ALLOWED_ORIGINS)."""

from __future__ import annotations

import pytest
import requests


def handshake(stack, origin: str) -> requests.Response:
    return requests.get(
        f"{stack.rasa_url}/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": origin},
        timeout=30,
    )


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_the_demo_page_origin_may_connect(stack, host):
    response = handshake(stack, f"http://{host}:{stack.env['WEB_PORT']}")
    assert response.status_code == 200 and '"sid"' in response.text


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:1"])
def test_another_site_may_not_connect(stack, origin):
    response = handshake(stack, origin)
    assert response.status_code == 400
