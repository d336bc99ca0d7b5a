"""`make run` and `make shell`: the whole assistant, stopped together.

python -m sto_assistent.run                # action server, Rasa, web page, console; until Ctrl-C
python -m sto_assistent.run --no-console   # the same without the support console
python -m sto_assistent.run --shell        # action server + `rasa shell` in this terminal
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from sto_assistent import launcher, services
from sto_assistent.settings import MODEL_PATH, PROJECT_DIR, build_env


def banner(env: dict[str, str]) -> str:
    return (
        "\nDe STO-assistent draait:\n"
        f"  webpagina:     http://localhost:{env['WEB_PORT']}\n"
        f"  Rasa (REST):   http://localhost:{env['RASA_PORT']}/webhooks/rest/webhook\n"
        f"  actieserver:   http://localhost:{env['ACTIONS_PORT']}/health\n"
        f"  supportconsole: http://localhost:{env['CONSOLE_PORT']}/ (account: make console-user)\n"
        "Stoppen met Ctrl-C.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shell", action="store_true", help="action server + rasa shell")
    parser.add_argument("--no-console", action="store_true", help="do not start the support console")
    args = parser.parse_args(argv)
    if not MODEL_PATH.exists():
        print(f"No trained model at {MODEL_PATH}: run `make train` first.", file=sys.stderr)
        return 1
    env = build_env()
    with_console = not (args.shell or args.no_console)
    if with_console and not services.CONSOLE_PYTHON.exists():
        print("The support console is not installed: run `make console-install` first.", file=sys.stderr)
        return 1
    specs = services.assistant_services(
        env, with_rasa=not args.shell, with_web=not args.shell, with_console=with_console
    )

    def when_ready() -> int | None:
        if args.shell:
            return subprocess.call(services.shell_command(env["RASA_PORT"]), cwd=PROJECT_DIR, env=env)
        print(banner(env), flush=True)
        return None

    return launcher.supervise(specs, env, PROJECT_DIR, when_ready)


if __name__ == "__main__":
    sys.exit(main())
