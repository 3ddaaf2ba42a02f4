"""Who is the staff member making this request: the one staff-auth module of the web app.

Staff prove themselves in one of two ways:

- `Authorization: Bearer <token>` (JSON API, scripts): OCO_STAFF_TOKEN for the
  administrator, or the token of a staff account (`oco staff add`) for one municipality.
- The session cookie of a browser login (`/staff/login`): a random session id whose
  hash is stored server-side (bot/ops/staff_accounts.py), so logout really ends it.

Every check reads the settings from `request.app.ctx.settings` and the accounts from
`request.app.ctx.staff_accounts`; nothing here reads the environment. Refusals use one
401 body. CSRF tokens are bound to the session id; Bearer requests need none (browsers
do not send that header on their own).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse, html, json, redirect
from sqlalchemy.exc import SQLAlchemyError

from bot.ops.staff_accounts import ADMINISTRATOR, StaffAccounts, StaffMember
from bot.webapp.security import is_https
from bot.webapp.staff_texts import staff_text

logger = logging.getLogger(__name__)

SESSION_COOKIE = "oco_staff"
SESSION_MAX_AGE_SECONDS = 8 * 3600
# Texts staff read: bot/webapp/staff_texts.yml.
UNAUTHORIZED_BODY = {"error": staff_text("unauthorized")}
FORBIDDEN_TEXT = staff_text("forbidden")
DATABASE_DOWN_TEXT = staff_text("database_down")
BAD_FORM_TEXT = staff_text("bad_form")

Handler = Callable[..., Awaitable[HTTPResponse]]
_UNKNOWN = object()


def _bytes(value: str) -> bytes:
    """Any text as bytes for a constant-time compare (never raises on non-ASCII)."""
    return value.encode("utf-8", "surrogatepass")


def secret_equals(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets; an empty expected secret never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _accounts(request: Request) -> StaffAccounts | None:
    return getattr(request.app.ctx, "staff_accounts", None)


async def member_for_token(request: Request, token: str) -> StaffMember | None:
    """The administrator for OCO_STAFF_TOKEN, a staff account's member, or None."""
    if secret_equals(token, request.app.ctx.settings.staff_token):
        return ADMINISTRATOR
    accounts = _accounts(request)
    if accounts is None:
        return None
    return await asyncio.to_thread(accounts.member_for_token, token)


async def current_staff(request: Request) -> StaffMember | None:
    """Who made this request (cached per request), or None when not authenticated.

    A valid Bearer token wins; else the session cookie. Raises SQLAlchemyError when the
    accounts cannot be read (the decorators answer 503).
    """
    cached = getattr(request.ctx, "staff", _UNKNOWN)
    if cached is not _UNKNOWN:
        return cached
    member, via = None, None
    token = bearer_token(request)
    if token is not None:
        member = await member_for_token(request, token)
        via = "bearer" if member is not None else None
    if member is None:
        session_id = request.cookies.get(SESSION_COOKIE, "")
        accounts = _accounts(request)
        if session_id and accounts is not None:
            member = await asyncio.to_thread(
                accounts.member_for_session, session_id, request.app.ctx.settings.staff_token
            )
            via = "session" if member is not None else None
    request.ctx.staff = member
    request.ctx.staff_via = via
    return member


def staff_of(request: Request) -> StaffMember:
    """The member a `staff_page`/`staff_json` handler runs for."""
    member = getattr(request.ctx, "staff", None)
    assert isinstance(member, StaffMember), "use staff_page or staff_json"
    return member


def unauthorized() -> HTTPResponse:
    """The one 401 answer: no data."""
    return json(UNAUTHORIZED_BODY, status=401, headers={"WWW-Authenticate": "Bearer"})


def database_down(json_answer: bool) -> HTTPResponse:
    if json_answer:
        return json({"error": DATABASE_DOWN_TEXT}, status=503)
    return html(DATABASE_DOWN_TEXT, status=503)


