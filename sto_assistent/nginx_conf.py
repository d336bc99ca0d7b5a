"""nginx's configuration for the production-like stack, rendered from deploy/nginx.conf.template.

    python -m sto_assistent.nginx_conf --out FILE --run-dir DIR --listen 8000 \\
        --rasa rasa-1:5005 --rasa rasa-2:5005 --web web:8080 --console console:8090

`make run-prod` calls `write_config` (values from the environment, see prod_stack); the
command line is for the container image (deploy/Dockerfile.nginx), where the upstreams are
service names.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sto_assistent.settings import NGINX_TEMPLATE

PLACEHOLDER = re.compile(r"\{\{\s*([A-Z_]+)\s*\}\}")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True)
class NginxSite:
    run_dir: Path  # pid, logs, temp files
    listen: str  # port, or address:port
    rasa_servers: tuple[str, ...]  # host:port of each Rasa instance
    web_server: str
    console_server: str
    console_prefix: str  # e.g. /console

    def values(self) -> dict[str, str]:
        return {
            "RUN_DIR": str(self.run_dir),
            "LISTEN": self.listen,
            "RASA_SERVERS": "\n".join(f"        server {server};" for server in self.rasa_servers),
            "WEB_SERVER": self.web_server,
            "CONSOLE_SERVER": self.console_server,
            "CONSOLE_PREFIX": "/" + self.console_prefix.strip("/"),
            **failure_replies(),
        }


def failure_replies() -> dict[str, str]:
    """The REST answers nginx gives itself, in the Rasa server's words (channels/messages.yml):
    no instance could take the message (502/503/504), or too many messages (429). Both carry
    the marker for "not processed, send it again", like the server's own."""
    from channels.messages import MESSAGES, NOT_PROCESSED

    def body(key: str) -> str:
        reply = json.dumps([{"text": MESSAGES[key], "custom": NOT_PROCESSED}], ensure_ascii=False)
        return _nginx_quoted(reply)

    return {"UNAVAILABLE_REPLY": body("not_processed"), "TOO_MANY_REPLY": body("too_many")}


def _nginx_quoted(text: str) -> str:
    """Inside nginx's single quotes: backslashes and quotes escaped; no variables allowed."""
    if "$" in text:
        raise ValueError("a '$' would be read by nginx as a variable")
    return text.replace("\\", "\\\\").replace("'", "\\'")


def render(template: str, values: dict[str, str]) -> str:
    """Fill every `{{ NAME }}`; a placeholder without a value is an error, never left as is."""
    missing = sorted(set(PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)} in {NGINX_TEMPLATE.name}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def write_config(site: NginxSite, out: Path | None = None, template: Path = NGINX_TEMPLATE) -> Path:
    """Write nginx.conf (into run_dir unless `out` is given) and create the directories it names."""
    if not site.rasa_servers:
        raise ValueError("nginx needs at least one Rasa server")
    for name in TEMP_DIRS:
        (site.run_dir / "tmp" / name).mkdir(parents=True, exist_ok=True)
    path = out or site.run_dir / "nginx.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(template.read_text(encoding="utf-8"), site.values()), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--rasa", action="append", required=True, help="host:port, once per Rasa instance")
    parser.add_argument("--web", required=True)
    parser.add_argument("--console", required=True)
    parser.add_argument("--console-prefix", default="/console")
    args = parser.parse_args(argv)
    site = NginxSite(args.run_dir, args.listen, tuple(args.rasa), args.web, args.console, args.console_prefix)
    print(write_config(site, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
