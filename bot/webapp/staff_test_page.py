"""The staff test page: chat as a chosen municipality and inspect every turn.

Works without JavaScript: a message is POSTed here, forwarded to Rasa's REST webhook
(as the web channel, marked as a staff test, proven by OCO_PROXY_SECRET), and the page is
re-rendered from Rasa's tracker, so staff see per turn the intent with its confidence,
the entities, the slots and the actions.

Only staff test conversations can be opened: their sender ids start with
STAFF_TEST_SENDER_PREFIX and are made here. Any other id (a resident's conversation) is
refused: the page starts a fresh test conversation instead, the JSON answers 400.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json, redirect

from bot.domain.slugs import clean_slug
from bot.domain.vocabulary import STAFF_TEST_SENDER_PREFIX, WEB
from bot.ops.gate.sender_ids import is_staff_test_sender
from bot.webapp.rasa_client import RasaUnavailable, fetch_tracker, send_to_rasa
from bot.webapp.staff_auth import BAD_FORM_TEXT, csrf_valid, form_value, render, staff_json, staff_page
from bot.webapp.staff_texts import staff_text

logger = logging.getLogger(__name__)

bp = Blueprint("staff_test", url_prefix="/staff")

def is_staff_test_conversation(value: Any) -> bool:
    """True only for an id the test page makes: the staff test prefix + 1-54 safe chars.

    The same rule the REST channel applies (bot/ops/gate/sender_ids.py).
    """
    return is_staff_test_sender(value)


def new_conversation_id() -> str:
    """A fresh, recognisable sender id for the test page."""
    return STAFF_TEST_SENDER_PREFIX + secrets.token_hex(8)


# --- tracker analysis (pure) --------------------------------------------------------------


def _new_turn(user_event: dict[str, Any] | None) -> dict[str, Any]:
    parse = (user_event or {}).get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [
        {"name": item.get("name"), "confidence": item.get("confidence")}
        for item in (parse.get("intent_ranking") or [])[:5]
    ]
    entities = [
        {
            "entity": ent.get("entity"),
            "value": ent.get("value"),
            "role": ent.get("role"),
            "group": ent.get("group"),
            "extractor": ent.get("extractor"),
            "confidence": ent.get("confidence_entity"),
        }
        for ent in parse.get("entities") or []
    ]
    return {
        "user_text": (user_event or {}).get("text"),
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "intent_ranking": ranking,
        "entities": entities,
        "actions": [],
        "bot_messages": [],
        "slots_set": {},
        "slots": {},
        "events": [],
    }


def _turn_has_content(turn: dict[str, Any]) -> bool:
    return bool(turn["user_text"] is not None or turn["actions"] or turn["slots_set"])


def conversation_turns(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a Rasa tracker into turns, one per user message.

    Events before the first user message (session start) form a turn without user text.
    Each turn lists the actions with policy and confidence, the bot messages, the slots set
    in that turn and the slot values after it.
    """
    turns: list[dict[str, Any]] = []
    slots: dict[str, Any] = {}
    current = _new_turn(None)
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind == "user":
            if _turn_has_content(current):
                turns.append(current)
            current = _new_turn(event)
        elif kind == "action":
            current["actions"].append(
                {
                    "name": event.get("name"),
                    "policy": event.get("policy"),
                    "confidence": event.get("confidence"),
                }
            )
        elif kind == "bot":
            data = event.get("data") or {}
            current["bot_messages"].append(
                {"text": event.get("text"), "buttons": data.get("buttons") or []}
            )
        elif kind == "slot":
            slots[event.get("name")] = event.get("value")
            current["slots_set"][event.get("name")] = event.get("value")
        elif kind in {"restart", "reset_slots"}:
            slots = {}
            current["events"].append(kind)
        elif kind in {"active_loop", "action_execution_rejected", "followup", "reminder"}:
            label = f"{kind}: {event.get('name')}" if event.get("name") else kind
            current["events"].append(label)
        current["slots"] = {k: v for k, v in slots.items() if v is not None}
    if _turn_has_content(current):
        turns.append(current)
    return turns


# --- routes --------------------------------------------------------------------------------


def _test_url(conversation_id: str, gemeente: str | None) -> str:
    query = {"c": conversation_id}
    if gemeente:
        query["gemeente"] = gemeente
    return "/staff/test?" + urlencode(query)


async def _load_turns(request: Request, conversation_id: str) -> list[dict[str, Any]]:
    ctx = request.app.ctx
    tracker = await fetch_tracker(
        ctx.http, ctx.settings.rasa_url, conversation_id, ctx.settings.api_token
    )
    return conversation_turns(tracker)


@bp.get("/test")
@staff_page
async def test_page(request: Request) -> HTTPResponse:
    """Chat as a chosen municipality and inspect every turn."""
    gemeente = clean_slug(request.args.get("gemeente"))
    conversation_id = request.args.get("c", "")
    turns: list[dict[str, Any]] = []
    error = None
    if is_staff_test_conversation(conversation_id):
        try:
            turns = await _load_turns(request, conversation_id)
        except RasaUnavailable as exc:
            logger.warning("staff test: tracker not available (%s)", exc)
            error = staff_text("test_rasa_down_page")
    else:
        conversation_id = new_conversation_id()
    return render(
        request,
        "staff/test.html",
        conversation_id=conversation_id,
        gemeente=gemeente or "",
        gemeenten=request.app.ctx.gemeenten,
        turns=turns,
        error=error,
        max_length=request.app.ctx.settings.max_message_length,
    )


@bp.post("/test")
@staff_page
async def test_send(request: Request) -> HTTPResponse:
    """Send one test message to Rasa, then show the page again (post/redirect/get)."""
    if not csrf_valid(request):
        return html(BAD_FORM_TEXT, status=403)
    conversation_id = form_value(request, "c")
    if not is_staff_test_conversation(conversation_id):
        conversation_id = new_conversation_id()
    gemeente = clean_slug(form_value(request, "gemeente"))
    message = form_value(request, "message").strip()
    settings = request.app.ctx.settings
    if message and len(message) <= settings.max_message_length:
        metadata: dict[str, Any] = {"channel": WEB, "staff_test": True}
        if gemeente:
            metadata["gemeente"] = gemeente
        try:
            await send_to_rasa(
                request.app.ctx.http, settings.rasa_url, conversation_id, message, metadata,
                proxy_secret=getattr(settings, "proxy_secret", ""),
            )
        except RasaUnavailable as exc:
            logger.warning("staff test: Rasa not available (%s)", exc)
    return redirect(_test_url(conversation_id, gemeente) + "#laatste", status=303)


@bp.get("/api/test/turns")
@staff_json
async def test_turns_json(request: Request) -> HTTPResponse:
    """The analysed turns of a staff test conversation as JSON."""
    conversation_id = request.args.get("c", "")
    if not is_staff_test_conversation(conversation_id):
        return json({"error": staff_text("test_only_test_conversations")}, status=400)
    try:
        turns = await _load_turns(request, conversation_id)
    except RasaUnavailable:
        return json({"error": staff_text("test_rasa_down")}, status=502)
    return json({"conversation_id": conversation_id, "turns": turns})
