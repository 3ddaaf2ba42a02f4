"""The chat widget in real Chromium, against the fake site (tests/e2e/browser/fake_site.py)."""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from fake_site import XSS_IMG, XSS_SCRIPT, FakeSite
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LAUNCHER = "Chat met de wegwijzer"
PRIVACY = "Deel geen BSN of medische gegevens in deze chat."
OFFLINE = "De chat werkt nu niet. Bel uw gemeente, of bij acuut gevaar 112."
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

ACTIVE_ELEMENT = """() => {
  const el = document.getElementById('oco-chat').shadowRoot.activeElement;
  if (!el) return null;
  const style = getComputedStyle(el);
  return {text: el.textContent.trim(), id: el.id, tag: el.tagName,
          outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
}"""


def open_page(page: Page, site: FakeSite, gemeente: str = "dordrecht") -> None:
    page.goto(f"{site.base_url}/?gemeente={gemeente}")
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()


def open_chat(page: Page) -> None:
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog", name="Digitale wegwijzer")).to_be_visible()


def messages(page: Page, who: str):
    return page.locator(f".oco-chat__message--{who} .oco-chat__bubble")


def type_message(page: Page, text: str) -> None:
    page.get_by_label("Uw bericht").fill(text)
    page.get_by_label("Uw bericht").press("Enter")


def test_full_conversation_with_buttons_and_typing(page: Page, site: FakeSite, shot, problems):
    open_page(page, site)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".oco-demo__logo")).to_have_text("Gemeente Dordrecht")
    shot(page, "1-page")

    open_chat(page)
    expect(messages(page, "bot").first).to_contain_text(PRIVACY)
    expect(page.get_by_label("Uw bericht")).to_be_focused()
    shot(page, "2-open")

    site.delay = 0.6
    page.get_by_role("button", name="Wat is cliëntondersteuning?").click()
    expect(messages(page, "user").last).to_have_text("U: Wat is cliëntondersteuning?")
    typing = page.locator(".oco-chat__typing")
    expect(typing).to_be_visible()
    expect(typing).to_contain_text("De wegwijzer typt")
    shot(page, "3-typing")
    expect(messages(page, "bot").nth(1)).to_have_text(
        "Wegwijzer: Een cliëntondersteuner helpt u gratis en staat naast u."
    )
    expect(typing).to_be_hidden()
    # The welcome buttons are gone; only the newest bot turn offers choices.
    expect(page.get_by_role("button", name="Wat is cliëntondersteuning?")).to_have_count(0)
    live = page.locator("[aria-live=polite]")
    expect(live).to_contain_text("Wat wilt u nog meer weten?")
    expect(live).to_contain_text("Kost het geld?")
    site.delay = 0

    page.get_by_role("button", name="Kost het geld?").click()
    expect(messages(page, "user").last).to_have_text("U: Kost het geld?")
    link = page.get_by_role("link", name="https://example.org/oco")
    expect(link).to_have_attribute("href", "https://example.org/oco")
    expect(messages(page, "bot").last).to_contain_text("Cliëntondersteuning is gratis.")

    type_message(page, "Ik heb schulden")
    expect(messages(page, "user").last).to_have_text("U: Ik heb schulden")
    expect(messages(page, "bot").last).to_have_text(
        "Wegwijzer: U schreef: Ik heb schulden. Gemeente: dordrecht."
    )
    expect(page.get_by_label("Uw bericht")).to_have_value("")
    shot(page, "4-conversation")

    sent = [(r["message"], r["metadata"]) for r in site.requests]
    assert sent == [
        ("/ask_what_is_oco", {"gemeente": "dordrecht"}),
        ("/ask_oco_cost", {"gemeente": "dordrecht"}),
        ("Ik heb schulden", {"gemeente": "dordrecht"}),
    ]
    senders = {r["sender"] for r in site.requests}
    assert len(senders) == 1 and re.fullmatch(r"web-[0-9a-f]{32}", senders.pop())
    assert problems.errors == []


def test_reload_keeps_conversation_and_sender(page: Page, site: FakeSite, shot, problems):
    open_page(page, site)
    open_chat(page)
    type_message(page, "Eerste vraag")
    expect(messages(page, "bot").last).to_contain_text("U schreef: Eerste vraag.")

    page.reload()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()  # it was open, so it is open again
    expect(messages(page, "user")).to_have_text(["U: Eerste vraag"])
    expect(messages(page, "bot").last).to_contain_text("U schreef: Eerste vraag.")
    shot(page, "after-reload")

    type_message(page, "Tweede vraag")
    expect(messages(page, "bot").last).to_contain_text("U schreef: Tweede vraag.")
    assert site.requests[0]["sender"] == site.requests[1]["sender"]

    # Closed stays closed after a reload, and the conversation is still there.
    page.get_by_role("button", name="Sluiten").click()
    page.reload()
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
    expect(dialog).to_be_hidden()
    open_chat(page)
    expect(messages(page, "user")).to_have_text(["U: Eerste vraag", "U: Tweede vraag"])

    # "Nieuw gesprek" forgets it all and takes a new sender id.
    page.get_by_role("button", name="Nieuw gesprek").click()
    expect(messages(page, "user")).to_have_count(0)
    expect(messages(page, "bot")).to_have_count(1)
    type_message(page, "Derde vraag")
    expect(messages(page, "bot").last).to_contain_text("U schreef: Derde vraag.")
    assert site.requests[2]["sender"] != site.requests[0]["sender"]
    assert problems.errors == []


