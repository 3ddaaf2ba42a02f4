"""The staff intake list and detail in Chromium at 1366 px and 375 px wide (issue 12).

The real web app (python -m bot.webapp) runs on a prepared database with intakes that
have long words, a long summary and a safety note. At both widths: nothing is wider than
the viewport (no horizontal scrolling), the safety note comes before the summary, times
are Dutch, the pages pass axe's WCAG 2.1 AA checks, and a screenshot is saved in
tests/output/screenshots/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from test_real_app import WCAG_TAGS, free_port, wait_until_up

from bot.ops.intake.store import IntakeDraft, IntakeStore
from bot.paths import PROJECT_ROOT

pytestmark = pytest.mark.browser

TOKEN = "browser-staff-token-0123456789"
WIDTHS = {"breed": (1366, 768), "smal": (375, 812)}
DUTCH_TIME = re.compile(
    r"\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
    r"november|december) 20\d\d, \d\d:\d\d"
)
LONG_SUMMARY = (
    "In eigen woorden: mijn moeder krijgt veel te weinig thuiszorg en ik weet niet hoe ik dat "
    "moet aanpakken. De wijkverpleging komt maar twee keer per week en ze valt vaak. "
    "Onderwerpen: Zorg, Mantelzorg. Let op: de inwoner zorgt alleen en is uitgeput. "
    "Wijkteam: nee. Gesprek of bezwaar: keukentafelgesprek volgende week. Advies van de "
    "wegwijzer: vraag een onafhankelijke cliëntondersteuner mee naar het gesprek. "
    "Zie ook https://www.voorbeeldgemeente.nl/zorg-en-ondersteuning/wmo/aanvragen-en-"
    "keukentafelgesprekken/alles-over-uw-rechten-bij-een-gesprek-met-de-gemeente"
)


def make_intakes(url: str) -> dict[str, str]:
    store = IntakeStore(url, staff_url="http://127.0.0.1")
    now = datetime.now(timezone.utc)

    def create(**values) -> str:
        draft = IntakeDraft(
            gemeente=values.pop("gemeente", "dordrecht"), channel="web",
            name=values.pop("name", "Fatima de Vries"), phone="+31612345678",
            email=values.pop("email", None), contact_preference="telefoon",
            preferred_time="dinsdagochtend", life_domains=["zorg", "mantelzorg"],
            summary=values.pop("summary", "Ik heb schulden."), wijkteam_contact="nee",
            consent_at=now, **values,
        )
        return store.create_intake(draft, None)["reference"]

    refs = {
        "gewoon": create(gemeente="almere"),
        "lang": create(
            name="Maria Theresia van Oldenbarnevelt-Hoogstraten",
            email="maria.theresia.vanoldenbarnevelt-hoogstraten@eenheellangedomeinnaam.example",
            summary=LONG_SUMMARY, urgent=True,
            safety_note="Alleen bellen op werkdagen tussen 10 en 12 uur; geen bericht "
                        "inspreken, haar partner luistert de voicemail af.",
        ),
    }
    for n in range(6):
        create(gemeente="papendrecht" if n % 2 else "dordrecht", urgent=n % 3 == 0)
    store.update_status(refs["gewoon"], "in_behandeling", changed_by="Petra (OCO Almere)")
    store.dispose()
    return refs


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("staffapp")
    database = f"sqlite:///{tmp / 'intakes.db'}"
    references = make_intakes(database)
    port = free_port()
    env = {
        **os.environ,
        "OCO_WEB_PORT": str(port),
        "OCO_RASA_URL": "http://127.0.0.1:9",
        "OCO_DATABASE_URL": database,
        "OCO_TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "OCO_STAFF_TOKEN": TOKEN,
        "OCO_SMTP_HOST": "",
    }
    log = tmp / "webapp.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.webapp"], cwd=PROJECT_ROOT,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/staff/login", process, log)
        yield base_url, references
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser: Browser, problems) -> Iterator[tuple[str, Page]]:
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(5000)
    page.on("pageerror", lambda error: problems.errors.append(str(error)))
    yield request.param, page
    context.close()


def login(page: Page, base_url: str, target: str) -> None:
    page.goto(f"{base_url}/staff/login?next={target}")
    page.get_by_label("Uw code").fill(TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"**{target}")


def assert_fits(page: Page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " widest: Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))})"
    )
    assert widths["scroll"] <= widths["inner"], widths
    assert widths["widest"] <= widths["inner"] + 1, widths


def test_intake_list_fits_and_reads(staff_app, sized_page, shot, problems) -> None:
    base_url, references = staff_app
    name, page = sized_page
    login(page, base_url, "/staff/intakes")
    expect(page.get_by_role("heading", name="Aanvragen")).to_be_visible()
    row = page.locator("tr", has_text=references["lang"])
    expect(row).to_contain_text("urgent")
    expect(row).to_contain_text("veiligheid")
    assert DUTCH_TIME.search(row.inner_text())
    assert "+00:00" not in page.content()
    assert "Maria Theresia" not in page.content()  # no personal data in the list
    assert_fits(page)
    shot(page, f"lijst-{name}")

    page.get_by_label("Urgent").select_option("ja")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    assert_fits(page)

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    assert problems.errors == []


def test_intake_detail_fits_and_shows_the_safety_note_first(
    staff_app, sized_page, shot, problems
) -> None:
    base_url, references = staff_app
    name, page = sized_page
    reference = references["lang"]
    login(page, base_url, f"/staff/intakes/{reference}")
    safety = page.get_by_role("heading", name="Veiligheid: lees dit eerst")
    summary = page.get_by_role("heading", name="Samenvatting")
    expect(safety).to_be_visible()
    assert safety.bounding_box()["y"] < summary.bounding_box()["y"]
    expect(page.locator(".summary")).to_contain_text("alles-over-uw-rechten-bij-een-gesprek")
    expect(page.get_by_text("maria.theresia.vanoldenbarnevelt")).to_be_visible()
    assert_fits(page)
    path = shot(page, f"detail-{name}")
    page.screenshot(path=str(path.with_name(path.stem + "-hele-pagina.png")), full_page=True)

    page.get_by_label("Nieuwe status").select_option("in_behandeling")
    page.get_by_role("button", name="Status opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("is gewijzigd")
    expect(page.get_by_text("Gewijzigd door beheerder op")).to_be_visible()
    assert DUTCH_TIME.search(page.locator("#status ~ p").first.inner_text())
    assert_fits(page)

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()
    assert problems.errors == []
