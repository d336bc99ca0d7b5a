"""The socket.io channel accepts connections only from configured origins (ALLOWED_ORIGINS)."""
from __future__ import annotations

import requests


def handshake(stack, origin: str) -> requests.Response:
    return requests.get(
        f"{stack.rasa_url}/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": origin},
        timeout=30,
    )


def test_the_demo_page_origin_may_connect(stack):
    response = handshake(stack, f"http://localhost:{stack.web_port}")
    assert response.status_code == 200 and '"sid"' in response.text


def test_another_site_may_not_connect(stack):
    response = handshake(stack, "https://evil.example")
    assert response.status_code == 400
