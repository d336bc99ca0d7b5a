"""Liveness and readiness of one Rasa process, for operators, the launcher and load balancers.

    GET /webhooks/health/        200 while the process runs
    GET /webhooks/health/ready   200 {"status": "ready" | "degraded", "checks": {...}}
                                 503 {"status": "not_ready", ...} when messages cannot be processed

Not ready: no model loaded, the conversation database is unreachable (or its tables are not
created yet), or the Redis lock store does not answer. Degraded: the action server is down
(answers that need it get an apology; everything else works); its health answering again ends
the action-call circuit's wait (sto_assistent/action_calls.py). Each check has a short timeout,
so the endpoint answers within about two seconds whatever hangs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from sto_assistent.action_calls import ACTION_CIRCUIT

CHECK_TIMEOUT_SECONDS = 1.5
OK = "ok"
ESSENTIAL = ("model", "tracker_store", "lock_store")  # without one of them no message is processed


class HealthInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "health"

    def blueprint(self, on_new_message: Any) -> Blueprint:
        health = Blueprint("sto_health", __name__)

        @health.route("/", methods=["GET"])
        async def alive(request: Request) -> HTTPResponse:
            return response.json({"status": "alive"})

        @health.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            checks = await readiness_checks(getattr(request.app.ctx, "agent", None))
            status = overall_status(checks)
            return response.json({"status": status, "checks": checks}, status=503 if status == "not_ready" else 200)

        return health


def overall_status(checks: dict[str, str]) -> str:
    if any(checks[name] != OK for name in ESSENTIAL):
        return "not_ready"
    return "ready" if checks["action_server"] == OK else "degraded"


async def readiness_checks(agent: Any) -> dict[str, str]:
    """ "ok" or what is wrong, per dependency."""
    if agent is None or not agent.is_ready():
        return {"model": "not loaded", "tracker_store": "unknown", "lock_store": "unknown", "action_server": "unknown"}
    tracker_store, lock_store, action_server = await asyncio.gather(
        _tracker_store_problem(agent.tracker_store),
        _lock_store_problem(agent.lock_store),
        _action_server_problem(agent.action_endpoint),
    )
    return {"model": OK, "tracker_store": tracker_store, "lock_store": lock_store, "action_server": action_server}


async def _tracker_store_problem(store: Any) -> str:
    while not hasattr(store, "problem") and hasattr(store, "_tracker_store"):  # Rasa's wrappers
        store = store._tracker_store
    if not hasattr(store, "problem"):
        return OK  # a store without failure reporting (e.g. in memory in tests)
    return await store.problem() or OK


async def _lock_store_problem(lock_store: Any) -> str:
    client = getattr(lock_store, "red", None)  # Redis-backed lock stores; in memory: nothing to check
    if client is None:
        return OK
    try:
        await asyncio.wait_for(asyncio.to_thread(client.ping), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means the same to the operator
        return f"Redis does not answer: {type(error).__name__}"
    return OK


async def _action_server_problem(endpoint: Any) -> str:
    url = getattr(endpoint, "url", None)
    if not url:
        return "not configured"
    health_url = url.rsplit("/webhook", 1)[0] + "/health"
    try:
        timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(health_url) as answer:
            if answer.status == 200:
                ACTION_CIRCUIT.succeeded()  # it answers again: let the next calls through
                return OK
            return f"HTTP {answer.status} from {health_url}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return f"does not answer at {health_url}: {type(error).__name__}"
