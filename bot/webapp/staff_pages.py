"""Staff pages under /staff/: login, overview, the intake list and detail, the access log.

- Login: staff paste their code (OCO_STAFF_TOKEN for the administrator, or the token of
  a staff account). Wrong codes are throttled per client address. The browser keeps an
  HttpOnly, SameSite=Strict cookie with a server-side session id; logout deletes the
  session, so a saved cookie stops working.
- Intakes: a list without personal data (filters: municipality, status, urgent), and a
  detail page with the safety note first, then the whole summary and the contact
  details. A staff account sees only its municipality's intakes; any other reference
  answers 404. Staff set the status (nieuw, in behandeling, afgerond); the page shows
  who set it and when.
- Every detail view and status change is written to the access log, which the
  administrator reads on /staff/toegang.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, redirect

from bot.domain.slugs import clean_slug
from bot.domain.text import OR, join_dutch
from bot.domain.vocabulary import INTAKE_STATUSES, status_label
from bot.ops.gate.client_address import client_address
from bot.ops.intake.access_log import READ, STATUS_CHANGED, AccessEvent
from bot.ops.intake.references import is_reference
from bot.ops.staff_accounts import StaffMember
from bot.webapp.login_throttle import LoginThrottle
from bot.webapp.staff_auth import (
    BAD_FORM_TEXT,
    DATABASE_DOWN_TEXT,
    SESSION_COOKIE,
    admin_only,
    call_store,
    clear_session_cookie,
    csrf_valid,
    current_staff,
    form_value,
    member_for_token,
    render,
    safe_next,
    set_session_cookie,
    staff_of,
    staff_page,
)
from bot.webapp.staff_texts import staff_text

logger = logging.getLogger(__name__)

bp = Blueprint("staff", url_prefix="/staff")

# Texts staff read: bot/webapp/staff_texts.yml.
WRONG_CODE_TEXT = staff_text("wrong_code")
THROTTLED_TEXT = staff_text("throttled")  # .format(minutes=...)
NOT_FOUND_TEXT = staff_text("intake_not_found")
ACCESS_LOG_LIMIT = 500
URGENT_FILTERS = {"ja": True, "nee": False}


def _login_throttle(request: Request) -> LoginThrottle:
    throttle = getattr(request.app.ctx, "login_throttle", None)
    if throttle is None:
        throttle = request.app.ctx.login_throttle = LoginThrottle()
    return throttle


def _client(request: Request) -> str:
    """The client's address (X-Forwarded-For only from a trusted proxy)."""
    settings = request.app.ctx.settings
    trusted = getattr(settings, "trusted_proxies", "127.0.0.1,::1")
    forwarded = request.headers.get("x-forwarded-for")
    return client_address(request.ip or "", forwarded, trusted)


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return staff_text("minutes_one") if minutes == 1 else staff_text("minutes_many", minutes=minutes)


def _status_choices() -> str:
    """'nieuw, in behandeling of afgerond'."""
    return join_dutch((status_label(s) for s in INTAKE_STATUSES), OR)


def _scope(member: StaffMember) -> str | None:
    """The municipality a member is limited to (None: all)."""
    return None if member.is_admin else member.gemeente


async def _log_access(request: Request, events: list[AccessEvent]) -> None:
    member = staff_of(request)
    store = request.app.ctx.intake_store
    await call_store(store.access_log.record, member.name, member.account_id, events)


# --- login / logout / overview -------------------------------------------------------------


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    """The form where staff paste their code."""
    return render(
        request,
        "staff/login.html",
        next=safe_next(request.args.get("next")),
        error=None,
        token_configured=bool(request.app.ctx.settings.staff_token),
    )


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    """Check the pasted code (throttled per address) and start a server-side session."""
    settings = request.app.ctx.settings
    target = safe_next(form_value(request, "next"))
    address = _client(request)
    throttle = _login_throttle(request)
    wait = throttle.wait_seconds(address)
    if wait:
        logger.info("staff login throttled")
        response = render(
            request, "staff/login.html", status=429, next=target,
            error=THROTTLED_TEXT.format(minutes=_minutes(wait)),
            token_configured=bool(settings.staff_token),
        )
        response.headers["Retry-After"] = str(wait)
        return response
    given = form_value(request, "token").strip()
    try:
        member = await member_for_token(request, given) if given else None
        session_id = (
            await call_store(request.app.ctx.staff_accounts.start_session, member,
                             settings.staff_token)
            if member is not None else None
        )
    except Exception as exc:  # the accounts database is down
        logger.warning("staff login: database not available (%s)", type(exc).__name__)
        return html(DATABASE_DOWN_TEXT, status=503)
    if member is None or session_id is None:
        throttle.failed(address)
        logger.info("staff login refused")
        return render(
            request, "staff/login.html", status=401, next=target, error=WRONG_CODE_TEXT,
            token_configured=bool(settings.staff_token),
        )
    throttle.succeeded(address)
    logger.info("staff login (%s)", "beheerder" if member.is_admin else f"account {member.account_id}")
    response = redirect(target, status=303)
    set_session_cookie(request, response, session_id)
    return response


