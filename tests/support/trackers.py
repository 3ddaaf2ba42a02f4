"""A rasa_sdk ``Tracker`` for calling custom actions directly (no servers), and helpers.

``tracker(text, intent, slots=..., entities=..., metadata=..., events=..., active_loop=...)``
gives the tracker as the action server would receive it after that message.
"""

from __future__ import annotations

from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.paths import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(
    text: str = "",
    intent: str = "inform",
    slots: dict[str, Any] | None = None,
    entities: list[dict] | None = None,
    metadata: dict | None = None,
    events: list[dict] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": entities or [], "metadata": metadata or {}}
    return Tracker(
        "test-sender", slots or {}, latest, events or [], False, None,
        {"name": active_loop} if active_loop else {}, "action_listen",
    )


def said(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") or m.get("text") for m in dispatcher.messages]


def as_dict(events: list) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
