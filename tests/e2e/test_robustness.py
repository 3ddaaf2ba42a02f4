"""Property-based robustness: whatever a resident (or a script) sends through the REST
channel of a running assistant, the answer is never a 5xx and never silence.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.stack

BAD_PAYLOADS = [
    '/inform{"gemeente": ', "/inform{{", "/{}", "/", "//", '/inform{"gemeente": null}',
    '/inform{"gemeente": ["a", "b"]}', '/inform{"life_domain": {"x": 1}}', "/bestaat_niet",
    '/request_human{"x":1}{', "/greet@1.5", "/affirm@abc", '/inform{"gemeente": "../../etc/passwd"}',
    "/faq/ask_oco_cost", '/inform{"contact_phone": "' + "9" * 400 + '"}',
]
FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE events; --",
    "\" OR 1=1 --", "{{7*7}}", "${jndi:ldap://x}", "%00", "\\x00", "NULL", "Robert'); --",
    "Ik heb schulden", "mijn BSN is 123456782", "wat kost het?", "🙂🙃👩‍👩‍👧‍👦🏳️‍🌈", "\u202eabc", "\ufeff",
]

control_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), min_size=1, max_size=20)
any_unicode = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
long_word = st.integers(min_value=200, max_value=2500).map(lambda n: "a" * n)
mixed = st.lists(st.one_of(st.sampled_from(FRAGMENTS), any_unicode, control_text), min_size=1, max_size=5).map(
    " ".join
)
messages = st.one_of(st.sampled_from(BAD_PAYLOADS), st.sampled_from(FRAGMENTS), any_unicode, control_text,
                     long_word, mixed)
gemeenten = st.sampled_from([None, "dordrecht", "almere", "bestaat-niet", "<b>", ""])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(message=messages, gemeente=gemeenten)
def test_any_message_gets_an_answer_and_never_a_5xx(assistant, message: str, gemeente: str | None) -> None:
    body: dict = {"sender": assistant.new_sender(), "message": message}
    if gemeente is not None:
        body["metadata"] = {"gemeente": gemeente}
    response = requests.post(f"{assistant.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    assert response.status_code == 200, response.text[:300]
    answer = response.json()
    assert isinstance(answer, list) and answer, "silence"
    assert any((item.get("text") or "").strip() or item.get("buttons") for item in answer), answer
