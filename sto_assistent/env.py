"""Run one command with the project's environment (.env plus safe defaults).

python -m sto_assistent.env rasa train ...
"""

from __future__ import annotations

import os
import sys

from sto_assistent.settings import PROJECT_DIR, VENV_BIN, build_env


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m sto_assistent.env COMMAND [ARGS...]", file=sys.stderr)
        return 2
    os.chdir(PROJECT_DIR)
    command = VENV_BIN / args[0]
    # The full path as argv[0] too: Python finds its virtualenv from argv[0].
    program = str(command) if command.exists() else args[0]
    os.execvpe(program, [program, *args[1:]], build_env())


if __name__ == "__main__":
    sys.exit(main())
