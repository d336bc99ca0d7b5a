"""Train a model from scratch into a folder, for benchmarks and pipeline comparisons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sto_assistent.settings import DOMAIN_DIR, PROJECT_DIR

CONFIG_PATH = PROJECT_DIR / "config.yml"


def train_fresh(out_dir: Path, name: str, config: Path = CONFIG_PATH) -> float:
    """Train `config` into `out_dir/<name>.tar.gz` with an empty Rasa cache (a fair timing).

    Returns the wall-clock seconds. Rasa's output is discarded; a failure raises.
    """
    cache = Path(tempfile.mkdtemp(prefix="rasa-cache-"))
    command = [
        sys.executable, "-m", "sto_assistent.env", "rasa", "train", "--config", str(config),
        "--domain", str(DOMAIN_DIR), "--out", str(out_dir), "--fixed-model-name", name,
    ]  # fmt: skip
    start = time.perf_counter()
    try:
        subprocess.run(
            command,
            cwd=PROJECT_DIR,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "RASA_CACHE_DIRECTORY": str(cache)},
        )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return time.perf_counter() - start
