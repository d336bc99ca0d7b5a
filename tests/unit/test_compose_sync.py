"""deploy/compose.yml describes the same stack as `make run-prod` (sto_assistent/prod_stack.py):
the same services, the same ports, the same variable names; only nginx publishes a port."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sto_assistent import prod_stack
from sto_assistent.settings import COMPOSE_FILE, PROD_DEFAULTS, PROJECT_DIR

BACKING_SERVICES = {"redis", "postgres"}  # local servers in `make run-prod`, containers here


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data["services"]


@pytest.fixture(scope="module")
def local() -> dict[str, Any]:
    """The local stack as `make run-prod` defines it, with the default settings."""
    env = prod_stack.prod_env({}, project_dir=Path("/nonexistent"))  # no .env: the defaults only
    specs = prod_stack.prod_services(env, Path("nginx.conf"), Path("run"))
    return {"env": env, "services": {spec.name: spec for spec in specs}}


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in (service.get("environment") or {}).items()}


def test_the_same_services(compose, local):
    assert set(compose) == set(local["services"]) | BACKING_SERVICES


def test_only_nginx_publishes_a_port_the_prod_port(compose, local):
    published = {name: service["ports"] for name, service in compose.items() if service.get("ports")}
    assert list(published) == ["nginx"]
    (mapping,) = published["nginx"]
    assert mapping == f"${{PROD_PORT:-{local['env']['PROD_PORT']}}}:{local['env']['PROD_PORT']}"


def test_each_service_listens_on_its_local_port(compose, local):
    ports = {name: local_port(spec.health_url) for name, spec in local["services"].items()}
    for name, port in ports.items():
        kind = prod_stack.service_kind(name)
        if kind == "nginx":
            assert compose[name]["build"]["args"]["PROD_PORT"] == port
        else:
            assert environment(compose[name])[prod_stack.PORT_VARIABLES[kind]] == port, name


def test_nginx_is_built_with_the_local_upstreams(compose, local):
    args = compose["nginx"]["build"]["args"]
    site = prod_stack.nginx_site(local["env"])
    rasa = [name for name in local["services"] if name.startswith("rasa-")]
    expected_rasa = [f"{name}:{server.split(':')[1]}" for name, server in zip(rasa, site.rasa_servers, strict=True)]
    assert args["RASA_SERVERS"].split() == expected_rasa
    assert args["WEB_SERVER"] == f"web:{site.web_server.split(':')[1]}"
    assert args["CONSOLE_SERVER"] == f"console:{site.console_server.split(':')[1]}"
    assert args["CONSOLE_URL_PREFIX"] == local["env"]["CONSOLE_URL_PREFIX"]


def test_each_container_gets_exactly_its_variables(compose, local):
    for name in local["services"]:
        kind = prod_stack.service_kind(name)
        wanted = set(prod_stack.SERVICE_VARIABLES[kind]) | ({prod_stack.PORT_VARIABLES[kind]} - {"PROD_PORT"})
        assert set(environment(compose[name])) == wanted, name


def test_what_run_prod_changes_reaches_the_containers(compose, local):
    """Every value `make run-prod` sets differently from `make run` is given to some container."""
    changed = set(PROD_DEFAULTS) | set(prod_stack.public_values(local["env"]))
    given = {variable for name in local["services"] for variable in environment(compose[name])}
    assert changed - given == set()


def test_rasa_containers_define_every_variable_of_endpoints_yml(compose):
    used = set(re.findall(r"\$\{([A-Z_]+)\}", (PROJECT_DIR / "endpoints.yml").read_text()))
    assert used, "endpoints.yml reads the environment"
    assert used <= set(prod_stack.SERVICE_VARIABLES["rasa"])
    for name in ("rasa-1", "rasa-2"):
        assert used <= set(environment(compose[name])), name


def test_the_lock_store_class_named_in_compose_exists(compose):
    from sto_assistent.lock_store import AtomicRedisLockStore

    path = environment(compose["rasa-1"])["LOCK_STORE_TYPE"]
    assert path == PROD_DEFAULTS["LOCK_STORE_TYPE"]
    assert path == f"{AtomicRedisLockStore.__module__}.{AtomicRedisLockStore.__name__}"


def local_port(url: str | None) -> str:
    match = re.match(r"http://127\.0\.0\.1:(\d+)/", url or "")
    assert match, url
    return match.group(1)
