"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the fake site.

The tests skip when /usr/bin/chromium is missing, except under CI=true, where a missing
browser is a failure (`make test` installs it). `playwright install` is never used: it
downloads browsers, which this environment cannot do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fake_site import FakeSite
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from bot.paths import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("OCO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = PROJECT_ROOT / "tests" / "output" / "screenshots"


def _require_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = (
        f"Chromium not found at {CHROMIUM}. Install it with "
        "`apt-get install -y chromium` (make test does this)."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def fake_site() -> Iterator[FakeSite]:
    site = FakeSite().start()
    yield site
    site.stop()


@pytest.fixture
def site(fake_site: FakeSite) -> FakeSite:
    """The fake site, healthy and with an empty request log."""
    fake_site.reset()
    return fake_site


@dataclass
class PageProblems:
    """What went wrong in the page: script errors and Content-Security-Policy violations."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # Failed loads are judged in on_response (the console line has no URL).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def on_response(self, response: Response) -> None:
        # /api/chat fails on purpose in the server-down tests; browsers always ask for a favicon.
        path = urlsplit(response.url).path
        if response.status >= 400 and path not in {"/api/chat", "/favicon.ico"}:
            self.errors.append(f"{response.status} {path}")


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, problems: PageProblems) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="nl-NL", reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(5000)
    page.on("console", problems.on_console)
    page.on("response", problems.on_response)
    page.on("pageerror", lambda error: problems.errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest):
    """shot(page, step): save a screenshot as tests/output/screenshots/<test>-<step>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.replace("[", "-").replace("]", "")

    def take(page: Page, step: str) -> Path:
        path = SCREENSHOT_DIR / f"{test_name}-{step}.png"
        page.screenshot(path=str(path))
        return path

    return take
