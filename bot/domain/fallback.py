"""The clarifying fallback: which topics to offer when a message was not understood.

Instead of a plain "Sorry, dat begreep ik niet", the resident gets the two or three most
likely topics as buttons plus "Ik wil iemand spreken" (issue 14, "No dead ends"). The topics
are the classifier's best guesses for the message (its intent ranking; a combined intent
such as "describe_situation+request_human" counts for each part) that have a button in
data/fallback_topics.yml. A message that names a life domain always gets "Ik zoek hulp"
first: a described situation goes to the clarification questions.

Public API: ``fallback_buttons(ranking, text) -> list[dict]`` (Rasa buttons ``{"title",
"payload"}``, the person button last) and ``load_fallback_topics()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import yaml

from bot.domain.life_domains import detect_life_domains
from bot.paths import DATA_DIR

FALLBACK_TOPICS_FILE = DATA_DIR / "fallback_topics.yml"
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str
    title_en: str = ""

    def as_rasa(self, language: str | None = None) -> dict[str, str]:
        """A Rasa button; the English title when ``language`` is "en" and the file has one."""
        title = self.title_en if language == "en" and self.title_en else self.title
        return {"title": title, "payload": self.payload}


@dataclass(frozen=True)
class FallbackTopics:
    topics: dict[str, Button]
    defaults: tuple[str, ...]
    situation_first: str
    person: Button
    most: int
    least: int
    min_confidence: float


def _button(raw: Any, where: str) -> Button:
    if not isinstance(raw, dict) or not raw.get("titel") or not str(raw.get("payload", "")).startswith("/"):
        raise ValueError(f"{FALLBACK_TOPICS_FILE.name}: {where} needs `titel` and a payload starting with '/'")
    return Button(title=str(raw["titel"]), payload=str(raw["payload"]), title_en=str(raw.get("title_en") or ""))


@lru_cache(maxsize=1)
def load_fallback_topics() -> FallbackTopics:
    """data/fallback_topics.yml, checked; ValueError when a field is missing or unknown."""
    raw = yaml.safe_load(FALLBACK_TOPICS_FILE.read_text(encoding="utf-8")) or {}
    topics = {intent: _button(entry, intent) for intent, entry in (raw.get("onderwerpen") or {}).items()}
    defaults = tuple(raw.get("standaard") or ())
    situation_first = str(raw.get("situatie_eerst") or "")
    for name in (*defaults, situation_first):
        if name not in topics:
            raise ValueError(f"{FALLBACK_TOPICS_FILE.name}: {name!r} is not one of the onderwerpen")
    result = FallbackTopics(
        topics=topics,
        defaults=defaults,
        situation_first=situation_first,
        person=_button(raw.get("iemand_spreken"), "iemand_spreken"),
        most=int(raw.get("maximaal", 3)),
        least=int(raw.get("minimaal", 2)),
        min_confidence=float(raw.get("minimale_zekerheid", 0.0)),
    )
    if not 1 <= result.least <= result.most <= len(topics):
        raise ValueError(f"{FALLBACK_TOPICS_FILE.name}: need 1 <= minimaal <= maximaal <= number of onderwerpen")
    return result


def likely_topics(ranking: Iterable[dict[str, Any]], text: str = "", topics: FallbackTopics | None = None) -> list[str]:
    """The intents to offer, most likely first: between `minimaal` and `maximaal` of them.

    `ranking` is Rasa's ``intent_ranking`` ({"name", "confidence"}, best first).
    """
    config = topics or load_fallback_topics()
    chosen: list[str] = []
    if text and config.situation_first and detect_life_domains(text):
        chosen.append(config.situation_first)
    for entry in ranking:
        name = str(entry.get("name") or "")
        confidence = float(entry.get("confidence") or 0.0)
        if name == FALLBACK_INTENT or confidence < config.min_confidence:
            continue
        for part in name.split("+"):
            if part in config.topics and part not in chosen:
                chosen.append(part)
    chosen = chosen[: config.most]
    for name in config.defaults:
        if len(chosen) >= config.least:
            break
        if name not in chosen:
            chosen.append(name)
    return chosen


def fallback_buttons(
    ranking: Iterable[dict[str, Any]], text: str = "", language: str | None = None
) -> list[dict[str, str]]:
    """Rasa buttons: the likely topics, then "Ik wil iemand spreken" (English titles for "en")."""
    config = load_fallback_topics()
    buttons = [config.topics[name].as_rasa(language) for name in likely_topics(ranking, text, config)]
    return [*buttons, config.person.as_rasa(language)]