def test_other_gemeente_gets_its_own_conversation(page: Page, site: FakeSite):
    open_page(page, site, "dordrecht")
    open_chat(page)
    type_message(page, "Vraag in Dordrecht")
    expect(messages(page, "bot").last).to_contain_text("Gemeente: dordrecht.")

    page.get_by_role("link", name="Almere").click()
    expect(page.locator(".oco-demo__logo")).to_have_text("Gemeente Almere")
    open_chat(page)
    expect(messages(page, "user")).to_have_count(0)
    type_message(page, "Vraag in Almere")
    expect(messages(page, "bot").last).to_contain_text("Gemeente: almere.")
    assert site.requests[1]["metadata"] == {"gemeente": "almere"}
    assert site.requests[0]["sender"] != site.requests[1]["sender"]


def test_without_gemeente_no_metadata_is_sent(page: Page, site: FakeSite):
    page.goto(f"{site.base_url}/")
    expect(page.locator(".oco-demo__logo")).to_have_text("Voorbeeldgemeente")
    open_chat(page)
    type_message(page, "Hallo")
    expect(messages(page, "bot").last).to_contain_text("Gemeente: onbekend.")
    assert site.requests[0]["metadata"] == {}


def test_server_down_shows_phone_route(page: Page, site: FakeSite, shot):
    open_page(page, site)
    open_chat(page)
    site.down = True
    type_message(page, "Is er iemand?")
    error = page.locator(".oco-chat__message--error")
    expect(error).to_have_text(f"Wegwijzer: {OFFLINE}")
    expect(page.locator("[aria-live=polite]")).to_contain_text(OFFLINE)
    expect(page.locator(".oco-chat__typing")).to_be_hidden()
    shot(page, "502")

    # The network itself fails (server unreachable): the same message.
    site.down = False
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    type_message(page, "Nog een keer")
    expect(error).to_have_count(2)

    # When the server is back the chat simply goes on.
    page.unroute("**/api/chat")
    type_message(page, "Weer online")
    expect(messages(page, "bot").last).to_contain_text("U schreef: Weer online.")


def test_keyboard_only(page: Page, site: FakeSite, shot, problems):
    open_page(page, site)
    launcher = page.locator(".oco-chat__launcher")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE_ELEMENT) and launcher.evaluate("b => b.matches(':focus')"):
            break
    expect(launcher).to_be_focused()
    focus = page.evaluate(ACTIVE_ELEMENT)
    assert focus["outline"] != "none" and focus["outlineWidth"] >= 2, focus
    shot(page, "1-launcher-focus")

    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("Uw bericht")).to_be_focused()

    page.keyboard.type("Ik zoek hulp")
    page.keyboard.press("Enter")
    expect(messages(page, "bot").last).to_contain_text("U schreef: Ik zoek hulp.")

    # Shift+Tab from the input reaches the choices of the newest bot turn: none now, so the
    # conversation region; then the header buttons.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(ACTIVE_ELEMENT)["tag"] == "DIV"
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Sluiten")).to_be_focused()

    for _ in range(4):  # the conversation region, the input, "Verstuur", "Nieuw gesprek"
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Nieuw gesprek")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Uw bericht")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    choice = page.get_by_role("button", name="Ik wil iemand spreken")
    expect(choice).to_be_focused()
    focus = page.evaluate(ACTIVE_ELEMENT)
    assert focus["outline"] != "none" and focus["outlineWidth"] >= 2, focus
    shot(page, "2-choice-focus")
    page.keyboard.press("Enter")
    expect(messages(page, "user").last).to_have_text("U: Ik wil iemand spreken")
    expect(page.get_by_role("button", name="Bel mij")).to_be_visible()
    assert site.requests[-1]["message"] == "/request_human"
    expect(page.get_by_label("Uw bericht")).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    shot(page, "3-closed")
    assert problems.errors == []


