"""The whole product in a real browser: widget -> web app -> Rasa -> action server.

Unlike the other browser tests, nothing here is a stand-in: the trained model answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect
from test_real_app import free_port, wait_until_up

from bot.paths import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.stack]


@pytest.fixture(scope="module")
def full_app(assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("fullstack")
    port = free_port()
    settings = assistant.settings
    env = {
        **os.environ,
        "OCO_WEB_PORT": str(port),
        "OCO_RASA_URL": settings.rasa_url,
        "OCO_ACTION_SERVER_URL": settings.action_server_url,
        "OCO_API_TOKEN": settings.api_token,
        "OCO_DATABASE_URL": settings.database_url,
        "OCO_TRACKER_STORE_URL": settings.tracker_store_url,
        "OCO_STAFF_TOKEN": "full-stack-token",
        "OCO_SMTP_HOST": "",
    }
    log = tmp / "webapp.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.webapp"], cwd=PROJECT_ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/static/oco-chat.js", process, log)
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


def test_healthz_is_green_when_every_part_answers(full_app: str) -> None:
    response = requests.get(f"{full_app}/healthz", timeout=10)
    assert response.status_code == 200, response.text


def test_a_resident_finds_the_route_with_clicks_and_typing(page: Page, full_app: str, shot) -> None:
    page.goto(f"{full_app}/?gemeente=almere")
    page.get_by_role("button", name="Chat met de wegwijzer").click()
    message = page.get_by_label("Uw bericht")
    message.fill("wat kost een clientondersteuner?")
    message.press("Enter")
    bot = page.locator(".oco-chat__message--bot .oco-chat__bubble")
    expect(bot.filter(has_text="gratis").first).to_be_visible(timeout=30000)
    expect(page.get_by_role("button", name="Wie kan het krijgen?")).to_be_visible(timeout=30000)
    shot(page, "1-cost")
    message.fill("Mijn moeder kan niet meer alleen voor zichzelf zorgen en ik ben op")
    message.press("Enter")
    expect(page.get_by_role("button", name="Ja, dat klopt")).to_be_visible(timeout=30000)
    page.get_by_role("button", name="Ja, dat klopt").click()
    # Answer whatever question comes next with a click, as a resident would.
    answers = ["Nee, geen van beide", "Meer dingen tegelijk", "Nee"]
    for _ in range(4):
        expect(page.locator(".oco-chat__bubble").last).to_be_visible(timeout=30000)
        page.wait_for_timeout(500)
        shown = [a for a in answers if page.get_by_role("button", name=a, exact=True).count()]
        if not shown:
            break
        page.get_by_role("button", name=shown[0], exact=True).click()
        if shown[0] == "Nee, geen van beide":
            break
    expect(bot.filter(has_text="OCO Almere").first).to_be_visible(timeout=30000)
    expect(bot.filter(has_text="036 - 200 21 58").first).to_be_visible()
    expect(page.get_by_role("button", name="Ja, graag")).to_be_visible()
    shot(page, "2-route")