@bp.post("/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session server-side and remove the cookie (CSRF-protected)."""
    response = redirect("/staff/login", status=303)
    try:
        member = await current_staff(request)
    except Exception:  # database down: nothing to end
        return response
    if member is not None and csrf_valid(request):
        session_id = request.cookies.get(SESSION_COOKIE, "")
        if session_id:
            await call_store(request.app.ctx.staff_accounts.end_session, session_id)
        clear_session_cookie(response)
    return response


@bp.get("/")
@staff_page
async def overview(request: Request) -> HTTPResponse:
    """Links to the staff tools."""
    return render(request, "staff/index.html")


# --- intakes ---------------------------------------------------------------------------


def _filters(request: Request, member: StaffMember) -> dict[str, Any]:
    """gemeente/status/urgent from the query string; unknown values are ignored."""
    status = request.args.get("status") or ""
    urgent = request.args.get("urgent") or ""
    gemeente = clean_slug(request.args.get("gemeente")) or ""
    return {
        "gemeente": member.gemeente if not member.is_admin else gemeente,
        "status": status if status in INTAKE_STATUSES else "",
        "urgent": urgent if urgent in URGENT_FILTERS else "",
    }


@bp.get("/intakes")
@staff_page
async def intakes_page(request: Request) -> HTTPResponse:
    """Intakes, newest first, filtered; no personal data on this page."""
    member = staff_of(request)
    chosen = _filters(request, member)
    store = request.app.ctx.intake_store
    error, rows, gemeenten = None, [], []
    try:
        rows = await call_store(
            store.list_intakes, chosen["gemeente"] or None, chosen["status"] or None,
            URGENT_FILTERS.get(chosen["urgent"]),
        )
        if member.is_admin:
            served = [slug for slug, _ in request.app.ctx.gemeenten]
            gemeenten = sorted(set(served) | set(await call_store(store.gemeenten)))
    except Exception as exc:  # show staff a message; no personal data in the log
        logger.warning("staff: listing intakes failed (%s)", type(exc).__name__)
        error = staff_text("intakes_not_loaded")
    return render(
        request, "staff/intakes.html", status=503 if error else 200, intakes=rows,
        filters=chosen, gemeenten=gemeenten, statuses=INTAKE_STATUSES, error=error,
        filtered=bool(chosen["status"] or chosen["urgent"] or (member.is_admin and chosen["gemeente"])),
    )


@bp.get("/intakes/<reference:str>")
@staff_page
async def intake_detail(request: Request, reference: str) -> HTTPResponse:
    """One intake: safety note first, then the whole summary, contact and status."""
    member = staff_of(request)
    store = request.app.ctx.intake_store
    if not is_reference(reference):
        return render(request, "staff/not_found.html", status=404, message=NOT_FOUND_TEXT)
    try:
        record = await call_store(store.get_intake, reference, _scope(member))
        if record is not None:
            await _log_access(request, [AccessEvent(READ, reference, record["gemeente"])])
    except Exception as exc:
        logger.warning("staff: reading intake failed (%s)", type(exc).__name__)
        return html(DATABASE_DOWN_TEXT, status=503)
    if record is None:
        return render(request, "staff/not_found.html", status=404, message=NOT_FOUND_TEXT)
    return render(
        request, "staff/intake.html", intake=record, statuses=INTAKE_STATUSES,
        changed=request.args.get("gewijzigd") == "1",
    )


@bp.post("/intakes/<reference:str>/status")
@staff_page
async def change_status(request: Request, reference: str) -> HTTPResponse:
    """Set the status (form POST with CSRF token); note who and when."""
    if not csrf_valid(request):
        return html(BAD_FORM_TEXT, status=403)
    member = staff_of(request)
    status = form_value(request, "status")
    if status not in INTAKE_STATUSES:
        return html(staff_text("choose_status", statuses=_status_choices()), status=400)
    store = request.app.ctx.intake_store
    if not is_reference(reference):
        return render(request, "staff/not_found.html", status=404, message=NOT_FOUND_TEXT)
    try:
        record = await call_store(store.update_status, reference, status, member.name,
                                  _scope(member))
        await _log_access(
            request, [AccessEvent(STATUS_CHANGED, reference, record["gemeente"], status)]
        )
    except KeyError:
        return render(request, "staff/not_found.html", status=404, message=NOT_FOUND_TEXT)
    except Exception as exc:
        logger.warning("staff: status change failed (%s)", type(exc).__name__)
        return html(DATABASE_DOWN_TEXT, status=503)
    return redirect(f"/staff/intakes/{quote(reference)}?gewijzigd=1", status=303)


# --- access log (administrator) ------------------------------------------------------------


@bp.get("/toegang")
@staff_page
@admin_only
async def access_log_page(request: Request) -> HTTPResponse:
    """Who read or changed which intake, and when (newest first)."""
    reference = request.args.get("referentie") or ""
    reference = reference if is_reference(reference) else ""
    store = request.app.ctx.intake_store
    error, entries = None, []
    try:
        entries = await call_store(store.access_log.entries, reference or None,
                                   ACCESS_LOG_LIMIT)
    except Exception as exc:
        logger.warning("staff: access log not available (%s)", type(exc).__name__)
        error = staff_text("access_log_not_loaded")
    return render(
        request, "staff/access_log.html", status=503 if error else 200, entries=entries,
        reference=reference, limit=ACCESS_LOG_LIMIT, error=error,
    )
