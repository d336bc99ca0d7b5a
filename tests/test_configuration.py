"""Configuration: defaults need no set-up, .env and the environment override them."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR / "scripts"))

import runtime_env  # noqa: E402


def test_defaults_need_no_setup(monkeypatch, tmp_path):
    monkeypatch.setattr(runtime_env, "PROJECT_DIR", tmp_path)  # no .env there
    env = runtime_env.build_env({})
    assert env["RASA_PORT"] == "5005" and env["ACTIONS_PORT"] == "5055" and env["WEB_PORT"] == "8080"
    assert env["TRACKER_STORE_URL"] == f"sqlite:///{tmp_path / 'var' / 'conversations.db'}"
    assert (tmp_path / "var").is_dir()
    assert env["ACTION_ENDPOINT_URL"] == "http://localhost:5055/webhook"


def test_dotenv_is_read_and_process_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setattr(runtime_env, "PROJECT_DIR", tmp_path)
    (tmp_path / ".env").write_text(
        "ACTIONS_PORT=6001\nTRACKER_STORE_URL=postgresql://u@db:5432/sto\nRASA_PORT=6000\n"
    )
    env = runtime_env.build_env({"RASA_PORT": "7000"})
    assert env["RASA_PORT"] == "7000"
    assert env["TRACKER_STORE_URL"] == "postgresql://u@db:5432/sto"
    assert env["ACTION_ENDPOINT_URL"] == "http://localhost:6001/webhook"


def test_every_documented_variable_is_used_somewhere():
    documented = re.findall(r"^([A-Z_]+)=", (PROJECT_DIR / ".env.example").read_text(), re.M)
    sources = "".join(
        p.read_text(encoding="utf-8")
        for pattern in ("scripts/*.py", "actions/*.py", "channels/*.py", "web/serve.py", "tests/*.py",
                        "endpoints.yml", "sto_regions/*.py")
        for p in PROJECT_DIR.glob(pattern)
    )
    unused = [name for name in documented if name not in sources]
    assert not unused, unused


def test_endpoints_read_the_environment():
    endpoints = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text())
    assert endpoints["tracker_store"] == {"type": "SQL", "url": "${TRACKER_STORE_URL}"}
    assert endpoints["action_endpoint"]["url"] == "${ACTION_ENDPOINT_URL}"


def test_credentials_use_the_guarded_channels_with_session_persistence():
    credentials = yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text())
    assert set(credentials) == {
        "channels.guarded_channels.GuardedRestInput",
        "channels.guarded_channels.GuardedSocketIOInput",
    }
    assert credentials["channels.guarded_channels.GuardedSocketIOInput"]["session_persistence"] is True


def test_pipeline_uses_the_local_blank_dutch_spacy_model():
    config = yaml.safe_load((PROJECT_DIR / "config.yml").read_text())
    assert config["language"] == "nl"
    spacy = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert (PROJECT_DIR / spacy["model"] / "meta.json").is_file(), "run `make install`"
    names = [c["name"] for c in config["pipeline"]]
    assert {"DIETClassifier", "ResponseSelector", "FallbackClassifier"} <= set(names)
    char_ngrams = [c for c in config["pipeline"] if c.get("analyzer") == "char_wb"]
    assert char_ngrams and char_ngrams[0]["max_ngram"] == 4


def test_socketio_origins_default_to_the_demo_page(monkeypatch):
    from channels.guarded_channels import allowed_origins

    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("WEB_PORT", "8123")
    assert allowed_origins() == ["http://localhost:8123", "http://127.0.0.1:8123"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://www.example.nl/, https://b.example.nl")
    assert allowed_origins() == ["https://www.example.nl", "https://b.example.nl"]
