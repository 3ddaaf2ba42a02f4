"""The OCO-wegwijzer web app (Sanic, port 8080): demo page, chat proxy, health, staff pages.

Run with ``python -m bot.webapp``. The intake API blueprint and the e-mail outbox worker
come from ``bot.intake``; this module wires them in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import aiohttp
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, Sanic
from sanic.response import HTTPResponse, html

from bot.analytics.store import AnalyticsStore
from bot.gemeente_recognition import served_gemeenten
from bot.intake.api import create_intake_blueprint
from bot.intake.mailer import mailer_from_settings
from bot.intake.outbox import run_outbox_worker
from bot.intake.store import IntakeStore
from bot.settings import Settings, load_settings
from bot.webapp import chat_proxy, health, staff
from bot.webapp.security import install_security
from bot.webapp.stats import create_stats_blueprint

logger = logging.getLogger(__name__)

WEBAPP_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEBAPP_DIR / "templates"
STATIC_DIR = WEBAPP_DIR / "static"
WIDGET_SRC = "/static/oco-chat.js"


def make_jinja() -> Environment:
    """Templates with autoescape on (also for .html templates rendered from strings)."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


async def index(request: Request) -> HTTPResponse:
    """The demo municipal page with the chat widget; ?gemeente=<slug> picks the municipality."""
    gemeenten = request.app.ctx.gemeenten
    wanted = request.args.get("gemeente", "")
    slug = wanted if wanted in {known for known, _ in gemeenten} else ""
    page = request.app.ctx.jinja.get_template("index.html").render(
        gemeente=slug, gemeenten=gemeenten, widget_src=WIDGET_SRC
    )
    return html(page)


def _register_lifecycle(app: Sanic) -> None:
    """HTTP client session and outbox worker live as long as the server."""

    @app.before_server_start
    async def _open(app: Sanic, _loop: Any) -> None:
        app.ctx.http = aiohttp.ClientSession()

    @app.after_server_start
    async def _start_outbox(app: Sanic, _loop: Any) -> None:
        mailer = mailer_from_settings(app.ctx.settings)
        app.ctx.outbox_task = asyncio.create_task(
            run_outbox_worker(app.ctx.intake_store.outbox, mailer), name="oco-outbox-worker"
        )

    @app.before_server_stop
    async def _stop_outbox(app: Sanic, _loop: Any) -> None:
        task = getattr(app.ctx, "outbox_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    @app.after_server_stop
    async def _close(app: Sanic, _loop: Any) -> None:
        await app.ctx.http.close()


def create_app(
    settings: Settings,
    *,
    intake_store: IntakeStore | None = None,
    analytics_store: AnalyticsStore | None = None,
    name: str = "oco_webapp",
) -> Sanic:
    """Build the web app. `intake_store` defaults to IntakeStore(settings.database_url)."""
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.jinja = make_jinja()
    app.ctx.gemeenten = served_gemeenten()
    store = intake_store if intake_store is not None else IntakeStore(settings.database_url)
    app.ctx.intake_store = store

    install_security(app)
    app.static("/static", str(STATIC_DIR), name="static")
    app.add_route(index, "/", methods=["GET", "HEAD"], name="index")
    app.blueprint(health.bp)
    app.blueprint(chat_proxy.bp)
    app.blueprint(staff.bp)
    app.blueprint(create_intake_blueprint(store, settings.tracker_store_url))
    app.blueprint(create_stats_blueprint(analytics_store or AnalyticsStore(settings.database_url)))
    _register_lifecycle(app)
    return app


def main() -> None:
    """Start the web app on OCO_WEB_PORT (default 8080)."""
    # Sanic configures its own loggers; ours ("bot.*") get one handler of their own.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    project_logger = logging.getLogger("bot")
    project_logger.addHandler(handler)
    project_logger.setLevel(logging.INFO)
    from bot.logging_privacy import install as mask_personal_data_in_logs

    settings = load_settings()
    if not settings.staff_token:
        logger.warning("OCO_STAFF_TOKEN is not set: staff pages and the intake API refuse everyone")
    app = create_app(settings)
    mask_personal_data_in_logs()  # after Sanic set up its loggers (bot/logging_privacy.py)
    app.run(host=settings.web_host, port=settings.web_port, access_log=False, motd=False)
