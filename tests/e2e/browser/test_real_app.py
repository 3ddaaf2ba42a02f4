"""The widget on the real web app (python -m bot.webapp), with the fake site standing in for Rasa.

This checks what the fake site cannot: the real template rendering, the real security
headers (Content-Security-Policy) and the real /api/chat proxy.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from fake_site import FakeSite
from playwright.sync_api import Page, expect

from bot.paths import PROJECT_ROOT

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the web app stopped:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(f"the web app did not start in {seconds} s:\n{log.read_text()}", pytrace=False)


@pytest.fixture(scope="module")
def real_app(fake_site: FakeSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real web app on a free port; its Rasa is the fake site's /webhooks/rest/webhook."""
    tmp = tmp_path_factory.mktemp("webapp")
    port = free_port()
    env = {
        **os.environ,
        "OCO_WEB_PORT": str(port),
        "OCO_RASA_URL": fake_site.base_url,
        "OCO_DATABASE_URL": f"sqlite:///{tmp / 'intakes.db'}",
        "OCO_TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "OCO_STAFF_TOKEN": "browser-test-token",
        "OCO_SMTP_HOST": "",
    }
    log = tmp / "webapp.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.webapp"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/static/oco-chat.js", process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_conversation_through_the_real_proxy(page: Page, real_app: str, site: FakeSite, problems):
    page.goto(f"{real_app}/?gemeente=dordrecht")
    expect(page.locator(".oco-demo__logo")).to_contain_text("Dordrecht")
    page.get_by_role("button", name="Chat met de wegwijzer").click()
    page.get_by_role("button", name="Wat is cliëntondersteuning?").click()
    expect(page.get_by_role("button", name="Kost het geld?")).to_be_visible()
    page.get_by_label("Uw bericht").fill("Ik heb een vraag over schulden")
    page.get_by_label("Uw bericht").press("Enter")
    bot = page.locator(".oco-chat__message--bot .oco-chat__bubble")
    expect(bot.last).to_contain_text("U schreef: Ik heb een vraag over schulden.")

    # What reached "Rasa": the contract's REST body, with the proxy's channel added.
    assert [r["message"] for r in site.requests] == [
        "/ask_what_is_oco",
        "Ik heb een vraag over schulden",
    ]
    for sent in site.requests:
        assert sent["metadata"] == {"channel": "web", "gemeente": "dordrecht"}
        assert sent["sender"] == site.requests[0]["sender"]
    # The real Content-Security-Policy let everything through.
    assert problems.errors == []


def test_rasa_down_gives_the_proxy_fallback(page: Page, real_app: str, site: FakeSite, shot):
    site.down = True
    page.goto(f"{real_app}/?gemeente=almere")
    page.get_by_role("button", name="Chat met de wegwijzer").click()
    page.get_by_label("Uw bericht").fill("Hallo")
    page.get_by_label("Uw bericht").press("Enter")
    last = page.locator(".oco-chat__message--bot .oco-chat__bubble").last
    expect(last).to_contain_text("Bel uw gemeente")
    expect(last).to_contain_text("112")
    shot(page, "rasa-down")


def test_real_page_has_no_wcag_violations(page: Page, real_app: str, site: FakeSite, shot):
    page.goto(f"{real_app}/?gemeente=schouwen-duiveland")
    page.get_by_role("button", name="Chat met de wegwijzer").click()
    page.get_by_role("button", name="Wat is cliëntondersteuning?").click()
    expect(page.get_by_role("button", name="Kost het geld?")).to_be_visible()
    shot(page, "chat-open")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
