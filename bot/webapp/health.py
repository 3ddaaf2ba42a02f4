"""GET /healthz: ready only when Rasa, the action server and the intake database answer.

The three checks run in parallel with a short timeout each; the answer names the part
that is down and never contains personal data.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0

bp = Blueprint("health")


async def http_ok(session: aiohttp.ClientSession, url: str, timeout: float) -> bool:
    """True when GET url answers 200 within the timeout."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            return resp.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


async def database_ok(store: Any, timeout: float) -> bool:
    """True when store.ping() succeeds (sync or async) within the timeout."""
    if store is None:
        return False
    ping: Callable[[], Any] = store.ping

    async def _ping() -> Any:
        if inspect.iscoroutinefunction(ping):
            return await ping()
        return await asyncio.get_running_loop().run_in_executor(None, ping)

    try:
        result = await asyncio.wait_for(_ping(), timeout)
    except Exception as exc:  # any driver error means "down"; details stay out of the answer
        # Only the type: driver messages can contain the connection URL.
        logger.warning("health: database ping failed (%s)", type(exc).__name__)
        return False
    return result is not False


async def check_all(
    session: aiohttp.ClientSession,
    rasa_url: str,
    action_server_url: str,
    store: Any,
    timeout: float = CHECK_TIMEOUT_SECONDS,
) -> dict[str, str]:
    """Run the three checks in parallel; 'status' is 'ok' only when all parts are 'ok'."""
    checks: dict[str, Awaitable[bool]] = {
        "rasa": http_ok(session, rasa_url.rstrip("/") + "/", timeout),
        "actions": http_ok(session, action_server_url.rstrip("/") + "/health", timeout),
        "database": database_ok(store, timeout),
    }
    results = await asyncio.gather(*checks.values())
    parts = {name: "ok" if ok else "down" for name, ok in zip(checks, results, strict=True)}
    status = "ok" if all(results) else "degraded"
    return {"status": status, **parts}


@bp.route("/healthz", methods=["GET", "HEAD"])
async def healthz(request: Request) -> HTTPResponse:
    """200 when everything answers, else 503 naming the part that is down."""
    ctx = request.app.ctx
    report = await check_all(
        ctx.http, ctx.settings.rasa_url, ctx.settings.action_server_url, ctx.intake_store
    )
    return json(report, status=200 if report["status"] == "ok" else 503)
