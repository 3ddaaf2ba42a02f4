"""Anonymous usage analytics: the event broker, the reducer and the counter store.

The event stream is built with Rasa's own event classes (`Event.as_dict()` plus the
sender id, exactly what `TrackerStore._stream_new_events` publishes).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.utils.endpoints import EndpointConfig

from bot.ops.analytics import vocabulary as v
from bot.ops.analytics.reducer import EventReducer, Increment, event_day
from bot.ops.analytics.store import AnalyticsStore
from bot.rasa_plugins.analytics_broker import AnalyticsEventBroker
from tests.support.analytics import dump_analytics_tables

pytest_plugins = ["tests.support.db"]

# Personal data that appears in the conversations below and must never be stored.
NAME = "Marieke Zonnebloem"
PHONE_TYPED = "06 12345678"
PHONE_E164 = "+31612345678"
EMAIL = "marieke.zonnebloem@voorbeeld.nl"
SITUATION = "Ik heb schulden bij de woningcorporatie en mijn buurvrouw Truus helpt niet meer"
TIME_TEXT = "liefst dinsdagochtend na negen uur"
WEB_SENDER = "9f2c1d7e4b3a"
WHATSAPP_SENDER = "31687654321"  # WhatsApp sender ids are phone numbers
FREE_GEMEENTE = "ik woon sinds kort in Dordrecht-Zuid bij mijn tante"
REFERENCE = "OCO-2026-00042"
FORBIDDEN = [
    "Marieke", "Zonnebloem", "12345678", "612345678", PHONE_E164, "voorbeeld.nl", "@",
    "schulden", "buurvrouw", "Truus", "dinsdagochtend", "negen uur", WEB_SENDER,
    WHATSAPP_SENDER, "87654321", "tante", "sinds kort", REFERENCE, "Wat is uw naam",
]
TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ).timestamp()


class Conversation:
    """Builds the event dicts Rasa publishes for one sender."""

    def __init__(self, sender: str, metadata: dict[str, Any], channel: str = "rest") -> None:
        self.sender = sender
        self.metadata = metadata
        self.channel = channel
        self.clock = NOW
        self.events: list[dict[str, Any]] = []

    def _add(self, event: Any) -> None:
        self.clock += 1
        event.timestamp = self.clock
        self.events.append({"sender_id": self.sender, **event.as_dict()})

    def start(self) -> Conversation:
        self._add(ActionExecuted("action_session_start", policy=None, confidence=1.0))
        self._add(SessionStarted())
        self._add(SlotSet("session_started_metadata", self.metadata))
        self._add(SlotSet("conversation_retention_days", "28"))
        if self.metadata.get("gemeente"):
            self._add(SlotSet("gemeente", self.metadata["gemeente"]))
            self._add(SlotSet("gemeente_naam", "Dordrecht"))
        self._add(ActionExecuted("action_listen"))
        return self

    def user(self, text: str, intent: str, entities: list[dict] | None = None) -> Conversation:
        parse = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.93},
            "entities": entities or [],
            "intent_ranking": [{"name": intent, "confidence": 0.93}],
            "message_id": "abc",
            "metadata": self.metadata,
        }
        self._add(UserUttered(text, parse["intent"], parse["entities"], parse,
                              input_channel=self.channel, message_id="abc",
                              metadata=self.metadata))
        return self

    def action(self, name: str, *events: Any, bot: str | None = None) -> Conversation:
        self._add(ActionExecuted(name, policy="RulePolicy", confidence=1.0))
        for event in events:
            self._add(event)
        if bot:
            self._add(BotUttered(bot, {"buttons": None}, {"utter_action": "utter_x"}))
        return self

    def listen(self) -> Conversation:
        return self.action("action_listen")

    def form(self, name: str, *events: Any, ask: str | None, bot: str) -> Conversation:
        return self.action(name, *events, SlotSet("requested_slot", ask), bot=bot).listen()


def handover_conversation() -> Conversation:
    """Situation, clarification, route, consent, full intake form, sent."""
    c = Conversation(WEB_SENDER, {"gemeente": "dordrecht", "channel": "web"}).start()
    c.user(SITUATION, "describe_situation",
           [{"entity": "life_domain", "value": "geld", "start": 7, "end": 15}])
    c.action("action_start_clarification", SlotSet("situation", SITUATION),
             SlotSet("life_domains", ["geld", "wonen"]))
    c.action("clarify_form", ActiveLoop("clarify_form"), SlotSet("requested_slot", "domains_confirmed"),
             bot=f"U schreef: {SITUATION}. Klopt dat?").listen()
    c.user("ja", "affirm")
    c.action("clarify_form", SlotSet("domains_confirmed", "ja"), SlotSet("gemeente", FREE_GEMEENTE),
             SlotSet("gemeente", "dordrecht"), ActiveLoop(None), SlotSet("requested_slot", None))
    c.action("action_route", SlotSet("route_kind", "oco"), bot="Een cliëntondersteuner kan helpen.").listen()
    c.user("ja graag iemand spreken", "affirm").action("action_ask_consent", bot="Mag dat?").listen()
    c.user("ja", "affirm")
    c.action("action_start_intake", SlotSet("contact_name", None), SlotSet("consent_at", "2026-03-10T09:00:05+00:00"))
    c.form("intake_form", ActiveLoop("intake_form"), ask="contact_name", bot="Wat is uw naam?")
    c.user(NAME, "inform")
    c.form("intake_form", SlotSet("contact_name", NAME), ask="contact_preference",
           bot=f"Dank u, {NAME}. Hoe wilt u contact?")
    c.user("telefoon", "inform", [{"entity": "contact_preference", "value": "telefoon"}])
    c.form("intake_form", SlotSet("contact_preference", "telefoon"), ask="contact_phone", bot="Uw nummer?")
    c.user(PHONE_TYPED, "inform")
    c.form("intake_form", SlotSet("contact_phone", PHONE_E164), ask="contact_email", bot="Uw e-mail?")
    c.user(EMAIL, "inform")
    c.form("intake_form", SlotSet("contact_email", EMAIL), ask="preferred_time", bot="Wanneer?")
    c.user(TIME_TEXT, "inform")
    c.form("intake_form", SlotSet("preferred_time", TIME_TEXT), ask="intake_decision",
           bot=f"{NAME}, {PHONE_E164}, {EMAIL}, {TIME_TEXT}. Versturen?")
    c.user("versturen", "inform", [{"entity": "intake_decision", "value": "versturen"}])
    c.action("intake_form", SlotSet("intake_decision", "versturen"), SlotSet("intake_reference", REFERENCE),
             ActiveLoop(None), SlotSet("requested_slot", None))
    c.action("action_intake_done", SlotSet("contact_name", None), SlotSet("contact_phone", None),
             bot=f"Bedankt {NAME}. Uw referentie is {REFERENCE}.").listen()
    return c


def stopped_conversation() -> Conversation:
    """WhatsApp, consent given, then 'stop' at the phone number question."""
    c = Conversation(WHATSAPP_SENDER, {}, channel="whatsapp").start()
    c.user("ik wil iemand spreken", "request_human").action("action_ask_consent", bot="Mag dat?").listen()
    c.user("ja", "affirm").action("action_start_intake")
    c.form("intake_form", ActiveLoop("intake_form"), ask="gemeente", bot="Welke gemeente?")
    c.user(FREE_GEMEENTE, "inform")
    c.form("intake_form", SlotSet("gemeente", "dordrecht"), ask="contact_name", bot="Naam?")
    c.user(NAME, "inform")
    c.form("intake_form", SlotSet("contact_name", NAME), ask="contact_phone", bot="Nummer?")
    c.user("stop", "stop").action("action_stop_form", ActiveLoop(None), SlotSet("requested_slot", None),
                                  SlotSet("contact_name", None), bot="Prima, ik stop.").listen()
    return c


def other_conversations() -> list[Conversation]:
    fallback = Conversation("a1b2c3", {"gemeente": "<script>x</script>", "channel": "fax"}).start()
    fallback.user("blablabla Truus", "nlu_fallback").action("action_handle_fallback", bot="Sorry?").listen()
    fallback.user("ik wil dood", "crisis").action("action_crisis_response", SlotSet("urgent", True)).listen()
    fallback.user("onzin", "made_up_intent: " + NAME).listen()
    staff = Conversation("stafftest-0011", {"gemeente": "almere", "channel": "web", "staff_test": True}).start()
    staff.user("hallo", "greet").action("utter_greet").listen()
    # Left the intake form by going silent: the next session starts with a question pending.
    silent = Conversation("d4e5f6", {"gemeente": "almere", "channel": "web"}).start()
    silent.user("ik wil een afspraak", "request_human").action("action_start_intake")
    silent.form("intake_form", ActiveLoop("intake_form"), ask="contact_email", bot="E-mail?")
    silent.start()
    return [fallback, staff, silent]


def all_events() -> list[dict[str, Any]]:
    events = []
    for conversation in [handover_conversation(), stopped_conversation(), *other_conversations()]:
        events += conversation.events
    return events


@pytest.fixture
def store(db_url: str):
    analytics = AnalyticsStore(db_url)
    yield analytics
    analytics.dispose()


# --- the privacy promise ---------------------------------------------------------------


async def test_full_conversations_leave_no_personal_data(
    db_url: str, store: AnalyticsStore
) -> None:
    broker = await AnalyticsEventBroker.from_endpoint_config(
        EndpointConfig(url=db_url, type="bot.rasa_plugins.analytics_broker.AnalyticsEventBroker")
    )
    for event in all_events():
        broker.publish(event)
    await broker.close()

    dump = dump_analytics_tables(store)
    assert "oco_stats_counts" in dump and "handover" in dump  # the tables really were filled
    for needle in FORBIDDEN:
        assert needle.lower() not in dump.lower(), f"{needle!r} reached the analytics tables"

    day = date(2026, 3, 10)
    summary = store.summary(day, day)
    assert summary.conversations == 4  # staff test excluded; the silent one counts once
    assert summary.breakdown(v.HANDOVER) == {"offered": 2, "consent": 3, "completed": 1}
    assert summary.breakdown(v.ROUTES) == {"oco": 1}
    assert summary.breakdown(v.LIFE_DOMAINS_METRIC) == {"geld": 1, "wonen": 1}
    assert summary.breakdown(v.FORM_EXITS) == {
        "intake_form.contact_phone": 1, "intake_form.contact_email": 1,
    }
    assert summary.totals[v.FALLBACKS] == 1 and summary.totals[v.CRISIS] == 1
    assert summary.by_channel == {"web": 2, "whatsapp": 1, "rest": 1}
    # A conversation counts for the municipality known at its first message.
    assert summary.by_gemeente == {"onbekend": 2, "almere": 1, "dordrecht": 1}
    intents = summary.breakdown(v.INTENTS)
    assert intents["inform"] == 8 and intents["nlu_fallback"] == 1 and intents["overig"] == 1
    assert "greet" not in intents  # only the staff test said hello


async def test_gemeente_counts_follow_the_slot_and_ignore_free_text() -> None:
    reducer = EventReducer()
    found: list[Increment] = []
    for event in stopped_conversation().events:
        found += reducer.reduce(event)
    exit_ = [i for i in found if i.metric == v.FORM_EXITS]
    assert [(i.gemeente, i.channel, i.key) for i in exit_] == [
        ("dordrecht", "whatsapp", "intake_form.contact_phone")
    ]
    assert {i.gemeente for i in found} <= {"onbekend", "dordrecht"}


# --- the broker inside Rasa ------------------------------------------------------------


async def test_publish_writes_in_the_background(sqlite_url: str) -> None:
    broker = AnalyticsEventBroker(AnalyticsStore(sqlite_url), flush_delay=0.05)
    for event in handover_conversation().events:
        broker.publish(event)
    assert broker.store.rows(date(2026, 3, 1), date(2026, 3, 31)) == []  # not written inline
    await asyncio.sleep(0.3)
    rows = broker.store.rows(date(2026, 3, 1), date(2026, 3, 31))
    assert {"metric": "handover", "key": "completed", "count": 1}.items() <= next(
        r for r in rows if r["key"] == "completed"
    ).items()
    await broker.close()


async def test_publish_never_raises_and_logs_only_the_error_class(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenStore(AnalyticsStore):
        def add(self, increments: Any) -> None:
            raise RuntimeError(f"INSERT failed for {NAME} {PHONE_E164}")

    broker = AnalyticsEventBroker(BrokenStore(sqlite_url), flush_delay=0.01)
    caplog.set_level(logging.WARNING, logger="bot.ops.analytics")
    broker.publish({"sender_id": WEB_SENDER, "event": "user", "parse_data": "not a dict",
                    "text": NAME})
    broker.publish({"sender_id": None, "event": None})
    for event in handover_conversation().events:
        broker.publish(event)
    await asyncio.sleep(0.1)
    await broker.close()
    assert "counters not stored yet (RuntimeError)" in caplog.text
    assert NAME not in caplog.text and PHONE_E164 not in caplog.text
    assert sum(broker._pending.values()) > 0  # kept for a later retry


def test_reducer_forgets_senders() -> None:
    reducer = EventReducer(max_senders=2)
    for sender in ("a", "b", "c"):
        reducer.reduce({"sender_id": sender, "event": "session_started", "timestamp": NOW})
    assert reducer.tracked_senders() == 2


def test_event_day_is_the_dutch_calendar_day() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc).timestamp()  # 00:30 in NL
    assert event_day({"timestamp": late}) == date(2026, 3, 11)


# --- the store -------------------------------------------------------------------------


def test_store_adds_up_and_filters(store: AnalyticsStore) -> None:
    day = date(2026, 3, 10)
    batch = Counter({
        Increment(day, "dordrecht", "web", v.CONVERSATIONS): 2,
        Increment(day, "almere", "web", v.CONVERSATIONS): 1,
        Increment(day + timedelta(days=1), "almere", "whatsapp", v.ROUTES, "wijkteam"): 1,
    })
    store.add(batch)
    store.add(batch)  # upsert: counts add up
    everything = store.summary(day, day + timedelta(days=1))
    assert everything.conversations == 6
    assert everything.per_day == [(day, 6), (day + timedelta(days=1), 0)]
    assert everything.breakdown(v.ROUTES) == {"wijkteam": 2}
    almere = store.summary(day, day, "almere")
    assert almere.conversations == 2 and almere.breakdown(v.ROUTES) == {}
    assert store.summary(day - timedelta(days=5), day - timedelta(days=1)).is_empty
    assert store.gemeenten() == ["almere", "dordrecht"]


def test_handover_with_consent_as_a_form_question_is_counted_once() -> None:
    """Today's design: action_start_handover offers, the consent question's "ja" sets consent_at."""
    c = Conversation("e7f8a9", {"gemeente": "almere", "channel": "web"}).start()
    c.user("ik wil iemand spreken", "request_human").action("action_start_handover")
    c.form("intake_form", ActiveLoop("intake_form"), ask="consent", bot="Vindt u dat goed?")
    c.user("ja", "inform")
    c.form("intake_form", SlotSet("consent", "ja"), SlotSet("consent_at", "2026-03-10T09:00:05+00:00"),
           ask="contact_name", bot="Naam?")
    reducer = EventReducer()
    found: list[Increment] = []
    for event in c.events:
        found += reducer.reduce(event)
    handover = [i.key for i in found if i.metric == v.HANDOVER]
    assert handover.count(v.OFFERED) == 1
    assert handover.count(v.CONSENT) == 1
