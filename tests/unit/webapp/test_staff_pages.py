"""Staff pages: login and sessions, redirects and 401s, throttling, intake list and detail
with status change, staff accounts per municipality, the access log, the test page.

Uses the real-server harness of tests/support/web.py (fake Rasa, real IntakeStore on SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from bot.ops.intake.store import IntakeDraft, IntakeStore
from bot.ops.staff_accounts import SESSION_MAX_AGE, StaffAccounts
from tests.support.web import API_TOKEN, STAFF_TOKEN, FakeRasa, Stack, dead_url

STAFF_PAGES = ["/staff/", "/staff/intakes", "/staff/test", "/staff/test?gemeente=dordrecht",
               "/staff/intakes?status=nieuw&urgent=ja", "/staff/toegang"]


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


ADDRESSES = iter(f"198.51.100.{n}" for n in range(1, 255))


def login(web_url: str, token: str = STAFF_TOKEN) -> requests.Session:
    """A logged-in browser session, from an address of its own (login throttling)."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = next(ADDRESSES)
    resp = session.post(
        f"{web_url}/staff/login", data={"token": token, "next": "/staff/"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    return session


@pytest.fixture(scope="module")
def accounts(store: IntakeStore) -> StaffAccounts:
    return StaffAccounts(store.engine, store.writer)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def make_intake(store: IntakeStore, name: str = "Test Persoon", **overrides) -> str:
    draft = IntakeDraft(
        gemeente=overrides.pop("gemeente", "dordrecht"),
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
    for key, value in overrides.items():
        setattr(draft, key, value)
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
    for path in ("/staff/api/test/turns?c=stafftest-abc", "/api/intakes", "/api/stats",
                 "/api/outbox", "/api/intakes/OCO-2026-00001"):
        resp = requests.get(f"{web_url}{path}", timeout=10)
        assert resp.status_code == 401, path
        assert resp.json() == {"error": "Niet aangemeld: een geldig medewerkerstoken is nodig."}
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
        f"{web_url}/staff/login", data={"token": "raden"}, allow_redirects=False, timeout=10,
        headers={"X-Forwarded-For": next(ADDRESSES)},
    )
    assert resp.status_code == 401
    assert "klopt niet" in resp.text
    assert "oco_staff" not in resp.cookies


def test_sessions_are_server_side_expire_and_cannot_be_forged(
    web_url: str, accounts: StaffAccounts
) -> None:
    from bot.ops.staff_accounts import ADMINISTRATOR

    fresh = accounts.start_session(ADMINISTRATOR, STAFF_TOKEN)
    assert accounts.member_for_session(fresh, STAFF_TOKEN) == ADMINISTRATOR
    assert accounts.member_for_session(fresh, "another-token") is None  # token changed
    assert accounts.member_for_session(fresh[:-1] + ("A" if fresh[-1] != "A" else "B"),
                                       STAFF_TOKEN) is None
    old = accounts.start_session(
        ADMINISTRATOR, STAFF_TOKEN,
        now=datetime.now(timezone.utc) - SESSION_MAX_AGE - timedelta(seconds=1),
    )
    assert accounts.member_for_session(old, STAFF_TOKEN) is None
    for cookie, status in ((fresh, 200), (old, 303), ("0" * 43, 303), (STAFF_TOKEN, 303)):
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


def test_logout_ends_the_session_on_the_server(web_url: str) -> None:
    session = login(web_url)
    saved = session.cookies.get("oco_staff", path="/staff")
    assert saved
    page = session.get(f"{web_url}/staff/", timeout=10).text
    session.post(f"{web_url}/staff/logout", data={"csrf": csrf_of(page)}, timeout=10)
    resp = session.get(f"{web_url}/staff/", allow_redirects=False, timeout=10)
    assert resp.status_code == 303
    # A copy of the cookie saved before logging out no longer works either.
    replay = requests.get(f"{web_url}/staff/intakes", cookies={"oco_staff": saved},
                          allow_redirects=False, timeout=10)
    assert replay.status_code == 303


def test_logout_without_csrf_keeps_the_session(web_url: str) -> None:
    session = login(web_url)
    session.post(f"{web_url}/staff/logout", data={"csrf": "x"}, timeout=10)
    assert session.get(f"{web_url}/staff/", allow_redirects=False, timeout=10).status_code == 200


# --- intakes -------------------------------------------------------------------------------


def detail(session: requests.Session, web_url: str, reference: str) -> requests.Response:
    return session.get(f"{web_url}/staff/intakes/{reference}", timeout=10)


def test_the_list_shows_status_delivery_and_dutch_times_but_no_personal_data(
    web_url: str, store: IntakeStore
) -> None:
    reference = make_intake(store, name="Sanne Testpersoon", urgent=True)
    page = login(web_url).get(f"{web_url}/staff/intakes", timeout=10).text
    assert reference in page
    row = page[page.index(reference):]
    row = row[: row.index("</tr>")]
    assert 'class="status status-nieuw"' in row
    assert "geen e-mailadres ingesteld" in row  # no notification address configured
    assert "urgent" in row
    assert "Geld en schulden" in row
    assert re.search(r"\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|"
                     r"september|oktober|november|december) 20\d\d, \d\d:\d\d", row)
    assert "+00:00" not in page and "T" not in re.sub(r"<[^>]+>", "", row).split("OCO-")[0]
    for private in ("Sanne Testpersoon", "+31612345678", "schulden en wil hulp"):
        assert private not in page


def test_list_filters_by_gemeente_status_and_urgent(web_url: str, store: IntakeStore) -> None:
    almere_urgent = make_intake(store, gemeente="almere", urgent=True)
    almere_calm = make_intake(store, gemeente="almere")
    dordrecht = make_intake(store, gemeente="dordrecht", urgent=True)
    store.update_status(almere_calm, "afgerond")
    session = login(web_url)

    def shown(**params) -> set[str]:
        page = session.get(f"{web_url}/staff/intakes", params=params, timeout=10).text
        return {ref for ref in (almere_urgent, almere_calm, dordrecht) if ref in page}

    assert shown() == {almere_urgent, almere_calm, dordrecht}
    assert shown(gemeente="almere") == {almere_urgent, almere_calm}
    assert shown(gemeente="almere", urgent="ja") == {almere_urgent}
    assert shown(urgent="nee", status="afgerond") == {almere_calm}
    assert shown(status="afgerond", gemeente="dordrecht") == set()
    # Unknown filter values are ignored, not an error.
    resp = session.get(f"{web_url}/staff/intakes", params={"status": "kwijt", "urgent": "?",
                                                           "gemeente": "<b>"}, timeout=10)
    assert resp.status_code == 200


def test_detail_shows_the_safety_note_first_then_the_whole_summary(
    web_url: str, store: IntakeStore
) -> None:
    summary = ("In eigen woorden: ik word thuis bedreigd en durf niet te bellen. Onderwerpen: "
               "Wonen. Let op: geweld thuis. " + "Meer tekst. " * 60)
    reference = make_intake(store, name="Ayse Yilmaz", summary=summary, urgent=True,
                            safety_note="Alleen bellen op werkdagen tussen 10 en 12 uur. "
                                        "Geen bericht inspreken.")
    page = detail(login(web_url), web_url, reference).text
    note = page.index("Alleen bellen op werkdagen")
    assert "Veiligheid: lees dit eerst" in page
    assert note < page.index("In eigen woorden") < page.index("Ayse Yilmaz")
    assert summary.strip() in page  # the whole summary, not cut off
    assert "+31612345678" in page and "Urgent." in page


def test_detail_escapes_resident_text(web_url: str, store: IntakeStore) -> None:
    reference = make_intake(store, name="<script>alert(1)</script>",
                            safety_note="<img src=x onerror=alert(2)>")
    page = detail(login(web_url), web_url, reference).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


@pytest.mark.parametrize("reference", ["OCO-1999-99999", "niet-bestaand", "OCO-2026-1",
                                       "%00", "OCO-2026-00001%0A"])
def test_unknown_detail_is_404(web_url: str, reference: str) -> None:
    resp = login(web_url).get(f"{web_url}/staff/intakes/{reference}", timeout=10)
    assert resp.status_code == 404
    assert "bestaat niet" in resp.text


def test_status_change_needs_csrf_and_notes_who_and_when(web_url: str, store: IntakeStore) -> None:
    reference = make_intake(store)
    session = login(web_url)
    url = f"{web_url}/staff/intakes/{reference}/status"
    for bad in ("f" * 64, "", "é" * 64, "\u2603"):
        refused = session.post(url, data={"status": "in_behandeling", "csrf": bad}, timeout=10)
        assert refused.status_code == 403
    assert store.get_intake(reference)["status"] == "nieuw"

    page = detail(session, web_url, reference).text
    resp = session.post(url, data={"status": "in_behandeling", "csrf": csrf_of(page)}, timeout=10)
    assert resp.status_code == 200
    assert resp.url.endswith(f"/staff/intakes/{reference}?gewijzigd=1")
    assert store.get_intake(reference)["status"] == "in_behandeling"
    assert f"De status van {reference} is gewijzigd" in resp.text
    assert "Gewijzigd door beheerder op" in resp.text

    back = session.post(url, data={"status": "nieuw", "csrf": csrf_of(page)}, timeout=10)
    assert back.status_code == 200
    assert store.get_intake(reference)["status"] == "nieuw"
    wrong = session.post(url, data={"status": "gearchiveerd", "csrf": csrf_of(page)}, timeout=10)
    assert wrong.status_code == 400
    assert store.get_intake(reference)["status"] == "nieuw"


def test_status_change_of_unknown_intake_is_404(web_url: str) -> None:
    session = login(web_url)
    page = session.get(f"{web_url}/staff/intakes", timeout=10).text
    resp = session.post(
        f"{web_url}/staff/intakes/OCO-1999-99999/status",
        data={"status": "in_behandeling", "csrf": csrf_of(page)},
        timeout=10,
    )
    assert resp.status_code == 404


# --- staff accounts per municipality and the access log ----------------------------------------


def test_an_account_sees_and_changes_only_its_municipality(
    web_url: str, store: IntakeStore, accounts: StaffAccounts
) -> None:
    mine = make_intake(store, gemeente="papendrecht", name="Eigen Inwoner")
    theirs = make_intake(store, gemeente="almere", name="Andere Inwoner")
    _account, token = accounts.add("papendrecht", "Petra (OCO Papendrecht)")
    session = login(web_url, token)

    listing = session.get(f"{web_url}/staff/intakes", params={"gemeente": "almere"},
                          timeout=10).text
    assert mine in listing and theirs not in listing
    assert 'id="f-gemeente"' not in listing  # no municipality filter for an account
    assert detail(session, web_url, theirs).status_code == 404
    page = detail(session, web_url, mine).text
    assert "Eigen Inwoner" in page
    changed = session.post(f"{web_url}/staff/intakes/{theirs}/status",
                           data={"status": "afgerond", "csrf": csrf_of(page)}, timeout=10)
    assert changed.status_code == 404
    assert store.get_intake(theirs)["status"] == "nieuw"
    done = session.post(f"{web_url}/staff/intakes/{mine}/status",
                        data={"status": "afgerond", "csrf": csrf_of(page)}, timeout=10)
    assert "Gewijzigd door Petra (OCO Papendrecht) op" in done.text
    assert session.get(f"{web_url}/staff/toegang", timeout=10).status_code == 403


def test_a_revoked_account_is_logged_out_at_once(
    web_url: str, accounts: StaffAccounts
) -> None:
    account, token = accounts.add("dordrecht", "Tijdelijk account")
    session = login(web_url, token)
    assert session.get(f"{web_url}/staff/", allow_redirects=False, timeout=10).status_code == 200
    assert accounts.revoke(account.id)
    assert session.get(f"{web_url}/staff/", allow_redirects=False, timeout=10).status_code == 303
    refused = requests.post(f"{web_url}/staff/login", data={"token": token}, timeout=10,
                            headers={"X-Forwarded-For": next(ADDRESSES)})
    assert refused.status_code == 401


def test_the_administrator_reads_who_saw_which_intake(
    web_url: str, store: IntakeStore, accounts: StaffAccounts
) -> None:
    reference = make_intake(store, gemeente="dordrecht")
    _account, token = accounts.add("dordrecht", "Bram (OCO Dordrecht)")
    team = login(web_url, token)
    page = detail(team, web_url, reference).text
    team.post(f"{web_url}/staff/intakes/{reference}/status",
              data={"status": "in_behandeling", "csrf": csrf_of(page)}, timeout=10)

    log = login(web_url).get(f"{web_url}/staff/toegang", params={"referentie": reference},
                             timeout=10)
    assert log.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", log.text, flags=re.S)[1:]
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    # Newest first: the page shown after the change, the change, the first read.
    assert len(text) == 3
    assert "Bram (OCO Dordrecht) gelezen" in text[0]
    assert "Bram (OCO Dordrecht) status gewijzigd: in behandeling" in text[1]
    assert "Bram (OCO Dordrecht) gelezen" in text[2]
    assert all(reference in line and "Dordrecht" in line for line in text)


# --- login throttling and odd input --------------------------------------------------------------


def test_login_is_throttled_per_address_with_a_dutch_answer(web_url: str) -> None:
    attacker = {"X-Forwarded-For": "203.0.113.77"}
    statuses = [
        requests.post(f"{web_url}/staff/login", data={"token": f"gok-{n}"}, headers=attacker,
                      allow_redirects=False, timeout=10).status_code
        for n in range(8)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    blocked = requests.post(f"{web_url}/staff/login", data={"token": STAFF_TOKEN},
                            headers=attacker, allow_redirects=False, timeout=10)
    assert blocked.status_code == 429  # even the right code waits
    assert "te vaak een verkeerde code" in blocked.text and "minuten" in blocked.text
    assert int(blocked.headers["Retry-After"]) > 0
    assert "oco_staff" not in blocked.cookies
    # Someone else is not affected.
    other = requests.post(f"{web_url}/staff/login", data={"token": STAFF_TOKEN},
                          headers={"X-Forwarded-For": "203.0.113.78"}, allow_redirects=False,
                          timeout=10)
    assert other.status_code == 303


@pytest.mark.parametrize(
    "token", ["tökén", "\u00e9\u00e9n-code", "😀" * 10, "\x00", "a" * 20000, " ", STAFF_TOKEN + "é"]
)
def test_odd_tokens_at_login_are_refused_not_500(web_url: str, token: str) -> None:
    resp = requests.post(f"{web_url}/staff/login", data={"token": token}, timeout=10,
                         headers={"X-Forwarded-For": next(ADDRESSES)}, allow_redirects=False)
    assert resp.status_code in (401, 413)


@pytest.mark.parametrize("path", ["/static/", "/static", "/static/staff/", "/static/staff", "/static/../app.py",
                                  "/static/%00", "/static/nope.js"])
def test_static_folder_paths_are_not_500(web_url: str, path: str) -> None:
    resp = requests.get(f"{web_url}{path}", timeout=10)
    assert resp.status_code < 500
    assert resp.status_code != 200 or "text/html" not in resp.headers.get("Content-Type", "")


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


@pytest.mark.parametrize(
    "resident", ["abc123", "web:abc123", "whatsapp:31612345678", "stafftest-", "STAFFTEST-abc",
                 "stafftest-abc/../x", "stafftest-" + "a" * 60]
)
def test_test_page_opens_only_staff_test_conversations(
    web_url: str, fake: FakeRasa, resident: str
) -> None:
    session = login(web_url)
    page = session.get(f"{web_url}/staff/test", params={"c": resident}, timeout=10)
    assert page.status_code == 200
    assert fake.tracker_queries == []
    assert f'value="{resident}"' not in page.text
    turns = session.get(f"{web_url}/staff/api/test/turns", params={"c": resident}, timeout=10)
    assert turns.status_code == 400
    sent = session.post(f"{web_url}/staff/test",
                        data={"csrf": csrf_of(page.text), "c": resident, "message": "hoi"},
                        timeout=10)
    assert sent.status_code == 200
    assert [body["sender"] for body in fake.received] != [resident]
    assert all(body["sender"].startswith("stafftest-") for body in fake.received)
    assert fake.tracker_queries and all("abc123" not in str(q) for q in fake.tracker_queries)


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


# --- retention inside the web app ----------------------------------------------------------------


def test_the_web_app_runs_retention_on_a_schedule(stack: Stack, tmp_path_factory) -> None:
    import time

    from sqlalchemy import update

    from bot.ops.intake.models import intakes
    from bot.ops.retention import SCHEDULE_INTERVAL_S
    from tests.support.db import add_tracker_events, tracker_senders

    assert SCHEDULE_INTERVAL_S == 3600  # hourly in production
    folder = tmp_path_factory.mktemp("retention")
    tracker = f"sqlite:///{folder / 'tracker.db'}"
    own_store = IntakeStore(f"sqlite:///{folder / 'intakes.db'}")
    old = make_intake(own_store)
    with own_store.engine.begin() as conn:
        conn.execute(update(intakes).where(intakes.c.reference == old)
                     .values(created_at=datetime.now(timezone.utc) - timedelta(days=400)))
    fresh = make_intake(own_store)
    add_tracker_events(tracker, [("old-conv", 1000.0), ("new-conv", time.time())])

    stack.start_webapp(stack.settings(tracker_store_url=tracker), intake_store=own_store,
                       retention_interval_s=0.1)
    deadline = time.monotonic() + 60  # generous: CI machines can be busy
    while time.monotonic() < deadline and own_store.get_intake(old) is not None:
        time.sleep(0.05)
    assert own_store.get_intake(old) is None
    assert own_store.get_intake(fresh) is not None
    assert [sender for sender, _ in tracker_senders(tracker)] == ["new-conv"]
