"""Staff pages under /staff/: login, overview, intakes and the staff test page.

Staff log in once by pasting OCO_STAFF_TOKEN; the browser then keeps an HttpOnly,
SameSite=Strict cookie with a signed session value that expires (never the token itself).
The JSON API elsewhere stays Bearer-only. Without a valid token every page redirects to
the login page and staff JSON answers 401 without data.

The test page works without JavaScript: a message is POSTed here, forwarded to Rasa's REST
webhook, and the page is re-rendered from Rasa's tracker so that staff see per turn the
intent with its confidence, the entities, the slots and the actions.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import inspect
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json, redirect

from bot.staff_auth import staff_token_ok
from bot.webapp.chat_proxy import (
    CHANNEL,
    RasaUnavailable,
    clean_gemeente,
    max_message_length,
    send_to_rasa,
    valid_sender,
)
from bot.webapp.security import csrf_ok, csrf_token, is_https

logger = logging.getLogger(__name__)

SESSION_COOKIE = "oco_staff"
SESSION_MAX_AGE_SECONDS = 8 * 3600
TEST_SENDER_PREFIX = "stafftest-"
TRACKER_TIMEOUT_SECONDS = 10.0

bp = Blueprint("staff", url_prefix="/staff")
STATUS_TRANSITIONS = {"nieuw": "in_behandeling", "in_behandeling": "afgerond"}

Handler = Callable[..., Awaitable[HTTPResponse]]


# --- authentication -------------------------------------------------------------------


def _sign(staff_token: str, payload: str) -> str:
    return hmac.new(staff_token.encode(), b"oco-staff-session:" + payload.encode(),
                    hashlib.sha256).hexdigest()


def make_session(staff_token: str, now: float | None = None) -> str:
    """A signed session value "<issued>.<nonce>.<hmac>": it expires and never holds the token."""
    issued = int(time.time() if now is None else now)
    payload = f"{issued}.{secrets.token_hex(16)}"
    return f"{payload}.{_sign(staff_token, payload)}"


def session_ok(staff_token: str, value: str, now: float | None = None) -> bool:
    """True for a value made by make_session with this token that has not expired."""
    issued, _, rest = value.partition(".")
    nonce, _, signature = rest.partition(".")
    if not (staff_token and issued.isdigit() and nonce and signature):
        return False
    if not hmac.compare_digest(signature, _sign(staff_token, f"{issued}.{nonce}")):
        return False
    age = (time.time() if now is None else now) - int(issued)
    return 0 <= age < SESSION_MAX_AGE_SECONDS


def _expected_token(request: Request) -> str:
    return request.app.ctx.settings.staff_token


def _cookie_ok(request: Request, expected: str) -> bool:
    return session_ok(expected, request.cookies.get(SESSION_COOKIE, ""))


def is_staff(request: Request) -> bool:
    """True for a valid session cookie or Bearer token; always False when no token is set."""
    expected = _expected_token(request)
    if not expected:
        return False
    return _cookie_ok(request, expected) or staff_token_ok(request, expected)


def _safe_next(target: str | None) -> str:
    """Only redirect back to staff pages (no open redirect)."""
    if target and target.startswith("/staff/") and not target.startswith("//"):
        return target
    return "/staff/"


def staff_page(handler: Handler) -> Handler:
    """Pages: redirect to the login page without a valid token."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not is_staff(request):
            target = "/staff/"  # after login, a form POST cannot be replayed as a GET
            if request.method in {"GET", "HEAD"}:
                query = f"?{request.query_string}" if request.query_string else ""
                target = request.path + query
            return redirect("/staff/login?" + urlencode({"next": target}), status=303)
        return await handler(request, *args, **kwargs)

    return wrapper


def staff_json(handler: Handler) -> Handler:
    """JSON endpoints: 401 without data without a valid token."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not is_staff(request):
            return json(
                {"error": "unauthorized"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="oco-staff"'},
            )
        return await handler(request, *args, **kwargs)

    return wrapper


def csrf_for(request: Request) -> str:
    """The CSRF token to put in this staff session's forms."""
    return csrf_token(_expected_token(request), request.cookies.get(SESSION_COOKIE, ""))


def csrf_valid(request: Request) -> bool:
    """Forms need the CSRF token; a Bearer request is not sent by browsers on their own."""
    expected = _expected_token(request)
    if staff_token_ok(request, expected):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return csrf_ok(expected, cookie, request.form.get("csrf"))


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Render a staff template (Jinja2, autoescape on)."""
    env = request.app.ctx.jinja
    logged_in = is_staff(request)
    page = env.get_template(template).render(
        logged_in=logged_in,
        csrf=csrf_for(request) if logged_in else "",
        **context,
    )
    return html(page, status=status)


# --- login / overview -----------------------------------------------------------------


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    """The form where staff paste the staff token."""
    return render(
        request,
        "staff/login.html",
        next=_safe_next(request.args.get("next")),
        error=None,
        token_configured=bool(_expected_token(request)),
    )


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    """Check the pasted token and set the session cookie."""
    expected = _expected_token(request)
    given = (request.form.get("token") or "").strip()
    target = _safe_next(request.form.get("next"))
    if not expected or not given or not hmac.compare_digest(given, expected):
        logger.info("staff login refused")
        return render(
            request,
            "staff/login.html",
            status=401,
            next=target,
            error="Deze code klopt niet. Probeer het opnieuw.",
            token_configured=bool(expected),
        )
    response = redirect(target, status=303)
    cookie_name = SESSION_COOKIE
    response.cookies[cookie_name] = make_session(expected)
    cookie = response.cookies[cookie_name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/staff"
    cookie["max-age"] = SESSION_MAX_AGE_SECONDS
    if is_https(request):
        cookie["secure"] = True
    return response


@bp.post("/logout")
async def logout(request: Request) -> HTTPResponse:
    """Remove the session cookie (CSRF-protected so other sites cannot log staff out)."""
    response = redirect("/staff/login", status=303)
    if is_staff(request) and csrf_valid(request):
        response.cookies[SESSION_COOKIE] = ""
        response.cookies[SESSION_COOKIE]["path"] = "/staff"
        response.cookies[SESSION_COOKIE]["max-age"] = 0
    return response


@bp.get("/")
@staff_page
async def overview(request: Request) -> HTTPResponse:
    """Links to the staff tools."""
    return render(request, "staff/index.html")


# --- intakes --------------------------------------------------------------------------


async def call_store(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an IntakeStore method, sync or async, without blocking the event loop."""
    if inspect.iscoroutinefunction(method):
        return await method(*args, **kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(method, *args, **kwargs))


