#!/usr/bin/env python3
"""Serve the STO demo site (web/public) and the built widget (web/dist).

Standard library only. Every response carries a strict Content-Security-Policy, so the
demo proves the widget works without inline scripts or styles. In HTML files the
placeholder __RASA_SERVER_URL__ is replaced with the public URL of the Rasa server.

    python web/serve.py [--port 8080] [--host 127.0.0.1]

Environment: WEB_PORT (default 8080), WEB_HOST (default 127.0.0.1),
RASA_PUBLIC_URL (default http://localhost:${RASA_PORT:-5005}).
"""

from __future__ import annotations

import argparse
import html
import logging
import mimetypes
import os
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

WEB_DIR = Path(__file__).resolve().parent
PUBLIC_DIR = WEB_DIR / "public"
DIST_DIR = WEB_DIR / "dist"
ROOTS = (PUBLIC_DIR, DIST_DIR)
PLACEHOLDER = b"__RASA_SERVER_URL__"

log = logging.getLogger("sto-web")


def rasa_public_url() -> str:
    url = os.environ.get("RASA_PUBLIC_URL", "").strip()
    if not url:
        url = f"http://localhost:{os.environ.get('RASA_PORT', '5005').strip() or '5005'}"
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


def resolve(url_path: str) -> Optional[Path]:
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


class Handler(BaseHTTPRequestHandler):
    server_version = "sto-web"
    sys_version = ""
    csp = ""
    rasa_url = ""

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
            body = "<!doctype html><html lang=\"nl\"><title>Niet gevonden</title><h1>Pagina niet gevonden</h1></html>"
            self._send(HTTPStatus.NOT_FOUND, body.encode(), "text/html; charset=utf-8", head_only)
            return
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            body = body.replace(PLACEHOLDER, html.escape(self.rasa_url).encode())
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        self._send(HTTPStatus.OK, body, content_type, head_only)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._serve(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head_only=True)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        log.info("%s %s", self.address_string(), format % args)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
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
    Handler.rasa_url = rasa_url
    Handler.csp = content_security_policy(rasa_url)

    try:
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    server.daemon_threads = True

    def stop(signum, _frame):
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
