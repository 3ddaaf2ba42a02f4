"""End to end: conversations through Rasa's REST channel reach the anonymous counters.

Needs the trained model and `event_broker` in endpoints.yml (type
bot.rasa_plugins.analytics_broker.AnalyticsEventBroker, url ${OCO_DATABASE_URL}); the `assistant`
fixture gives Rasa its own OCO_DATABASE_URL, which is where the counters go.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import yaml

from bot.ops.analytics import vocabulary as v
from bot.ops.analytics.reducer import LOCAL_TZ
from bot.ops.analytics.store import AnalyticsStore
from bot.paths import PROJECT_ROOT
from bot.rasa_plugins.analytics_broker import FLUSH_DELAY_SECONDS
from tests.support.analytics import dump_analytics_tables
from tests.support.ci import skip_or_fail

pytestmark = pytest.mark.stack

BROKER = "bot.rasa_plugins.analytics_broker.AnalyticsEventBroker"
NAME = "Anneke Vlietstra"
PHONE = "0687654321"


def _broker_configured() -> bool:
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    return (endpoints.get("event_broker") or {}).get("type") == BROKER


def _wait_for(store: AnalyticsStore, done, timeout_s: float = FLUSH_DELAY_SECONDS + 15):
    today = datetime.now(LOCAL_TZ).date()
    deadline = time.monotonic() + timeout_s
    while True:
        summary = store.summary(today, today)
        if done(summary) or time.monotonic() > deadline:
            return summary
        time.sleep(0.5)


def test_rest_conversations_are_counted_without_personal_data(
    request: pytest.FixtureRequest,
) -> None:
    if not _broker_configured():  # checked before the (slow) assistant starts
        skip_or_fail("endpoints.yml has no event_broker of type " + BROKER)
    assistant = request.getfixturevalue("assistant")
    sender = assistant.new_sender()
    assistant.send(sender, "Ik heb schulden en ik kan de huur niet betalen", gemeente="dordrecht")
    crisis_sender = assistant.new_sender()
    assistant.send(crisis_sender, "hallo", gemeente="almere")
    assistant.send(crisis_sender, f"ik ben {NAME}, mijn nummer is {PHONE} en ik wil dood")

    store = AnalyticsStore(assistant.settings.database_url)
    try:
        summary = _wait_for(
            store, lambda s: s.conversations >= 2 and s.totals.get(v.CRISIS, 0) >= 1
        )
        assert summary.conversations >= 2
        assert summary.by_gemeente.get("dordrecht", 0) >= 1
        assert summary.by_gemeente.get("almere", 0) >= 1
        assert summary.totals.get(v.CRISIS, 0) >= 1
        assert summary.breakdown(v.INTENTS).get("describe_situation", 0) >= 1
        dump = dump_analytics_tables(store)
        for needle in ("Anneke", "Vlietstra", "87654321", "schulden", "huur", sender, crisis_sender):
            assert needle not in dump
    finally:
        store.dispose()