def safe_next(target: Any) -> str:
    """Only redirect back to staff pages (no open redirect)."""
    if (
        isinstance(target, str)
        and target.startswith("/staff/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return "/staff/"


def login_redirect(request: Request) -> HTTPResponse:
    target = "/staff/"  # after login, a form POST cannot be replayed as a GET
    if request.method in {"GET", "HEAD"}:
        query = f"?{request.query_string}" if request.query_string else ""
        target = request.path + query
    return redirect("/staff/login?" + urlencode({"next": target}), status=303)


def _staff_only(handler: Handler, json_answer: bool, refuse: Callable[[Request], HTTPResponse]) -> Handler:
    """`handler` run only for a valid token or session; else `refuse(request)`, and a 503
    (JSON or HTML after `json_answer`) when the staff accounts cannot be read."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            member = await current_staff(request)
        except SQLAlchemyError as exc:
            logger.warning("staff auth: accounts not readable (%s)", type(exc).__name__)
            return database_down(json_answer=json_answer)
        if member is None:
            return refuse(request)
        return await handler(request, *args, **kwargs)

    return wrapper


def staff_page(handler: Handler) -> Handler:
    """Pages: redirect to the login page without a valid token or session."""
    return _staff_only(handler, json_answer=False, refuse=login_redirect)


def staff_json(handler: Handler) -> Handler:
    """JSON endpoints: the one 401 answer without a valid token or session."""
    return _staff_only(handler, json_answer=True, refuse=lambda _request: unauthorized())


def admin_only(handler: Handler) -> Handler:
    """Below `staff_page`/`staff_json`: 403 for staff accounts of one municipality."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not staff_of(request).is_admin:
            return render(request, "staff/forbidden.html", status=403, message=FORBIDDEN_TEXT)
        return await handler(request, *args, **kwargs)

    return wrapper


# --- sessions and CSRF -------------------------------------------------------------------


def csrf_for(request: Request) -> str:
    """The CSRF token for this session's forms ("" without a session cookie)."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id:
        return ""
    key = hashlib.sha256(b"oco-csrf:" + _bytes(session_id)).digest()
    return hmac.new(key, b"staff-forms", hashlib.sha256).hexdigest()


def csrf_valid(request: Request) -> bool:
    """Forms of a cookie session need its CSRF token; Bearer requests need none."""
    if getattr(request.ctx, "staff_via", None) == "bearer":
        return True
    expected = csrf_for(request)
    submitted = request.form.get("csrf") if request.form else None
    return isinstance(submitted, str) and secret_equals(submitted, expected)


def form_value(request: Request, name: str) -> str:
    """A form field of `request` as text: '' when it is missing, not text, or the body is not
    a readable form (a malformed multipart body is treated as empty, never raised)."""
    try:
        value = request.form.get(name) if request.form else None
    except Exception:  # malformed multipart bodies: treat as empty
        return ""
    return value if isinstance(value, str) else ""


def set_session_cookie(request: Request, response: HTTPResponse, session_id: str) -> None:
    response.cookies[SESSION_COOKIE] = session_id
    cookie = response.cookies[SESSION_COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/staff"
    cookie["max-age"] = SESSION_MAX_AGE_SECONDS
    if is_https(request):
        cookie["secure"] = True


def clear_session_cookie(response: HTTPResponse) -> None:
    response.cookies[SESSION_COOKIE] = ""
    response.cookies[SESSION_COOKIE]["path"] = "/staff"
    response.cookies[SESSION_COOKIE]["max-age"] = 0


# --- rendering ---------------------------------------------------------------------------


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Render a staff template (Jinja2, autoescape on) with who is logged in."""
    member = getattr(request.ctx, "staff", None)
    page = request.app.ctx.jinja.get_template(template).render(
        logged_in=member is not None,
        staff=member,
        csrf=csrf_for(request) if member is not None else "",
        **context,
    )
    return html(page, status=status)


async def call_store(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a store method, sync (in a thread, so the event loop stays free) or async."""
    if inspect.iscoroutinefunction(method):
        return await method(*args, **kwargs)
    return await asyncio.to_thread(functools.partial(method, *args, **kwargs))
