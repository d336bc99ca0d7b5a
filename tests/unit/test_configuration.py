"""Configuration: defaults need no set-up, .env and the environment override them, and every
variable the code reads is documented in .env.example (and the other way round)."""

from __future__ import annotations

import ast
import re

import yaml

from sto_assistent import settings
from sto_assistent.settings import PROJECT_DIR, build_env

PRODUCT_CODE = [
    "actions/*.py", "channels/*.py", "sto_assistent/*.py", "sto_regions/*.py", "web/serve.py",
    "console/console_site/*.py", "console/*/management/commands/*.py",
    "tests/conftest.py",  # the test-only variables, documented with them
]  # fmt: skip


def test_defaults_need_no_setup(tmp_path):
    env = build_env({}, project_dir=tmp_path)  # no .env there
    for name in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT", "CONSOLE_PORT"):
        assert env[name] == settings.DEFAULTS[name]
    assert len({env[n] for n in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT", "CONSOLE_PORT")}) == 4
    assert env["TRACKER_STORE_URL"] == f"sqlite:///{tmp_path / 'var' / 'conversations.db'}"
    assert (tmp_path / "var").is_dir()
    assert env["ACTION_ENDPOINT_URL"] == f"http://localhost:{settings.DEFAULTS['ACTIONS_PORT']}/webhook"


def test_dotenv_is_read_and_process_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("ACTIONS_PORT=6001\nTRACKER_STORE_URL=postgresql://u@db:5432/sto\nRASA_PORT=6000\n")
    env = build_env({"RASA_PORT": "7000"}, project_dir=tmp_path)
    assert env["RASA_PORT"] == "7000"
    assert env["TRACKER_STORE_URL"] == "postgresql://u@db:5432/sto"
    assert env["ACTION_ENDPOINT_URL"] == "http://localhost:6001/webhook"


def test_empty_values_in_dotenv_fall_back_to_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("REGIONS_FILE", "")
    assert settings.regions_file() == settings.REGIONS_FILE
    monkeypatch.setenv("REGIONS_FILE", "elsewhere/regions.yml")
    assert settings.regions_file() == PROJECT_DIR / "elsewhere" / "regions.yml"


def variables_read_by_the_code() -> set[str]:
    """Names passed to setting(...), os.environ.get(...), os.environ[...] or os.getenv(...)."""
    found: set[str] = set(settings.DEFAULTS)
    for pattern in PRODUCT_CODE:
        for path in PROJECT_DIR.glob(pattern):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                    func = ast.unparse(node.func)
                    if func in ("setting", "os.environ.get", "os.getenv", "env.get", "settings.setting", "ENV.get"):
                        found.add(str(node.args[0].value))
                elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                    if ast.unparse(node.value) in ("os.environ", "env", "ENV"):
                        found.add(str(node.slice.value))
    return {name for name in found if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)}


def test_every_variable_the_code_reads_is_documented_and_back():
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (PROJECT_DIR / ".env.example").read_text(), re.M))
    read = variables_read_by_the_code()
    assert {"RASA_PORT", "TRACKER_STORE_URL", "REGIONS_URL", "ALLOWED_ORIGINS"} <= read, "the scan finds reads"
    # Set for libraries, from other values: SANIC_REQUEST_MAX_SIZE follows RASA_REQUEST_MAX_BYTES.
    internal = {"SQLALCHEMY_SILENCE_UBER_WARNING", "TF_CPP_MIN_LOG_LEVEL", "SANIC_REQUEST_MAX_SIZE"}
    assert read - internal - documented == set(), "read by the code but not in .env.example"
    assert documented - read == set(), "documented but never read"


def test_the_makefile_and_the_settings_name_the_same_model():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    model = re.search(r"^MODEL := (\S+)$", makefile, re.M)
    assert model and PROJECT_DIR / model.group(1) == settings.MODEL_PATH


def test_endpoints_read_the_environment():
    endpoints = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text())
    assert endpoints["tracker_store"] == {
        "type": "sto_assistent.tracker_store.GuardedSQLTrackerStore",
        "url": "${TRACKER_STORE_URL}",
    }
    assert endpoints["action_endpoint"]["url"] == "${ACTION_ENDPOINT_URL}"


def test_credentials_use_the_guarded_channels_with_session_persistence():
    credentials = yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text())
    assert set(credentials) == {
        "channels.guarded_channels.GuardedRestInput",
        "channels.guarded_channels.GuardedSocketIOInput",
        "sto_assistent.health.HealthInput",
    }
    assert credentials["channels.guarded_channels.GuardedSocketIOInput"]["session_persistence"] is True


def test_pipeline_uses_the_local_blank_dutch_spacy_model():
    config = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())
    assert config["language"] == "nl"
    spacy = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert PROJECT_DIR / spacy["model"] == settings.SPACY_MODEL_DIR
    assert (settings.SPACY_MODEL_DIR / "meta.json").is_file(), "run `make install`"


def test_socketio_origins_default_to_the_demo_page(monkeypatch):
    from channels.guarded_channels import allowed_origins

    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("WEB_PORT", "8123")
    assert allowed_origins() == ["http://localhost:8123", "http://127.0.0.1:8123"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://www.example.nl/, https://b.example.nl")
    assert allowed_origins() == ["https://www.example.nl", "https://b.example.nl"]
