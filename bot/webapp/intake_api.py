"""Staff JSON API for intakes (docs/contract.md §6 and §7): a Sanic blueprint.

GET /api/intakes[?gemeente=&status=&urgent=ja|nee], GET|PATCH|DELETE
/api/intakes/<reference>, GET /api/outbox[?reference=].

`Authorization: Bearer <token>`: OCO_STAFF_TOKEN (the administrator, every municipality)
or a staff account's token (one municipality: other references answer 404, the list
holds only its intakes). Every record returned, status change and deletion is written
to the access log. Database calls run in a thread so the event loop stays free.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.slugs import clean_slug
from bot.domain.vocabulary import IN_BEHANDELING, INTAKE_STATUSES
from bot.ops import retention
from bot.ops.intake.access_log import DELETED, LISTED, READ, STATUS_CHANGED, AccessEvent
from bot.ops.intake.references import is_reference
from bot.ops.intake.store import IntakeStore
from bot.webapp.staff_auth import DATABASE_DOWN_TEXT, call_store, staff_json, staff_of
from bot.webapp.staff_texts import staff_text

log = logging.getLogger(__name__)

NOT_FOUND = {"error": staff_text("intake_not_found_api")}
URGENT_VALUES = {"ja": True, "true": True, "nee": False, "false": False}


def _error(message: str, status: int) -> HTTPResponse:
    return json({"error": message}, status=status)


def _unknown_status() -> HTTPResponse:
    return _error(staff_text("unknown_status", statuses=", ".join(INTAKE_STATUSES)), 400)


def _scope(request: Request) -> str | None:
    member = staff_of(request)
    return None if member.is_admin else member.gemeente


def create_intake_blueprint(
    store: IntakeStore, tracker_store_url: str, name: str = "oco_intake_api"
) -> Blueprint:
    """The staff intake API on `store`; deletions also remove the conversation from the
    tracker store at `tracker_store_url`."""
    bp = Blueprint(name)

    async def log_access(request: Request, events: list[AccessEvent]) -> None:
        member = staff_of(request)
        await call_store(store.access_log.record, member.name, member.account_id, events)

    @bp.get("/api/intakes")
    @staff_json
    async def list_intakes(request: Request) -> HTTPResponse:
        status = request.args.get("status") or None
        if status is not None and status not in INTAKE_STATUSES:
            return _unknown_status()
        urgent_arg = (request.args.get("urgent") or "").lower()
        if urgent_arg and urgent_arg not in URGENT_VALUES:
            return _error(staff_text("urgent_values"), 400)
        wanted = request.args.get("gemeente") or None
        gemeente = clean_slug(wanted) if wanted else None
        if wanted and gemeente is None:
            return _error(staff_text("unknown_gemeente_slug"), 400)
        scope = _scope(request)
        if scope is not None:
            if gemeente is not None and gemeente != scope:
                return json({"intakes": []})
            gemeente = scope
        try:
            records = await call_store(
                store.list_intakes, gemeente, status, URGENT_VALUES.get(urgent_arg)
            )
            await log_access(
                request, [AccessEvent(LISTED, r["reference"], r["gemeente"]) for r in records]
            )
        except SQLAlchemyError as exc:
            log.warning("intake API: listing failed (%s)", type(exc).__name__)
            return _error(DATABASE_DOWN_TEXT, 503)
        return json({"intakes": records})

    @bp.get("/api/intakes/<reference:str>")
    @staff_json
    async def get_intake(request: Request, reference: str) -> HTTPResponse:
        if not is_reference(reference):
            return json(NOT_FOUND, status=404)
        try:
            record = await call_store(store.get_intake, reference, _scope(request))
            if record is not None:
                await log_access(request, [AccessEvent(READ, reference, record["gemeente"])])
        except SQLAlchemyError as exc:
            log.warning("intake API: reading failed (%s)", type(exc).__name__)
            return _error(DATABASE_DOWN_TEXT, 503)
        return json(record) if record is not None else json(NOT_FOUND, status=404)

    @bp.patch("/api/intakes/<reference:str>")
    @staff_json
    async def patch_intake(request: Request, reference: str) -> HTTPResponse:
        if not is_reference(reference):
            return json(NOT_FOUND, status=404)
        try:
            body: Any = request.json
        except Exception:  # Sanic raises on malformed JSON
            body = None
        status = body.get("status") if isinstance(body, dict) else None
        if not isinstance(status, str):
            return _error(staff_text("status_json_needed", example=f'{{"status": "{IN_BEHANDELING}"}}'), 400)
        if status not in INTAKE_STATUSES:
            return _unknown_status()
        try:
            record = await call_store(
                store.update_status, reference, status, staff_of(request).name, _scope(request)
            )
            await log_access(
                request, [AccessEvent(STATUS_CHANGED, reference, record["gemeente"], status)]
            )
        except KeyError:
            return json(NOT_FOUND, status=404)
        except SQLAlchemyError as exc:
            log.warning("intake API: status change failed (%s)", type(exc).__name__)
            return _error(DATABASE_DOWN_TEXT, 503)
        return json(record)

    @bp.delete("/api/intakes/<reference:str>")
    @staff_json
    async def delete_intake(request: Request, reference: str) -> HTTPResponse:
        if not is_reference(reference):
            return json(NOT_FOUND, status=404)
        scope = _scope(request)
        try:
            record = await call_store(store.get_intake, reference, scope)
            if record is None:
                return json(NOT_FOUND, status=404)
            result = await call_store(
                retention.erase_intake, store, tracker_store_url, reference, scope
            )
            await log_access(request, [AccessEvent(DELETED, reference, record["gemeente"])])
        except KeyError:
            return json(NOT_FOUND, status=404)
        except SQLAlchemyError as exc:
            log.error("intake %s not deleted: %s", reference, type(exc).__name__)
            return _error(staff_text("conversation_not_deleted"), 503)
        return json(result)

    @bp.get("/api/outbox")
    @staff_json
    async def outbox_status(request: Request) -> HTTPResponse:
        reference = request.args.get("reference") or None
        try:
            rows = await call_store(store.outbox_status, reference, _scope(request))
        except SQLAlchemyError as exc:
            log.warning("intake API: outbox not readable (%s)", type(exc).__name__)
            return _error(DATABASE_DOWN_TEXT, 503)
        return json({"outbox": rows})

    return bp
