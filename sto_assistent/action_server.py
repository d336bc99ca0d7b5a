"""The action server: rasa-sdk's app, bound to one interface and closed to callers without the secret.

    python -m sto_assistent.action_server [--port 5055]

rasa-sdk 3.6 checks no token and listens on every interface (SANIC_HOST, default 0.0.0.0). This
wraps its app (`rasa_sdk.endpoint.create_app`) with a middleware: when ACTION_SERVER_TOKEN is set,
every route but /health answers 401 unless the request carries the token in the header
ACTION_SERVER_TOKEN_HEADER (Rasa sends it: `headers` of `action_endpoint` in endpoints.yml). An
empty token (`make run`) asks for none; the server then relies on listening on ACTIONS_HOST
(127.0.0.1) only. CORS is off: only Rasa calls it, never a browser.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Any

from sto_assistent.settings import ACTION_SERVER_TOKEN_HEADER, setting

OPEN_PATHS = frozenset({"/health"})
log = logging.getLogger("sto_assistent.action_server")


def token_accepted(expected: str, given: str | None) -> bool:
    """No token configured: everything; otherwise an exact match (in constant time)."""
    if not expected:
        return True
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def create_app(token: str, action_package: str = "actions") -> Any:
    """rasa-sdk's Sanic app for `action_package`, refusing calls without `token` (if non-empty)."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response

    app = create_sdk_app(action_package, cors_origins=None)

    @app.on_request  # type: ignore[untyped-decorator]  # Sanic ships no type information
    async def require_token(request: Any) -> Any:
        if request.path in OPEN_PATHS or token_accepted(token, request.headers.get(ACTION_SERVER_TOKEN_HEADER)):
            return None
        log.warning("refused %s %s from %s: missing or wrong token", request.method, request.path, request.ip)
        return response.json({"error": "unauthorized"}, status=401)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(setting("ACTIONS_PORT")))
    parser.add_argument("--host", default=setting("ACTIONS_HOST"))
    parser.add_argument("--actions", default="actions", help="the package with the custom actions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    token = setting("ACTION_SERVER_TOKEN")
    app = create_app(token, args.actions)
    log.info("action server on http://%s:%d (%s)", args.host, args.port, "token required" if token else "no token")
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
