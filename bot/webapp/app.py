"""The OCO-wegwijzer web app (Sanic, port 8080): demo page, chat proxy, health, staff pages.

Run with ``python -m bot.webapp``. The intake API blueprint and the e-mail outbox worker
come from ``bot.ops.intake``; this module wires them in.
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

from bot.domain.gemeente_recognition import served_gemeenten
from bot.ops.analytics.store import AnalyticsStore
from bot.ops.intake.mailer import mailer_from_settings
from bot.ops.intake.outbox import run_outbox_worker
from bot.ops.intake.store import IntakeStore
from bot.ops.retention import SCHEDULE_INTERVAL_S, run_retention_schedule
from bot.ops.settings import Settings, load_settings
from bot.ops.staff_accounts import StaffAccounts
from bot.webapp import chat_proxy, health, staff_format, staff_pages, staff_test_page
from bot.webapp.intake_api import create_intake_blueprint
from bot.webapp.security import install_security
from bot.webapp.static_guard import install_static_guard
from bot.webapp.stats import create_stats_blueprint

logger = logging.getLogger(__name__)

WEBAPP_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEBAPP_DIR / "templates"
STATIC_DIR = WEBAPP_DIR / "static"
WIDGET_SRC = "/static/oco-chat.js"


def make_jinja() -> Environment:
    """Templates with autoescape on (also for .html templates rendered from strings)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Staff pages: Dutch times in Europe/Amsterdam, labels for closed vocabularies.
    env.filters["nl_datetime"] = staff_format.dutch_datetime
    env.filters["status_label"] = staff_format.status_label
    env.filters["gemeente_label"] = staff_format.gemeente_label
    env.filters["life_domains"] = staff_format.life_domain_text
    env.globals["contact_preference_labels"] = staff_format.CONTACT_PREFERENCE_LABELS
    env.globals["wijkteam_labels"] = staff_format.WIJKTEAM_LABELS
    env.globals["delivery_labels"] = staff_format.DELIVERY_LABELS
    return env


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

    @app.after_server_start
    async def _start_retention(app: Sanic, _loop: Any) -> None:
        # AVG: old conversations and intakes are deleted inside the product, hourly.
        interval = app.ctx.retention_interval_s
        if interval:
            app.ctx.retention_task = asyncio.create_task(
                run_retention_schedule(app.ctx.settings, app.ctx.intake_store, interval),
                name="oco-retention",
            )

    @app.before_server_stop
    async def _stop_outbox(app: Sanic, _loop: Any) -> None:
        for name in ("outbox_task", "retention_task"):
            task = getattr(app.ctx, name, None)
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
    retention_interval_s: float | None = SCHEDULE_INTERVAL_S,
) -> Sanic:
    """Build the web app. `intake_store` defaults to IntakeStore(settings.database_url).

    `retention_interval_s`: how often the retention purge runs in this process (None: not).
    """
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    app.ctx.jinja = make_jinja()
    app.ctx.gemeenten = served_gemeenten()
    store = (
        intake_store if intake_store is not None
        else IntakeStore(settings.database_url, staff_url=settings.public_url)
    )
    app.ctx.intake_store = store
    app.ctx.staff_accounts = StaffAccounts(store.engine, store.writer)
    app.ctx.retention_interval_s = retention_interval_s

    install_security(app)
    install_static_guard(app, STATIC_DIR)
    app.static("/static", str(STATIC_DIR), name="static")
    app.add_route(index, "/", methods=["GET", "HEAD"], name="index")
    app.blueprint(health.bp)
    app.blueprint(chat_proxy.bp)
    app.blueprint(staff_pages.bp)
    app.blueprint(staff_test_page.bp)
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
    from bot.ops.logging_privacy import install as mask_personal_data_in_logs

    settings = load_settings()
    if not settings.staff_token:
        logger.warning("OCO_STAFF_TOKEN is not set: staff pages and the intake API refuse everyone")
    app = create_app(settings)
    mask_personal_data_in_logs()  # after Sanic set up its loggers (bot/ops/logging_privacy.py)
    app.run(host=settings.web_host, port=settings.web_port, access_log=False, motd=False)
