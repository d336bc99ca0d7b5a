"""Configuration of the production-like stack: its environment, nginx's rendered config (checked
by nginx itself), the action server's token, and that `make run` keeps its own defaults."""

from __future__ import annotations

import json
import re
import stat
import subprocess

import pytest
import yaml

from channels.messages import MESSAGES, NOT_PROCESSED
from sto_assistent import prod_stack, services
from sto_assistent.nginx_conf import NginxSite, render, write_config
from sto_assistent.settings import ACTION_SERVER_TOKEN_HEADER, PROJECT_DIR, build_env


def test_make_run_keeps_sqlite_the_memory_lock_store_and_no_token(tmp_path):
    env = build_env({}, project_dir=tmp_path)
    assert env["TRACKER_STORE_URL"].startswith("sqlite:///")
    assert env["LOCK_STORE_TYPE"] == "in_memory"
    assert env["ACTION_SERVER_TOKEN"] == ""
    assert env["ACTIONS_HOST"] == "127.0.0.1"


def test_prod_defaults_postgres_redis_and_the_console_under_its_prefix(tmp_path):
    env = prod_stack.prod_env({}, project_dir=tmp_path)
    assert env["TRACKER_STORE_URL"] == "postgresql://postgres@127.0.0.1:5432/sto_assistent"
    assert env["LOCK_STORE_TYPE"] == "sto_assistent.lock_store.AtomicRedisLockStore"
    assert prod_stack.rasa_ports(env) == ["5005", "5006"]
    assert env["PUBLIC_URL"] == "http://localhost:8000"
    assert env["ALLOWED_ORIGINS"] == "http://localhost:8000,http://127.0.0.1:8000"
    assert env["CONSOLE_PUBLIC_URL"] == "http://localhost:8000/console"
    assert env["CONSOLE_ALLOWED_HOSTS"] == "localhost,127.0.0.1"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"


def test_prod_settings_follow_dotenv_and_the_environment(tmp_path):
    # An empty value in .env (as .env.example has) keeps the stack's default.
    (tmp_path / ".env").write_text("TRACKER_STORE_URL=\nRASA_INSTANCES=3\n")
    env = prod_stack.prod_env({"PUBLIC_URL": "https://chat.example.nl/", "RASA_PORT": "6000"}, project_dir=tmp_path)
    assert env["TRACKER_STORE_URL"].endswith("/sto_assistent")
    assert prod_stack.rasa_ports(env) == ["6000", "6001", "6002"]
    assert env["ALLOWED_ORIGINS"] == "https://chat.example.nl"
    assert env["RASA_PUBLIC_URL"] == "https://chat.example.nl"
    assert env["CONSOLE_ALLOWED_HOSTS"] == "chat.example.nl,localhost,127.0.0.1"


def test_zero_rasa_instances_is_refused(tmp_path):
    with pytest.raises(ValueError, match="RASA_INSTANCES"):
        prod_stack.rasa_ports(prod_stack.prod_env({"RASA_INSTANCES": "0"}, project_dir=tmp_path))


def test_only_nginx_is_started_on_every_interface(tmp_path):
    env = prod_stack.prod_env({}, project_dir=tmp_path)
    specs = prod_stack.prod_services(env, tmp_path / "nginx.conf", tmp_path)
    assert [s.name for s in specs] == ["actions", "rasa-1", "rasa-2", "web", "console", "nginx"]
    for spec in specs:
        if spec.name.startswith("rasa-"):
            assert spec.command[spec.command.index("--interface") + 1] == "127.0.0.1"


def test_the_rendered_nginx_config_is_valid_nginx(tmp_path):
    nginx = services.nginx_binary()
    assert nginx, "nginx is not installed (.ci/run installs it: apt-get install nginx)"
    env = prod_stack.prod_env({"NGINX_RUN_DIR": str(tmp_path / "nginx")}, project_dir=tmp_path)
    site = prod_stack.nginx_site(env)
    conf = write_config(site)
    text = conf.read_text()
    assert "{{" not in text
    assert text.count("server 127.0.0.1:5005;") == 2 and text.count("server 127.0.0.1:5006;") == 2
    checked = subprocess.run(
        [nginx, "-t", "-p", str(site.run_dir), "-e", str(site.run_dir / "error.log"), "-c", str(conf)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def test_a_placeholder_without_a_value_is_an_error():
    with pytest.raises(KeyError, match="MISSING"):
        render("listen {{ LISTEN }}; {{ MISSING }}", {"LISTEN": "8000"})


def test_rasa_sends_the_header_the_action_server_checks():
    endpoints = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["headers"] == {ACTION_SERVER_TOKEN_HEADER: "${ACTION_SERVER_TOKEN}"}
    assert endpoints["lock_store"] == {"type": "${LOCK_STORE_TYPE}", "url": "${REDIS_URL}"}


def test_the_token_is_generated_once_and_readable_by_the_owner_only(tmp_path):
    env = {"ACTION_SERVER_TOKEN": "", "ACTION_SERVER_TOKEN_FILE": str(tmp_path / "token")}
    token = prod_stack.ensure_action_server_token(env)
    assert len(token) >= 32 and env["ACTION_SERVER_TOKEN"] == token
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600
    assert prod_stack.ensure_action_server_token({**env, "ACTION_SERVER_TOKEN": ""}) == token
    assert prod_stack.ensure_action_server_token({**env, "ACTION_SERVER_TOKEN": "given"}) == "given"


def test_nginx_answers_its_own_errors_with_the_servers_dutch_text_as_json(tmp_path):
    site = NginxSite(tmp_path, "8000", ("127.0.0.1:5005",), "127.0.0.1:8080", "127.0.0.1:8090", "/console")
    text = write_config(site).read_text()
    for status, key in (("503", "not_processed"), ("429", "too_many")):
        quoted = re.search(rf"return {status} '((?:[^'\\\\]|\\\\.)*)';", text)
        assert quoted, f"no JSON answer for {status}"
        body = json.loads(re.sub(r"\\\\(.)", r"\1", quoted.group(1)))  # nginx drops the escaping backslash
        assert body == [{"text": MESSAGES[key], "custom": NOT_PROCESSED}]
