"""Property-based fuzzing of every web app endpoint: no input gives a 5xx (issue 13).

Hypothesis draws, per route, odd path parameters, query strings, headers (Authorization,
Cookie, X-Forwarded-For, Content-Type), form, JSON and raw bodies, and four identities:
nobody, the administrator by Bearer token, the administrator by session cookie (with or
without a valid CSRF token) and a staff account of one municipality. The web app runs
for real on 127.0.0.1 with a fake Rasa (tests/support/web.py). A guard test makes sure
every route of the app is in the list, so a new endpoint is fuzzed too.

max_examples is capped (OCO_FUZZ_EXAMPLES, default 25 per route) to keep this in seconds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ops.intake.store import IntakeStore
from bot.ops.staff_accounts import StaffAccounts
from tests.support.db import make_draft
from tests.support.web import STAFF_TOKEN, Stack

EXAMPLES = int(os.environ.get("OCO_FUZZ_EXAMPLES", "25"))

# (method, path template) of every route; {ref} is a path parameter.
ROUTES = [
    ("GET", "/"),
    ("HEAD", "/"),
    ("GET", "/healthz"),
    ("HEAD", "/healthz"),
    ("OPTIONS", "/api/chat"),
    ("POST", "/api/chat"),
    ("GET", "/staff/"),
    ("GET", "/staff/login"),
    ("POST", "/staff/login"),
    ("POST", "/staff/logout"),
    ("GET", "/staff/intakes"),
    ("GET", "/staff/intakes/{ref}"),
    ("POST", "/staff/intakes/{ref}/status"),
    ("GET", "/staff/toegang"),
    ("GET", "/staff/test"),
    ("POST", "/staff/test"),
    ("GET", "/staff/api/test/turns"),
    ("GET", "/staff/dashboard"),
    ("GET", "/staff/dashboard.csv"),
    ("GET", "/api/stats"),
    ("GET", "/api/intakes"),
    ("GET", "/api/intakes/{ref}"),
    ("PATCH", "/api/intakes/{ref}"),
    ("DELETE", "/api/intakes/{ref}"),
    ("GET", "/api/outbox"),
    ("GET", "/static/{ref}"),
    ("HEAD", "/static/{ref}"),
]

FIELDS = ["token", "next", "csrf", "status", "c", "gemeente", "message", "sender",
          "metadata", "from", "to", "urgent", "referentie", "reference"]

# No lone surrogates: a client cannot encode them into a request at all.
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
# Header values a client can send: no control characters, no leading or trailing space.
header_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=80,
).map(str.strip)
interesting = st.sampled_from([
    "", "OCO-2026-00001", "OCO-1999-99999", "nieuw", "in_behandeling", "afgerond", "ja", "nee",
    "dordrecht", "almere", "stafftest-abc", "web:abc", "../../etc/passwd", "%00", "\x00",
    "é" * 3, "😀", "a" * 3000, "/staff/intakes", "//evil.example", "2026-02-30", "-1",
    "oco-chat.js", "staff/", "staff/staff.css", STAFF_TOKEN, STAFF_TOKEN + "é",
])
value = st.one_of(interesting, text)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | value,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(value, children,
                                                                     max_size=4),
    max_leaves=12,
)
body = st.one_of(
    st.none(),
    st.tuples(st.just("form"), st.dictionaries(st.sampled_from(FIELDS) | text, value,
                                                max_size=6)),
    st.tuples(st.just("json"), json_value | st.dictionaries(st.sampled_from(FIELDS), json_value,
                                                            max_size=6)),
    st.tuples(st.just("raw"), st.binary(max_size=300),
              st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                               "multipart/form-data; boundary=x", "text/plain", "", "*/*"])),
)
identity = st.sampled_from(["nobody", "admin-bearer", "admin-cookie", "admin-cookie-csrf",
                            "account-bearer", "garbage"])


class Identities:
    """Credentials for the fuzzed requests."""

    def __init__(self, web_url: str, accounts: StaffAccounts) -> None:
        session = requests.Session()
        session.headers["X-Forwarded-For"] = "192.0.2.200"
        session.post(f"{web_url}/staff/login", data={"token": STAFF_TOKEN}, timeout=10)
        self.cookie = session.cookies.get("oco_staff", path="/staff")
        page = session.get(f"{web_url}/staff/", timeout=10).text
        self.csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
        _account, self.account_token = accounts.add("dordrecht", "Fuzz-account")

    def headers(self, who: str) -> dict[str, Any]:
        return {
            "nobody": {},
            "admin-bearer": {"Authorization": f"Bearer {STAFF_TOKEN}"},
            "admin-cookie": {"Cookie": f"oco_staff={self.cookie}"},
            "admin-cookie-csrf": {"Cookie": f"oco_staff={self.cookie}"},
            "account-bearer": {"Authorization": f"Bearer {self.account_token}"},
            "garbage": {"Authorization": "Bearer \u00e9\u00e9n", "Cookie": "oco_staff=é; x=\u2603"},
        }[who]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("fuzz"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def target(stack: Stack) -> tuple[str, Identities, list[str]]:
    store = IntakeStore(f"sqlite:///{stack.tmp / 'fuzz-intakes.db'}")
    references = [store.create_intake(make_draft(gemeente=g), None)["reference"]
                  for g in ("dordrecht", "almere")]
    url = stack.start_webapp(stack.settings(tracker_store_url=f"sqlite:///{stack.tmp / 't.db'}"),
                             intake_store=store, retention_interval_s=None)
    return url, Identities(url, StaffAccounts(store.engine, store.writer)), references


def test_every_route_of_the_app_is_fuzzed(stack: Stack, target) -> None:
    from bot.webapp.app import create_app

    app = create_app(stack.settings(), name="oco_webapp_route_list", retention_interval_s=None)
    fuzzed = {(method, re.sub(r"\{ref\}", "<>", path).rstrip("/")) for method, path in ROUTES}
    for route in app.router.routes:
        path = "/" + re.sub(r"<[^>]+>", "<>", route.path)
        for method in route.methods:
            assert (method, path.rstrip("/")) in fuzzed, f"add {method} {path} to ROUTES"


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_no_input_gives_a_server_error(target, method: str, template: str) -> None:
    url, identities, references = target

    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(
        ref=st.one_of(st.sampled_from(references), value),
        query=st.dictionaries(st.sampled_from(FIELDS) | text, value, max_size=5),
        payload=body,
        who=identity,
        forwarded=st.one_of(st.none(), header_text, st.just("203.0.113.9, 10.0.0.1")),
        extra=st.dictionaries(st.sampled_from(["Content-Type", "Accept", "Origin", "Referer",
                                               "X-Forwarded-Proto"]), header_text, max_size=2),
    )
    def check(ref, query, payload, who, forwarded, extra) -> None:
        path = template.replace("{ref}", quote(ref, safe="") or "x")
        headers: dict[str, Any] = {**extra, **identities.headers(who)}
        if forwarded is not None:
            headers["X-Forwarded-For"] = forwarded
        kwargs: dict[str, Any] = {"params": query, "headers": headers, "timeout": 20,
                                  "allow_redirects": False}
        if payload is not None:
            kind = payload[0]
            if kind == "form":
                data = dict(payload[1])
                if who == "admin-cookie-csrf":
                    data["csrf"] = identities.csrf
                kwargs["data"] = data
            elif kind == "json":
                kwargs["json"] = payload[1]
            else:
                kwargs["data"] = payload[1]
                headers["Content-Type"] = payload[2]
        kwargs["headers"] = {name: str(v).encode("utf-8") for name, v in headers.items()}
        response = requests.request(method, url + path, **kwargs)
        assert response.status_code < 500, (method, path, response.status_code,
                                            response.text[:300])

    check()