@bp.get("/intakes")
@staff_page
async def intakes_page(request: Request) -> HTTPResponse:
    """All intakes, newest first, with status and delivery status."""
    error = None
    rows: list[dict[str, Any]] = []
    try:
        rows = await call_store(request.app.ctx.intake_store.list_intakes)
    except Exception as exc:  # show staff a message; no personal data in the log
        logger.warning("staff: listing intakes failed (%s)", type(exc).__name__)
        error = "De intakes konden niet worden geladen."
    return render(
        request,
        "staff/intakes.html",
        intakes=rows,
        next_status=STATUS_TRANSITIONS,
        error=error,
        changed=request.args.get("gewijzigd"),
    )


@bp.post("/intakes/<reference>/status")
@staff_page
async def change_status(request: Request, reference: str) -> HTTPResponse:
    """Move an intake to its next status (form POST with CSRF token)."""
    if not csrf_valid(request):
        return html("Ongeldig formulier. Laad de pagina opnieuw.", status=403)
    status = request.form.get("status", "")
    try:
        await call_store(request.app.ctx.intake_store.update_status, reference, status)
    except KeyError:
        return html("Deze intake bestaat niet (meer).", status=404)
    except ValueError:
        return html("Deze statuswijziging kan niet.", status=400)
    return redirect("/staff/intakes?" + urlencode({"gewijzigd": reference}), status=303)


# --- staff test page: tracker analysis ------------------------------------------------


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


async def fetch_tracker(
    session: aiohttp.ClientSession, rasa_url: str, conversation_id: str, api_token: str
) -> dict[str, Any]:
    """GET Rasa's tracker for a conversation (with ?token= when the API is protected)."""
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(conversation_id, safe='')}/tracker"
    params = {"token": api_token} if api_token else None
    try:
        async with session.get(
            url, params=params, timeout=aiohttp.ClientTimeout(total=TRACKER_TIMEOUT_SECONDS)
        ) as resp:
            if resp.status != 200:
                raise RasaUnavailable(f"tracker status {resp.status}")
            tracker = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        raise RasaUnavailable(type(exc).__name__) from exc
    if not isinstance(tracker, dict):
        raise RasaUnavailable("tracker is not an object")
    return tracker


def new_conversation_id() -> str:
    """A fresh, recognisable sender id for the test page."""
    return TEST_SENDER_PREFIX + secrets.token_hex(8)


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


# --- staff test page: routes ----------------------------------------------------------


@bp.get("/test")
@staff_page
async def test_page(request: Request) -> HTTPResponse:
    """Chat as a chosen municipality and inspect every turn."""
    gemeente = clean_gemeente(request.args.get("gemeente"))
    conversation_id = request.args.get("c", "")
    turns: list[dict[str, Any]] = []
    error = None
    if valid_sender(conversation_id):
        try:
            turns = await _load_turns(request, conversation_id)
        except RasaUnavailable as exc:
            logger.warning("staff test: tracker not available (%s)", exc)
            error = "Rasa is niet bereikbaar. Het gesprek kan nu niet worden getoond."
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
        max_length=max_message_length(),
    )


@bp.post("/test")
@staff_page
async def test_send(request: Request) -> HTTPResponse:
    """Send one test message to Rasa, then show the page again (post/redirect/get)."""
    if not csrf_valid(request):
        return html("Ongeldig formulier. Laad de pagina opnieuw.", status=403)
    conversation_id = request.form.get("c", "")
    if not valid_sender(conversation_id):
        conversation_id = new_conversation_id()
    gemeente = clean_gemeente(request.form.get("gemeente"))
    message = (request.form.get("message") or "").strip()
    if message:
        metadata: dict[str, Any] = {"channel": CHANNEL, "staff_test": True}
        if gemeente:
            metadata["gemeente"] = gemeente
        ctx = request.app.ctx
        try:
            await send_to_rasa(ctx.http, ctx.settings.rasa_url, conversation_id, message, metadata)
        except RasaUnavailable as exc:
            logger.warning("staff test: Rasa not available (%s)", exc)
    return redirect(_test_url(conversation_id, gemeente) + "#laatste", status=303)


@bp.get("/api/test/turns")
@staff_json
async def test_turns_json(request: Request) -> HTTPResponse:
    """The analysed turns of a test conversation as JSON."""
    conversation_id = request.args.get("c", "")
    if not valid_sender(conversation_id):
        return json({"error": "bad_request", "detail": "c must be a conversation id"}, 400)
    try:
        turns = await _load_turns(request, conversation_id)
    except RasaUnavailable:
        return json({"error": "rasa_unavailable"}, status=502)
    return json({"conversation_id": conversation_id, "turns": turns})
