"""A small stand-in for the web app: the demo page, the static files and a scripted /api/chat.

It serves the real bot/webapp/static folder and renders the real templates/index.html, so
the browser tests exercise the widget exactly as shipped, without Rasa or the Sanic app.
It runs in a background thread with its own event loop, because the browser tests use
Playwright's synchronous API.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import jinja2
from aiohttp import web

from bot.paths import PROJECT_ROOT
from bot.webapp.security import content_security_policy

STATIC_DIR = PROJECT_ROOT / "bot" / "webapp" / "static"
TEMPLATE_DIR = PROJECT_ROOT / "bot" / "webapp" / "templates"
GEMEENTEN = [
    ("almere", "Almere"),
    ("dordrecht", "Dordrecht"),
    ("papendrecht", "Papendrecht"),
    ("schouwen-duiveland", "Schouwen-Duiveland"),
]

# The real app's policy (bot/webapp/security.py) for a page that may not be framed.
CSP = content_security_policy("/staff/")

# Like the real proxy (bot/webapp/chat_proxy.py): the widget runs on other origins.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}

XSS_IMG = '<img src="x" onerror="window.__ocoXss = 1">'
XSS_SCRIPT = "<script>window.__ocoXss = 2</script><b>vet</b>"


def bot(text: str, buttons: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """One message in the shape of Rasa's REST channel."""
    message: dict[str, Any] = {"recipient_id": "fake", "text": text}
    if buttons:
        message["buttons"] = [{"title": t, "payload": p} for t, p in buttons]
    return message


def scripted_reply(message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """The fake bot: a few fixed turns, and an echo for everything else."""
    if message == "/ask_what_is_oco":
        return [
            bot("Een cliëntondersteuner helpt u gratis en staat naast u."),
            bot(
                "Wat wilt u nog meer weten?",
                [("Kost het geld?", "/ask_oco_cost"), ("Ik wil iemand spreken", "/request_human")],
            ),
        ]
    if message == "/ask_oco_cost":
        return [bot("Cliëntondersteuning is gratis. Meer uitleg: https://example.org/oco.")]
    if message == "/request_human":
        return [bot("Hoe wilt u contact?", [("Bel mij", "/inform_telefoon")])]
    if "html" in message.lower():
        return [bot(XSS_IMG), bot(XSS_SCRIPT), bot("Klik op javascript:alert(1) niet.")]
    gemeente = metadata.get("gemeente") or "onbekend"
    return [bot(f"U schreef: {message}. Gemeente: {gemeente}.")]


@dataclass
class FakeSite:
    """The fake web app and fake Rasa; `down` makes /api/chat answer 502 (server trouble)."""

    down: bool = False
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    def reset(self) -> None:
        """Back to a healthy, fast bot with an empty request log."""
        self.down = False
        self.delay = 0.0
        self.requests.clear()

    # ----- handlers -----

    async def _index(self, request: web.Request) -> web.Response:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
            autoescape=jinja2.select_autoescape(["html"]),
        )
        slugs = {slug for slug, _ in GEMEENTEN}
        gemeente = request.query.get("gemeente", "")
        html = env.get_template("index.html").render(
            gemeente=gemeente if gemeente in slugs else "",
            gemeenten=GEMEENTEN,
            widget_src="/static/oco-chat.js",
        )
        return web.Response(text=html, content_type="text/html")

    async def _chat(self, request: web.Request) -> web.Response:
        """The widget's /api/chat, and Rasa's REST webhook when the real app is in front."""
        body = await request.json()
        self.requests.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return web.json_response({"error": "unreachable"}, status=502, headers=CORS_HEADERS)
        answer = scripted_reply(body["message"], body.get("metadata") or {})
        return web.json_response(answer, headers=CORS_HEADERS)

    async def _preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers=CORS_HEADERS)

    @web.middleware
    async def _headers(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers])
        app.router.add_get("/", self._index)
        app.router.add_post("/api/chat", self._chat)
        app.router.add_route("OPTIONS", "/api/chat", self._preflight)
        app.router.add_post("/webhooks/rest/webhook", self._chat)
        app.router.add_static("/static", STATIC_DIR)
        return app

    # ----- lifecycle -----

    def start(self) -> FakeSite:
        """Serve on a free port of 127.0.0.1 from a background thread."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._runner = web.AppRunner(self._app(), access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = self._runner.addresses[0][1]
            self.base_url = f"http://127.0.0.1:{port}"
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-site", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake site did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


if __name__ == "__main__":  # manual use: python -m tests.browser.fake_site
    import time

    fake = FakeSite().start()
    print(f"Demo page: {fake.base_url}/?gemeente=dordrecht")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
