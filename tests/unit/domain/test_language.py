"""Language detection (bot/domain/language.py) and the fixed texts for other languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionOtherLanguage, phone_route
from bot.domain.language import SUPPORTED, detect_language, language_codes_with_texts, language_texts
from bot.paths import PROJECT_ROOT


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("What is client support? I got a letter from the council", "en"),
        ("hello i need help with my rent who can i call", "en"),
        ("Can somebody call me back please", "en"),
        ("how much does it cost", "en"),
        ("i dont speak dutch sorry", "en"),
        ("Merhaba, belediyeden bir mektup aldım ama anlamadım", "tr"),
        ("yardıma ihtiyacım var lütfen", "tr"),
        ("Merhaba kimse Türkçe konuşuyor mu", "tr"),
        ("مرحبا أحتاج مساعدة من البلدية", "ar"),
        ("مرحبا", "ar"),
        ("هل هذه الخدمة مجانية؟", "ar"),
        ("Dzień dobry, potrzebuję pomocy z mieszkaniem", "pl"),
        ("czy ktoś mówi po polsku", "pl"),
        ("Ich habe ein Problem mit meiner Wohnung, wer kann mir helfen", "de"),
        ("Je voudrais parler à quelqu'un de la mairie", "fr"),
        ("Привіт, мені потрібна допомога з житлом", "uk"),
        ("Здравствуйте, мне нужна помощь с квартирой", "ru"),
        ("ik wil graag iemand spreken over mijn schulden", "nl"),
        ("ik heb een meeting met de gemeente about my care", "nl"),
        ("ik snap de brief niet can you explain", "nl"),
        ("mijn naam is Mehmet en ik heb een vraag", "nl"),
    ],
)
def test_clear_languages(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hoi",
        "hello",
        "hi there",
        "ok thanks",
        "yes please",
        "Mehmet",
        "Mehmet Yilmaz",
        "Agnieszka Kowalska",
        "Oleksandr",
        "Fatima El Amrani",
        "06-12345678",
        "jan@example.nl",
        "https://www.example.com/help",
        "wat is oco",
        "help",
        "👍",
        "12345",
        "dinsdagmiddag",
    ],
)
def test_short_messages_names_and_numbers_are_not_another_language(text: str) -> None:
    assert detect_language(text) in (None, "nl")


@pytest.mark.parametrize(
    "text",
    [
        "ik heb een appointment bij de huisarts maar wil eerst iemand spreken",
        "mijn manager zegt dat ik een burnout heb en nu zit ik thuis",
        "ik heb schulden, sorry voor mijn slechte nederlands",
        "kan ik hier ook een second opinion vragen",
        "de consulent was niet heel friendly eerlijk gezegd",
    ],
)
def test_dutch_with_some_english_words_stays_dutch(text: str) -> None:
    assert detect_language(text) in (None, "nl")


def test_every_text_language_is_supported_and_complete() -> None:
    codes = language_codes_with_texts()
    assert {"en", "tr", "ar", "pl", "uk"} <= set(codes)
    assert set(codes) <= set(SUPPORTED)
    for code in codes:
        texts = language_texts(code)
        assert texts is not None
        assert "112" in texts["crisis"] and "0800-0113" in texts["crisis"] and "0800-2000" in texts["crisis"]
        assert "{telefoon}" in texts["telefoon"] and "{organisatie}" in texts["telefoon"]
    assert language_texts("xx") is None


DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(language: str | None, gemeente: str | None = None, entity: str | None = None) -> Tracker:
    entities = [{"entity": "language", "value": entity}] if entity else []
    latest: dict[str, Any] = {"text": "merhaba", "intent": {"name": "other_language"}, "entities": entities}
    slots = {"language": language, "gemeente": gemeente}
    return Tracker("t", slots, latest, [], False, None, {}, "action_listen")


def texts_of(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("tekst") or m.get("text") or m.get("response") for m in dispatcher.messages]


async def test_other_language_with_a_known_phone_number() -> None:
    dispatcher = CollectingDispatcher()
    await ActionOtherLanguage().run(dispatcher, tracker("tr", "almere"), DOMAIN)
    said = "\n".join(texts_of(dispatcher))
    turkish = language_texts("tr")
    organisation = phone_route("almere")
    assert organisation is not None
    assert turkish["intro"] in said
    assert organisation.telefoon in said
    assert "0800-0113" in said and "0800-2000" in said
    assert dispatcher.messages[-1]["buttons"] == [
        {"title": turkish["knop_terugbellen"], "payload": "/request_human"}
    ]


async def test_other_language_without_a_known_number_gives_no_number() -> None:
    assert phone_route("dordrecht") is None  # the catalogue has no phone number there
    dispatcher = CollectingDispatcher()
    await ActionOtherLanguage().run(dispatcher, tracker("ar", "dordrecht"), DOMAIN)
    said = texts_of(dispatcher)
    assert len(said) == 3
    assert said[0].startswith(language_texts("ar")["intro"])


async def test_other_language_without_municipality_offers_the_callback_only() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionOtherLanguage().run(dispatcher, tracker(None, None, entity="pl"), DOMAIN)
    said = texts_of(dispatcher)
    polish = language_texts("pl")
    assert said[0].startswith(polish["intro"])
    assert not any("{telefoon}" in text or "{organisatie}" in text for text in said)
    assert len(said) == 3  # intro, crisis numbers, callback
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "pl"}]


async def test_unknown_language_code_falls_back_to_english() -> None:
    dispatcher = CollectingDispatcher()
    await ActionOtherLanguage().run(dispatcher, tracker("xx", "almere"), DOMAIN)
    assert texts_of(dispatcher)[0].startswith(language_texts("en")["intro"])


async def test_dutch_gets_the_ordinary_question() -> None:
    dispatcher = CollectingDispatcher()
    await ActionOtherLanguage().run(dispatcher, tracker("nl"), DOMAIN)
    assert texts_of(dispatcher) == ["utter_anything_else"]


def test_english_variations_exist_for_the_key_answers() -> None:
    responses = DOMAIN["responses"]
    for name in ("utter_greet", "utter_intro", "utter_ask_what_is_oco", "utter_ask_oco_cost",
                 "utter_bot_challenge", "utter_ask_privacy"):
        english = [v for v in responses[name] if v.get("condition")]
        assert english, name
        assert english[0]["condition"] == [{"type": "slot", "name": "language", "value": "en"}]
        assert any(not v.get("condition") for v in responses[name]), f"{name} keeps its Dutch text"
    assert DOMAIN["slots"]["language"]["mappings"] == [{"type": "from_entity", "entity": "language"}]
    assert "language" in DOMAIN["entities"]
    assert "action_other_language" in DOMAIN["actions"]


# Informal forms of address that a fixed text must never use (the polite form: Pan/Pani, siz, Ви,
# the respectful Arabic plural).
INFORMAL_FORMS = {
    "pl": ["chcesz", "zadzwoń", "ciebie", "możesz", "jesteś", "naciśnij", "twój", "twoja"],
    "tr": ["ister misin", "sen", "seni", "sana", "ara", "bas"],
    "uk": ["хочеш", "ти", "тебе", "тобі", "зателефонуй", "натисни", "можеш"],
    "ru": ["хочешь", "ты", "тебе", "позвони", "нажми", "можешь"],
    "ar": ["هل تريد", "اتصل", "اضغط", "يمكنك", "أنت"],
    "de": ["du", "dich", "dein", "ruf"],
    "fr": ["tu", "toi", "ton", "appelle"],
}


@pytest.mark.parametrize("code", sorted(INFORMAL_FORMS))
def test_every_fixed_text_uses_the_polite_form(code: str) -> None:
    texts = language_texts(code)
    assert texts is not None
    for key in ("telefoon", "terugbellen", "crisis"):
        text = texts[key].lower()
        found = [form for form in INFORMAL_FORMS[code] if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text)]
        assert not found, (code, key, found)


def test_polish_says_pan_pani() -> None:
    polish = language_texts("pl")
    assert polish is not None
    for key in ("telefoon", "terugbellen", "crisis"):
        assert "Pan/Pani" in polish[key] or "Proszę" in polish[key], key
