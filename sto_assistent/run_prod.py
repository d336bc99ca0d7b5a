"""`make run-prod`: the production-like stack, supervised and stopped like `make run`.

python -m sto_assistent.run_prod     # nginx :8000, RASA_INSTANCES Rasa servers, actions, web, console

Needs PostgreSQL (TRACKER_STORE_URL; its database is created when missing) and Redis (REDIS_URL)
running, and nginx installed (`apt-get install nginx`). The stack is described in
sto_assistent/prod_stack.py.
"""

from __future__ import annotations

import argparse
import sys

from sto_assistent import launcher, prod_stack, services
from sto_assistent.nginx_conf import write_config
from sto_assistent.settings import MODEL_PATH, PROJECT_DIR


def banner(env: dict[str, str]) -> str:
    rasa = ", ".join(f"127.0.0.1:{port}" for port in prod_stack.rasa_ports(env))
    public = env["PUBLIC_URL"]
    return (
        "\nDe productie-achtige STO-assistent draait (alleen nginx is van buitenaf bereikbaar):\n"
        f"  webpagina:      {public}/\n"
        f"  REST:           {public}/webhooks/rest/webhook\n"
        f"  supportconsole: {public}{env['CONSOLE_URL_PREFIX'].rstrip('/')}/ (account: make console-user)\n"
        f"  Rasa-instanties: {rasa}\n"
        "Stoppen met Ctrl-C.\n"
    )


def problems(env: dict[str, str]) -> list[str]:
    """What stops the stack from starting, in the words a developer can act on."""
    found = []
    if not MODEL_PATH.exists():
        found.append(f"No trained model at {MODEL_PATH}: run `make train` first.")
    if not services.CONSOLE_PYTHON.exists():
        found.append("The support console is not installed: run `make console-install` first.")
    if not services.nginx_binary():
        found.append("nginx is not installed: `apt-get install nginx` (Debian/Ubuntu).")
    try:
        prod_stack.check_redis(env["REDIS_URL"])
    except ConnectionError as error:
        found.append(f"{error} (REDIS_URL).")
    try:
        prod_stack.ensure_database(env["TRACKER_STORE_URL"])
    except Exception as error:  # noqa: BLE001 - any driver error means the same here
        found.append(f"The tracker store database is not reachable (TRACKER_STORE_URL): {error}")
    return found


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    env = prod_stack.prod_env()
    errors = problems(env)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    prod_stack.ensure_action_server_token(env)
    site = prod_stack.nginx_site(env)
    conf = write_config(site)
    specs = prod_stack.prod_services(env, conf, site.run_dir)

    def when_ready() -> None:
        print(banner(env), flush=True)

    # A service that dies is started again; nginx sends its traffic to the others meanwhile.
    return launcher.supervise(specs, env, PROJECT_DIR, when_ready, restart=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
