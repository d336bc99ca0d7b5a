"""The demo site's page server (web/serve.py), started for real on a free port.

Pages are assembled from shared partials; each page marks its own menu link as current,
gets the national address from the region data file, and carries the strict CSP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from sto_assistent import local_servers
from sto_assistent.services import web_command

PAGES = {"/": "/", "/index.html": "/", "/over-sto.html": "/over-sto.html", "/privacy.html": "/privacy.html"}


@pytest.fixture(scope="module")
def web_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = local_servers.free_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    settings = {
        "RASA_PUBLIC_URL": "https://bot.example.nl",
        "RETENTION_DAYS": "28",
        "AUDIT_RETENTION_DAYS": "365",
        "CONTACT_RETENTION_DAYS": "42",
    }
    process = local_servers.start_process(web_command(str(port)), settings, log)
    url = f"http://127.0.0.1:{port}"
    try:
        local_servers.wait_for(f"{url}/", process, timeout=20)
        yield url
    finally:
        local_servers.stop_process(process)


@pytest.mark.parametrize("path, current", PAGES.items())
def test_every_page_has_the_shared_chrome_and_marks_itself(web_url, path, current, national_email):
    response = requests.get(web_url + path, timeout=5)
    assert response.status_code == 200
    page = response.text
    assert "<!-- include" not in page and "__" not in page, "every partial and placeholder is filled in"
    assert page.count('<header class="site-header">') == 1 and page.count('<footer class="site-footer">') == 1
    assert re.findall(r'<li><a href="([^"]+)" aria-current="page">', page) == [current]
    assert 'data-server-url="https://bot.example.nl"' in page
    if path in ("/", "/index.html"):
        assert f'href="mailto:{national_email}"' in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "wss://bot.example.nl" in csp


def test_the_privacy_page_states_the_configured_retention(web_url, national_email):
    page = requests.get(web_url + "/privacy.html", timeout=5).text
    assert "<strong>28 dagen na het laatste bericht</strong>" in page
    assert "<strong>365 dagen</strong>" in page
    assert "<strong>42 dagen</strong> na" in page, "how long a contact request is kept"
    assert "__" not in page, "every placeholder is filled in"
    assert f'href="mailto:{national_email}"' in page, "erasure requests go to the national address"


@pytest.mark.parametrize("path", ["/../partials/site_header.html", "/%2e%2e/serve.py", "/nope.html"])
def test_nothing_outside_the_public_folders_is_served(web_url, path):
    response = requests.get(web_url + path, timeout=5)
    assert response.status_code == 404