def test_bot_html_is_shown_as_text(page: Page, site: FakeSite, shot, problems):
    open_page(page, site)
    open_chat(page)
    type_message(page, "Stuur html")
    bot_texts = messages(page, "bot")
    expect(bot_texts.nth(1)).to_have_text(f"Wegwijzer: {XSS_IMG}")
    expect(bot_texts.nth(2)).to_have_text(f"Wegwijzer: {XSS_SCRIPT}")
    expect(bot_texts.nth(3)).to_have_text("Wegwijzer: Klik op javascript:alert(1) niet.")
    shot(page, "html-as-text")
    panel = page.locator("#oco-chat-panel")
    expect(panel.locator("img")).to_have_count(0)
    expect(panel.locator("script")).to_have_count(0)
    expect(panel.locator("b")).to_have_count(0)
    expect(panel.locator("a")).to_have_count(0)
    page.wait_for_timeout(200)  # give a broken image's onerror the chance to fire
    assert page.evaluate("() => window.__ocoXss === undefined")
    assert problems.errors == []


def test_no_wcag_violations_with_chat_open(page: Page, site: FakeSite, shot):
    open_page(page, site)
    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    closed = axe.run(page, options=options)
    assert closed.violations_count == 0, closed.generate_report()

    open_chat(page)
    page.get_by_role("button", name="Wat is cliëntondersteuning?").click()
    expect(page.get_by_role("button", name="Kost het geld?")).to_be_visible()
    page.get_by_role("button", name="Kost het geld?").click()
    expect(page.get_by_role("link", name="https://example.org/oco")).to_be_visible()
    site.down = True
    type_message(page, "Test")
    expect(page.locator(".oco-chat__message--error")).to_be_visible()
    shot(page, "chat-open")
    results = axe.run(page, options=options)
    assert results.violations_count == 0, results.generate_report()
    assert results.response["passes"] or results.response["incomplete"] is not None


def test_mobile_width(browser, site: FakeSite, shot):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        open_page(page, site)
        shot(page, "1-page")
        open_chat(page)
        box = page.locator("#oco-chat-panel").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740
        type_message(page, "Een lange vraag over hulp in het huishouden en zorg voor mijn moeder")
        expect(messages(page, "bot").last).to_contain_text("Gemeente: dordrecht.")
        send = page.get_by_role("button", name="Verstuur").bounding_box()
        assert send and send["x"] + send["width"] <= 360
        no_scroll = "() => document.documentElement.scrollWidth <= window.innerWidth"
        assert page.evaluate(no_scroll)
        shot(page, "2-chat")
    finally:
        context.close()


def test_embedded_on_another_origin_uses_its_own_host(browser, site: FakeSite):
    """The API URL and the CSS come from the script's own URL, not from the host page.

    Chromium refuses public or other-origin pages reaching 127.0.0.1 (local network
    access), so both origins are routed: the municipal page is made up here and
    https://oco.example is forwarded to the fake site.
    """
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(5000)
    # No charset on purpose: the widget must not depend on the host page's encoding.
    municipal_page = (
        '<!DOCTYPE html><html lang="nl"><head><title>Gemeente</title></head><body>'
        "<h1>Gemeente Papendrecht</h1>"
        '<script src="https://oco.example/static/oco-chat.js" data-gemeente="Papendrecht" defer>'
        "</script></body></html>"
    )
    forwarded: list[str] = []

    def forward(route):
        forwarded.append(f"{route.request.method} {route.request.url}")
        url = route.request.url.replace("https://oco.example", site.base_url)
        route.fulfill(response=route.fetch(url=url))

    page.route(
        "https://www.gemeente.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=municipal_page),
    )
    page.route("https://oco.example/**", forward)
    try:
        page.goto("https://www.gemeente.example/zorg")
        open_chat(page)  # visible only once the CSS from the widget's host has loaded
        expect(page.locator(".oco-chat__launcher")).to_be_hidden()
        type_message(page, "Hallo")
        expect(messages(page, "bot").last).to_contain_text("Gemeente: papendrecht.")
        assert "POST https://oco.example/api/chat" in forwarded
        assert "GET https://oco.example/static/oco-chat.css" in forwarded
        assert site.requests[-1]["metadata"] == {"gemeente": "papendrecht"}
    finally:
        context.close()


def test_rate_limit_shows_the_servers_own_message(page: Page, site: FakeSite, shot):
    open_page(page, site)
    open_chat(page)
    slow_down = [{"recipient_id": "x", "text": "U stuurt veel berichten snel achter elkaar. Wacht u even?"}]
    page.route(
        "**/api/chat",
        lambda route: route.fulfill(status=429, content_type="application/json", body=json.dumps(slow_down)),
    )
    type_message(page, "hallo hallo hallo")
    last = page.locator(".oco-chat__message--bot .oco-chat__bubble").last
    expect(last).to_contain_text("Wacht u even?")
    expect(page.locator(".oco-chat__message--error")).to_have_count(0)
