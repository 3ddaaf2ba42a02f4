"""Usage statistics: GET /api/stats, /staff/dashboard and /staff/dashboard.csv.

Uses the real-server harness of tests/support/web.py with a real AnalyticsStore on SQLite.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlparse

import pytest
import requests

from bot.ops.analytics import vocabulary as v
from bot.ops.analytics.reducer import Increment
from bot.ops.analytics.store import AnalyticsStore
from bot.webapp.stats import EMPTY_TEXT
from tests.support.web import STAFF_TOKEN, Stack

DAY1, DAY2 = date(2026, 2, 2), date(2026, 2, 3)
PERIOD = {"from": "2026-02-01", "to": "2026-02-28"}
EMPTY_PERIOD = {"from": "2025-06-01", "to": "2025-06-30"}
BEARER = {"Authorization": f"Bearer {STAFF_TOKEN}"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("stats"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def analytics(stack: Stack) -> AnalyticsStore:
    store = AnalyticsStore(f"sqlite:///{stack.tmp / 'stats.db'}")
    store.add(Counter({
        Increment(DAY1, "dordrecht", "web", v.CONVERSATIONS): 3,
        Increment(DAY2, "almere", "whatsapp", v.CONVERSATIONS): 2,
        Increment(DAY1, "dordrecht", "web", v.ROUTES, "oco"): 2,
        Increment(DAY2, "almere", "whatsapp", v.ROUTES, "wijkteam"): 1,
        Increment(DAY1, "dordrecht", "web", v.LIFE_DOMAINS_METRIC, "geld"): 2,
        Increment(DAY1, "dordrecht", "web", v.HANDOVER, v.OFFERED): 2,
        Increment(DAY1, "dordrecht", "web", v.HANDOVER, v.COMPLETED): 1,
        Increment(DAY2, "almere", "whatsapp", v.FORM_EXITS, "intake_form.contact_phone"): 1,
        Increment(DAY2, "almere", "whatsapp", v.FALLBACKS): 4,
        Increment(DAY1, "dordrecht", "web", v.INTENTS, "describe_situation"): 3,
    }))
    return store


@pytest.fixture(scope="module")
def web_url(stack: Stack, analytics: AnalyticsStore) -> str:
    return stack.start_webapp(stack.settings(), analytics_store=analytics)


def login(web_url: str) -> requests.Session:
    session = requests.Session()
    resp = session.post(f"{web_url}/staff/login",
                        data={"token": STAFF_TOKEN, "next": "/staff/"}, timeout=10)
    assert resp.status_code == 200, resp.text
    return session


# --- GET /api/stats ----------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": STAFF_TOKEN}])
def test_api_stats_refuses_without_a_valid_token(web_url: str, headers: dict) -> None:
    resp = requests.get(f"{web_url}/api/stats", params=PERIOD, headers=headers, timeout=10)
    assert resp.status_code == 401
    assert "conversations" not in resp.text and "routes" not in resp.text


def test_api_stats_answers_the_counts(web_url: str) -> None:
    resp = requests.get(f"{web_url}/api/stats", params=PERIOD, headers=BEARER, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.json()
    assert body["conversations"] == 5
    assert body["gemeenten"] == {"dordrecht": 3, "almere": 2}
    assert body["channels"] == {"web": 3, "whatsapp": 2}
    assert body["routes"] == {"oco": 2, "wijkteam": 1}
    assert body["life_domains"] == {"geld": 2}
    assert body["handovers"] == {"offered": 2, "consent": 0, "completed": 1}
    assert body["form_exits"] == {"intake_form.contact_phone": 1}
    assert body["fallbacks"] == 4 and body["crisis"] == 0
    per_day = {item["date"]: item["count"] for item in body["conversations_per_day"]}
    assert len(per_day) == 28 and per_day["2026-02-02"] == 3 and per_day["2026-02-03"] == 2


def test_api_stats_filters_by_gemeente(web_url: str) -> None:
    resp = requests.get(f"{web_url}/api/stats", params={**PERIOD, "gemeente": "almere"},
                        headers=BEARER, timeout=10)
    body = resp.json()
    assert body["gemeente"] == "almere" and body["conversations"] == 2
    assert body["routes"] == {"wijkteam": 1} and body["handovers"]["offered"] == 0


def test_api_stats_empty_period_is_not_an_error(web_url: str) -> None:
    resp = requests.get(f"{web_url}/api/stats", params=EMPTY_PERIOD, headers=BEARER, timeout=10)
    assert resp.status_code == 200
    assert resp.json()["conversations"] == 0 and resp.json()["routes"] == {}


@pytest.mark.parametrize("params", [
    {"from": "gisteren"}, {"from": "2026-03-01", "to": "2026-02-01"},
    {"from": "2024-01-01", "to": "2026-01-01"}, {"gemeente": "Den Haag; DROP"},
])
def test_api_stats_rejects_bad_filters(web_url: str, params: dict) -> None:
    resp = requests.get(f"{web_url}/api/stats", params=params, headers=BEARER, timeout=10)
    assert resp.status_code == 400 and resp.json()["error"] == "bad_request"


# --- the dashboard -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/dashboard", "/staff/dashboard.csv"])
def test_dashboard_needs_login(web_url: str, path: str) -> None:
    resp = requests.get(f"{web_url}{path}", params=PERIOD, allow_redirects=False, timeout=10)
    assert resp.status_code == 303
    assert urlparse(resp.headers["Location"]).path == "/staff/login"


def test_dashboard_shows_charts_and_tables(web_url: str) -> None:
    resp = login(web_url).get(f"{web_url}/staff/dashboard", params=PERIOD, timeout=10)
    assert resp.status_code == 200
    page = resp.text
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert EMPTY_TEXT not in page
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) >= 5
    assert all("<title" in svg and "<desc" in svg and 'role="img"' in svg for svg in svgs)
    assert re.search(r"<th scope=\"row\">Onafhankelijke cliëntondersteuning</th><td>2</td>", page)
    assert re.search(r"<th scope=\"row\">Aanmelding: telefoonnummer</th><td>1</td>", page)
    assert re.search(r"<th scope=\"row\">Dordrecht</th><td>3</td>", page)
    assert "dashboard.csv?from=2026-02-01&amp;to=2026-02-28" in page
    # Strict CSP: no inline script or style anywhere.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page and "style=" not in page


def test_dashboard_municipality_filter(web_url: str) -> None:
    page = login(web_url).get(f"{web_url}/staff/dashboard",
                              params={**PERIOD, "gemeente": "dordrecht"}, timeout=10).text
    assert '<option value="dordrecht" selected>' in page
    assert re.search(r"<th scope=\"row\">Dordrecht</th><td>3</td>", page)
    assert "Almere</th><td>" not in page


def test_dashboard_empty_period(web_url: str) -> None:
    resp = login(web_url).get(f"{web_url}/staff/dashboard", params=EMPTY_PERIOD, timeout=10)
    assert resp.status_code == 200
    assert EMPTY_TEXT in resp.text and "<svg" not in resp.text


def test_dashboard_bad_date_shows_a_message(web_url: str) -> None:
    resp = login(web_url).get(f"{web_url}/staff/dashboard", params={"from": "x"}, timeout=10)
    assert resp.status_code == 400
    assert "JJJJ-MM-DD" in resp.text


def test_dashboard_csv_download(web_url: str) -> None:
    resp = requests.get(f"{web_url}/staff/dashboard.csv", params=PERIOD, headers=BEARER, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 10
    conversations = sum(int(r["aantal"]) for r in rows if r["meting"] == "conversations")
    assert conversations == 5
    assert {"datum": "2026-02-03", "gemeente": "almere", "kanaal": "whatsapp",
            "meting": "routes", "sleutel": "wijkteam", "aantal": "1"} in rows


def test_dashboard_csv_empty_period_has_only_the_header(web_url: str) -> None:
    session = login(web_url)
    resp = session.get(f"{web_url}/staff/dashboard.csv", params=EMPTY_PERIOD, timeout=10)
    assert resp.status_code == 200
    assert resp.content.decode("utf-8-sig").strip() == "datum;gemeente;kanaal;meting;sleutel;aantal"


def test_overview_links_to_the_dashboard(web_url: str) -> None:
    page = login(web_url).get(f"{web_url}/staff/", timeout=10).text
    assert 'href="/staff/dashboard"' in page
