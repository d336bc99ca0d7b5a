"""The action server picks up an edited region file, or a region file served over HTTP."""

from __future__ import annotations

import os
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sto_assistent.settings import REGIONS_FILE
from sto_regions import RegionDataError, RegionRepository


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))


def test_changed_file_is_reloaded(tmp_path):
    path = tmp_path / "regions.yml"
    shutil.copy(REGIONS_FILE, path)
    repository = RegionRepository(path)
    assert repository.current().find("Windesheim").kind == "not_found"
    path.write_text(
        path.read_text(encoding="utf-8").replace("places: [Zwolle]", "places: [Zwolle, Windesheim]", 1),
        encoding="utf-8",
    )
    _touch_later(path)
    assert {r.id for r in repository.current().find("Windesheim").regions} == {"zwolle"}


def test_broken_edit_keeps_last_good_copy(tmp_path, caplog):
    path = tmp_path / "regions.yml"
    shutil.copy(REGIONS_FILE, path)
    repository = RegionRepository(path)
    assert repository.current().find("Zwolle").found
    path.write_text("version: 1\nregions: [\n", encoding="utf-8")
    _touch_later(path)
    assert repository.current().find("Zwolle").found
    assert "keeping last good copy" in caplog.text


def test_missing_file_at_start_is_a_clear_error(tmp_path):
    with pytest.raises(RegionDataError, match="missing"):
        RegionRepository(tmp_path / "nope.yml").current()


class _Server:
    """A real HTTP server on localhost serving whatever body the test sets."""

    def __init__(self):
        self.body, self.status, self.delay = b"", 200, 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                time.sleep(outer.delay)
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/regions.yml"

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def server():
    started = _Server()
    yield started
    started.close()


def _with_place(place: str) -> bytes:
    text = REGIONS_FILE.read_text(encoding="utf-8")
    return text.replace("places: [Zwolle]", f"places: [Zwolle, {place}]", 1).encode()


def test_regions_url_is_loaded_and_refreshed(server):
    server.body = _with_place("Windesheim")
    repository = RegionRepository(REGIONS_FILE, url=server.url, refresh_seconds=0)
    first = repository.current()
    assert first.data.origin == server.url and first.find("Windesheim").found
    server.body = _with_place("Hattem")
    refreshed = repository.current()
    assert refreshed.find("Hattem").found and not refreshed.find("Windesheim").found


def test_regions_url_is_not_fetched_again_within_the_refresh_time(server):
    server.body = _with_place("Windesheim")
    repository = RegionRepository(REGIONS_FILE, url=server.url, refresh_seconds=3600)
    assert repository.current().find("Windesheim").found
    server.body = _with_place("Hattem")
    assert not repository.current().find("Hattem").found


@pytest.mark.parametrize("failure", ["status", "invalid", "timeout"])
def test_failing_url_falls_back_to_last_good_copy(server, caplog, failure):
    server.body = REGIONS_FILE.read_bytes()
    repository = RegionRepository(REGIONS_FILE, url=server.url, refresh_seconds=0, timeout_seconds=0.5)
    assert repository.current().data.origin == server.url
    if failure == "status":
        server.status = 500
    elif failure == "invalid":
        server.body = b"version: 1\nregions: []\n"
    else:
        server.delay = 1.5
    assert repository.current().find("Zwolle").found
    assert repository.current().data.origin == server.url
    assert "using the last good copy" in caplog.text


def test_unreachable_url_at_start_uses_the_local_file(caplog):
    repository = RegionRepository(REGIONS_FILE, url="http://127.0.0.1:9/regions.yml", timeout_seconds=0.5)
    assert repository.current().data.origin == str(REGIONS_FILE)
    assert "REGIONS_URL" in caplog.text
