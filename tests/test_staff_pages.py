"""Staff pages: login cookie, redirects and 401s, intakes with status change, test page.

Uses the real-server harness of tests/test_webapp.py (fake Rasa, real IntakeStore on SQLite).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from bot.intake.store import IntakeDraft, IntakeStore
from bot.webapp.staff import SESSION_MAX_AGE_SECONDS, make_session, session_ok

try:  # pytest puts tests/ on sys.path ("prepend" import mode) unless tests is a package
    from test_webapp import API_TOKEN, STAFF_TOKEN, FakeRasa, Stack, dead_url
except ImportError:  # pragma: no cover
    from tests.test_webapp import API_TOKEN, STAFF_TOKEN, FakeRasa, Stack, dead_url

STAFF_PAGES = ["/staff/", "/staff/intakes", "/staff/test", "/staff/test?gemeente=dordrecht"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("staff"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def store(stack: Stack) -> IntakeStore:
    return IntakeStore(f"sqlite:///{stack.tmp / 'staff-intakes.db'}")


@pytest.fixture(scope="module")
def web_url(stack: Stack, store: IntakeStore) -> str:
    return stack.start_webapp(stack.settings(api_token=API_TOKEN), intake_store=store)


@pytest.fixture()
def fake(stack: Stack) -> Iterator[FakeRasa]:
    stack.fake.webhook_status = 200
    stack.fake.received.clear()
    stack.fake.tracker_queries.clear()
    yield stack.fake
    stack.fake.webhook_status = 200


def login(web_url: str, token: str = STAFF_TOKEN) -> requests.Session:
    session = requests.Session()
    resp = session.post(
        f"{web_url}/staff/login", data={"token": token, "next": "/staff/"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    return session


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def make_intake(store: IntakeStore, name: str = "Test Persoon") -> str:
    draft = IntakeDraft(
        gemeente="dordrecht",
        channel="web",
        name=name,
        phone="+31612345678",
        email=None,
        contact_preference="telefoon",
        preferred_time="ochtend",
        life_domains=["geld"],
        summary="Ik heb schulden en wil hulp bij een gesprek.",
        wijkteam_contact="nee",
        consent_at=datetime.now(timezone.utc),
    )
    return store.create_intake(draft, None)["reference"]


# --- without a valid token -----------------------------------------------------------------


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_pages_redirect_to_login_without_token(web_url: str, path: str) -> None:
    resp = requests.get(f"{web_url}{path}", allow_redirects=False, timeout=10)
    assert resp.status_code == 303
    target = urlparse(resp.headers["Location"])
    assert target.path == "/staff/login"
    assert parse_qs(target.query)["next"] == [path]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_pages_redirect_with_a_wrong_cookie_or_bearer(web_url: str, path: str) -> None:
    wrong = {"Authorization": "Bearer not-the-token", "Cookie": "oco_staff=" + "0" * 64}
    resp = requests.get(f"{web_url}{path}", headers=wrong, allow_redirects=False, timeout=10)
    assert resp.status_code == 303


def test_staff_json_is_401_without_data(web_url: str, fake: FakeRasa) -> None:
    resp = requests.get(f"{web_url}/staff/api/test/turns", params={"c": "abc"}, timeout=10)
    assert resp.status_code == 401
    assert resp.json() == {"error": "unauthorized"}
    assert fake.tracker_queries == []


def test_posts_without_token_change_nothing(
    web_url: str, store: IntakeStore, fake: FakeRasa
) -> None:
    reference = make_intake(store)
    resp = requests.post(
        f"{web_url}/staff/intakes/{reference}/status",
        data={"status": "in_behandeling"},
        allow_redirects=False,
        timeout=10,
    )
    assert resp.status_code == 303
    assert store.get_intake(reference)["status"] == "nieuw"
    resp = requests.post(
        f"{web_url}/staff/test", data={"c": "x1", "message": "hoi"}, allow_redirects=False,
        timeout=10,
    )
    assert resp.status_code == 303
    assert fake.received == []


def test_wrong_token_is_refused_and_sets_no_cookie(web_url: str) -> None:
    resp = requests.post(
        f"{web_url}/staff/login", data={"token": "raden"}, allow_redirects=False, timeout=10
    )
    assert resp.status_code == 401
    assert "klopt niet" in resp.text
    assert "oco_staff" not in resp.cookies


def test_session_values_expire_and_cannot_be_forged(web_url: str) -> None:
    fresh = make_session(STAFF_TOKEN)
    assert session_ok(STAFF_TOKEN, fresh)
    assert not session_ok("another-token", fresh)
    issued, nonce, signature = fresh.split(".")
    assert not session_ok(STAFF_TOKEN, f"{int(issued) + 60}.{nonce}.{signature}")
    old = make_session(STAFF_TOKEN, now=time.time() - SESSION_MAX_AGE_SECONDS - 1)
    assert not session_ok(STAFF_TOKEN, old)
    for cookie, status in ((fresh, 200), (old, 303)):
        resp = requests.get(
            f"{web_url}/staff/", cookies={"oco_staff": cookie}, allow_redirects=False, timeout=10
        )
        assert resp.status_code == status


def test_no_login_at_all_when_no_staff_token_is_configured(stack: Stack) -> None:
    url = stack.start_webapp(stack.settings(staff_token=""))
    resp = requests.post(
        f"{url}/staff/login", data={"token": ""}, allow_redirects=False, timeout=10
    )
    assert resp.status_code == 401
    assert "OCO_STAFF_TOKEN" in requests.get(f"{url}/staff/login", timeout=10).text
    page = requests.get(f"{url}/staff/", allow_redirects=False, timeout=10)
    assert page.status_code == 303


# --- login ---------------------------------------------------------------------------------


def test_login_sets_a_strict_httponly_cookie_without_the_token(web_url: str) -> None:
    resp = requests.post(
        f"{web_url}/staff/login",
        data={"token": STAFF_TOKEN, "next": "/staff/intakes"},
        allow_redirects=False,
        timeout=10,
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/staff/intakes"
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("oco_staff=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/staff" in cookie
    assert "Secure" not in cookie  # plain http in this test
    assert STAFF_TOKEN not in cookie


def test_cookie_is_secure_behind_https_proxy(web_url: str) -> None:
    resp = requests.post(
        f"{web_url}/staff/login",
        data={"token": STAFF_TOKEN},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert "Secure" in resp.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in resp.headers


def test_login_never_redirects_off_site(web_url: str) -> None:
    for target in ("https://evil.example/", "//evil.example/staff/", "/api/intakes"):
        resp = requests.post(
            f"{web_url}/staff/login",
            data={"token": STAFF_TOKEN, "next": target},
            allow_redirects=False,
            timeout=10,
        )
        assert resp.headers["Location"] == "/staff/"


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_pages_answer_200_after_login(web_url: str, fake: FakeRasa, path: str) -> None:
    resp = login(web_url).get(f"{web_url}{path}", allow_redirects=False, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_pages_answer_200_with_bearer(web_url: str, fake: FakeRasa, path: str) -> None:
    headers = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    resp = requests.get(f"{web_url}{path}", headers=headers, allow_redirects=False, timeout=10)
    assert resp.status_code == 200


def test_logout_removes_the_session(web_url: str) -> None:
    session = login(web_url)
    page = session.get(f"{web_url}/staff/", timeout=10).text
    session.post(f"{web_url}/staff/logout", data={"csrf": csrf_of(page)}, timeout=10)
    resp = session.get(f"{web_url}/staff/", allow_redirects=False, timeout=10)
    assert resp.status_code == 303


# --- intakes -------------------------------------------------------------------------------


def test_intakes_page_lists_status_and_delivery(web_url: str, store: IntakeStore) -> None:
    reference = make_intake(store, name="Sanne Testpersoon")
    page = login(web_url).get(f"{web_url}/staff/intakes", timeout=10).text
    assert reference in page
    assert "Sanne Testpersoon" in page
    row = page[page.index(reference) :]
    assert 'class="status status-nieuw"' in row
    assert store.get_intake(reference)["delivery"] in row[:3000]


def test_intake_page_escapes_resident_text(web_url: str, store: IntakeStore) -> None:
    reference = make_intake(store, name="<script>alert(1)</script>")
    page = login(web_url).get(f"{web_url}/staff/intakes", timeout=10).text
    assert reference in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_status_change_needs_csrf_and_moves_one_step(web_url: str, store: IntakeStore) -> None:
    reference = make_intake(store)
    session = login(web_url)
    url = f"{web_url}/staff/intakes/{reference}/status"
    refused = session.post(url, data={"status": "in_behandeling", "csrf": "f" * 64}, timeout=10)
    assert refused.status_code == 403
    assert store.get_intake(reference)["status"] == "nieuw"

    page = session.get(f"{web_url}/staff/intakes", timeout=10).text
    resp = session.post(url, data={"status": "in_behandeling", "csrf": csrf_of(page)}, timeout=10)
    assert resp.status_code == 200
    assert store.get_intake(reference)["status"] == "in_behandeling"
    assert f"De status van {reference} is gewijzigd" in resp.text

    skipped = session.post(url, data={"status": "nieuw", "csrf": csrf_of(page)}, timeout=10)
    assert skipped.status_code == 400
    assert store.get_intake(reference)["status"] == "in_behandeling"


def test_status_change_of_unknown_intake_is_404(web_url: str) -> None:
    session = login(web_url)
    page = session.get(f"{web_url}/staff/intakes", timeout=10).text
    resp = session.post(
        f"{web_url}/staff/intakes/OCO-1999-99999/status",
        data={"status": "in_behandeling", "csrf": csrf_of(page)},
        timeout=10,
    )
    assert resp.status_code == 404


# --- staff test page -----------------------------------------------------------------------


def _new_conversation(session: requests.Session, web_url: str, gemeente: str) -> tuple[str, str]:
    page = session.get(f"{web_url}/staff/test", params={"gemeente": gemeente}, timeout=10).text
    conversation = re.search(r'name="c" value="(stafftest-[0-9a-f]+)"', page).group(1)
    return conversation, page


def test_test_page_shows_intent_confidence_entities_slots_actions(
    web_url: str, fake: FakeRasa
) -> None:
    session = login(web_url)
    conversation, page = _new_conversation(session, web_url, "papendrecht")
    resp = session.post(
        f"{web_url}/staff/test",
        data={
            "csrf": csrf_of(page),
            "c": conversation,
            "gemeente": "papendrecht",
            "message": "Wat doet een cliëntondersteuner?",
        },
        timeout=10,
    )
    assert resp.status_code == 200
    assert fake.received == [
        {
            "sender": conversation,
            "message": "Wat doet een cliëntondersteuner?",
            "metadata": {"channel": "web", "staff_test": True, "gemeente": "papendrecht"},
        }
    ]
    assert fake.tracker_queries[-1] == {"token": API_TOKEN}
    html = resp.text
    assert "Wat doet een cliëntondersteuner?" in html
    assert '<code class="intent">ask_what_is_oco</code>' in html
    assert '<span class="confidence">97%</span>' in html
    assert "<code>life_domain</code>=geld" in html
    assert '<code class="slot">gemeente</code>="papendrecht"' in html
    assert "<code>utter_what_is_oco</code>" in html and "RulePolicy" in html
    assert "Een cliëntondersteuner helpt u gratis." in html
    assert 'value="/ask_oco_tasks"' in html  # the bot's button can be clicked


def test_test_page_turns_accumulate_and_new_conversation_starts_fresh(
    web_url: str, fake: FakeRasa
) -> None:
    session = login(web_url)
    conversation, page = _new_conversation(session, web_url, "dordrecht")
    for text in ("eerste vraag", "tweede vraag"):
        page = session.post(
            f"{web_url}/staff/test",
            data={"csrf": csrf_of(page), "c": conversation, "gemeente": "dordrecht",
                  "message": text},
            timeout=10,
        ).text
    assert page.count('<code class="intent">') == 2
    assert page.index("eerste vraag") < page.index("tweede vraag")

    fresh, fresh_page = _new_conversation(session, web_url, "dordrecht")
    assert fresh != conversation
    assert '<code class="intent">' not in fresh_page
    assert 'id="nieuw-gesprek"' in fresh_page


def test_test_turns_as_json(web_url: str, fake: FakeRasa) -> None:
    session = login(web_url)
    conversation, page = _new_conversation(session, web_url, "almere")
    session.post(
        f"{web_url}/staff/test",
        data={"csrf": csrf_of(page), "c": conversation, "gemeente": "almere", "message": "hoi"},
        timeout=10,
    )
    resp = session.get(f"{web_url}/staff/api/test/turns", params={"c": conversation}, timeout=10)
    assert resp.status_code == 200
    turns = resp.json()["turns"]
    assert turns[0]["user_text"] is None  # session start
    assert turns[0]["actions"][0]["name"] == "action_session_start"
    last = turns[-1]
    assert (last["user_text"], last["intent"], last["confidence"]) == ("hoi", "ask_what_is_oco",
                                                                       0.9731)
    assert last["slots_set"] == {"life_domain": "geld", "gemeente": "almere"}
    assert last["slots"] == {"life_domain": "geld", "gemeente": "almere"}


def test_test_page_send_needs_csrf(web_url: str, fake: FakeRasa) -> None:
    session = login(web_url)
    conversation, _page = _new_conversation(session, web_url, "dordrecht")
    resp = session.post(
        f"{web_url}/staff/test", data={"c": conversation, "message": "hoi"}, timeout=10
    )
    assert resp.status_code == 403
    assert fake.received == []


def test_test_page_reports_rasa_down(stack: Stack, store: IntakeStore) -> None:
    url = stack.start_webapp(stack.settings(rasa_url=dead_url()), intake_store=store)
    session = login(url)
    conversation, page = _new_conversation(session, url, "dordrecht")
    resp = session.post(
        f"{url}/staff/test",
        data={"csrf": csrf_of(page), "c": conversation, "message": "hoi"},
        timeout=10,
    )
    assert resp.status_code == 200
    assert "Rasa is niet bereikbaar" in resp.text
