#!/usr/bin/env python3
"""Serve the STO demo site (web/public) and the built widget (web/dist).

Every response carries a strict Content-Security-Policy, so the demo proves the widget
works without inline scripts or styles. HTML pages are assembled when served: the page
chrome shared by every page comes from web/partials/ (`<!-- include: NAME -->`), the menu
link of the current page gets aria-current="page", and the placeholders __RASA_SERVER_URL__
(the public URL of the Rasa server), __NATIONAL_EMAIL__ (from the region data file) and
__RETENTION_DAYS__ / __AUDIT_RETENTION_DAYS__ / __CONTACT_RETENTION_DAYS__ (what the console's retention job keeps, for
the privacy page) are filled in.

    python web/serve.py [--port 8080] [--host 127.0.0.1]

Environment: WEB_PORT, WEB_HOST (default 127.0.0.1), RASA_PUBLIC_URL (default
http://localhost:$RASA_PORT), RETENTION_DAYS, AUDIT_RETENTION_DAYS; defaults in
sto_assistent/settings.py.
"""

from __future__ import annotations

import argparse
import html
import logging
import mimetypes
import re
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sto_assistent.settings import regions_file, setting
from sto_regions import load_region_file

WEB_DIR = Path(__file__).resolve().parent
PUBLIC_DIR = WEB_DIR / "public"
DIST_DIR = WEB_DIR / "dist"
PARTIALS_DIR = WEB_DIR / "partials"
ROOTS = (PUBLIC_DIR, DIST_DIR)
INCLUDE = re.compile(rb"<!-- include: ([a-z_]+) -->\n?")

log = logging.getLogger("sto-web")


def rasa_public_url() -> str:
    url = setting("RASA_PUBLIC_URL")
    if not url:
        url = f"http://localhost:{setting('RASA_PORT')}"
    return url.rstrip("/")


def websocket_url(http_url: str) -> str:
    parts = urlsplit(http_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src 'self' {origin(rasa_url)} {websocket_url(rasa_url)}",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def resolve(url_path: str) -> Path | None:
    """Map a URL path to a file in public/ or dist/; never outside them."""
    relative = unquote(urlsplit(url_path).path).lstrip("/")
    for root in ROOTS:
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            return None  # path traversal attempt
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if candidate.is_file():
            return candidate
    return None


def assemble_page(body: bytes, url_path: str, placeholders: dict[bytes, str]) -> bytes:
    """A page from public/ with its partials included, current menu link marked, values filled."""

    def include(match: re.Match[bytes]) -> bytes:
        return (PARTIALS_DIR / f"{match.group(1).decode()}.html").read_bytes()

    body = INCLUDE.sub(include, body)
    path = urlsplit(url_path).path
    current = "/" if path in ("", "/", "/index.html") else path
    body = body.replace(
        f'<li><a href="{html.escape(current)}">'.encode(),
        f'<li><a href="{html.escape(current)}" aria-current="page">'.encode(),
    )
    for placeholder, value in placeholders.items():
        body = body.replace(placeholder, html.escape(value).encode())
    return body


class Handler(BaseHTTPRequestHandler):
    server_version = "sto-web"
    sys_version = ""
    csp = ""
    placeholders: dict[bytes, str] = {}

    def _send(self, status: int, body: bytes, content_type: str, head_only: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "strict-origin-when-cross-origin")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _serve(self, head_only: bool) -> None:
        path = resolve(self.path)
        if path is None:
            page = '<!doctype html><html lang="nl"><title>Niet gevonden</title><h1>Pagina niet gevonden</h1></html>'
            self._send(HTTPStatus.NOT_FOUND, page.encode(), "text/html; charset=utf-8", head_only)
            return
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            body = assemble_page(body, self.path, self.placeholders)
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        self._send(HTTPStatus.OK, body, content_type, head_only)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._serve(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head_only=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.info("%s %s", self.address_string(), format % args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(setting("WEB_PORT")))
    parser.add_argument("--host", default=setting("WEB_HOST"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    mimetypes.add_type("application/javascript", ".js")
    mimetypes.add_type("text/css", ".css")
    mimetypes.add_type("application/json", ".map")

    if not (DIST_DIR / "sto-widget.js").is_file():
        log.error(
            "%s is missing: the chat widget has not been built. Run `make install` "
            "(or `cd web && npm ci && npm run build`). The page is served without the widget.",
            DIST_DIR / "sto-widget.js",
        )

    rasa_url = rasa_public_url()
    Handler.placeholders = {
        b"__RASA_SERVER_URL__": rasa_url,
        b"__NATIONAL_EMAIL__": load_region_file(regions_file()).national_contact.email,
        b"__RETENTION_DAYS__": setting("RETENTION_DAYS"),
        b"__AUDIT_RETENTION_DAYS__": setting("AUDIT_RETENTION_DAYS"),
        b"__CONTACT_RETENTION_DAYS__": setting("CONTACT_RETENTION_DAYS"),
    }
    Handler.csp = content_security_policy(rasa_url)

    try:
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    server.daemon_threads = True

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    log.info("serving %s and %s on http://%s:%s (Rasa: %s)", PUBLIC_DIR, DIST_DIR, args.host, args.port, rasa_url)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
