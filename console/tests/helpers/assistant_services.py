"""Run with the ASSISTANT's venv (Python 3.10): prints, as JSON, the environment and the
command lines of the action server and Rasa, from the project's own single definitions
(sto_assistent.settings.build_env, sto_assistent.services.assistant_services).

    .venv/bin/python console/tests/helpers/assistant_services.py < overrides.json
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from sto_assistent import services  # noqa: E402
from sto_assistent.settings import build_env  # noqa: E402

overrides = json.load(sys.stdin)
env = build_env({**os.environ, **overrides})
# Only these two: the console under test is started by the test itself.
specs = [s for s in services.assistant_services(env, with_rasa=True, with_web=False) if s.name in ("actions", "rasa")]
print(
    json.dumps(
        {
            "env": env,
            "services": [{"name": s.name, "command": s.command, "health_url": s.health_url} for s in specs],
        }
    )
)
