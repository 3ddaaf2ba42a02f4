"""Staff JSON API for intakes (CONTRACT.md §6): a Sanic blueprint, token required.

GET /api/intakes[?gemeente=&status=], GET|PATCH|DELETE /api/intakes/<reference>,
GET /api/outbox[?reference=]. Database calls run in a thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import SQLAlchemyError

from bot import retention
from bot.intake.models import INTAKE_STATUSES
from bot.intake.references import is_reference
from bot.intake.store import IntakeStore
from bot.settings import load_settings
from bot.staff_auth import require_staff

log = logging.getLogger(__name__)

NOT_FOUND = {"error": "Deze aanvraag bestaat niet (meer)."}


def _error(message: str, status: int) -> HTTPResponse:
    return json({"error": message}, status=status)


def create_intake_blueprint(
    store: IntakeStore, tracker_store_url: str | None = None, name: str = "oco_intake_api"
) -> Blueprint:
    """The staff intake API. `tracker_store_url` defaults to the settings at request time."""
    bp = Blueprint(name)

    async def run(func, *args: Any) -> Any:
        return await asyncio.to_thread(func, *args)

    @bp.get("/api/intakes")
    @require_staff
    async def list_intakes(request: Request) -> HTTPResponse:
        gemeente = request.args.get("gemeente") or None
        status = request.args.get("status") or None
        if status is not None and status not in INTAKE_STATUSES:
            return _error(f"Onbekende status. Kies uit: {', '.join(INTAKE_STATUSES)}.", 400)
        return json({"intakes": await run(store.list_intakes, gemeente, status)})

    @bp.get("/api/intakes/<reference:str>")
    @require_staff
    async def get_intake(request: Request, reference: str) -> HTTPResponse:
        record = await run(store.get_intake, reference) if is_reference(reference) else None
        return json(record) if record is not None else json(NOT_FOUND, status=404)

    @bp.patch("/api/intakes/<reference:str>")
    @require_staff
    async def patch_intake(request: Request, reference: str) -> HTTPResponse:
        if not is_reference(reference):
            return json(NOT_FOUND, status=404)
        try:
            body = request.json
        except Exception:  # Sanic raises on malformed JSON
            body = None
        status = body.get("status") if isinstance(body, dict) else None
        if not isinstance(status, str):
            return _error('Stuur JSON met een nieuwe status, bijvoorbeeld {"status": '
                          '"in_behandeling"}.', 400)
        try:
            record = await run(store.update_status, reference, status)
        except KeyError:
            return json(NOT_FOUND, status=404)
        except ValueError:
            return _error(
                "Deze statuswijziging kan niet. Een aanvraag gaat van 'nieuw' naar "
                "'in_behandeling' en daarna naar 'afgerond'.",
                400,
            )
        return json(record)

    @bp.delete("/api/intakes/<reference:str>")
    @require_staff
    async def delete_intake(request: Request, reference: str) -> HTTPResponse:
        # The conversation goes first: if that fails the intake (and so the link to the
        # conversation) is still there and staff can simply try again.
        record = await run(store.get_intake, reference) if is_reference(reference) else None
        if record is None:
            return json(NOT_FOUND, status=404)
        events_removed = 0
        conversation_id = record.get("conversation_id")
        if conversation_id:
            url = tracker_store_url or load_settings().tracker_store_url
            try:
                events_removed = await run(retention.delete_conversation, url, conversation_id)
            except SQLAlchemyError as exc:
                log.error("conversation of intake %s not deleted: %s", reference,
                          type(exc).__name__)
                return _error(
                    "Het gesprek kon niet worden verwijderd; de aanvraag is daarom ook nog "
                    "niet verwijderd. Probeer het later opnieuw.",
                    500,
                )
        try:
            await run(store.delete_intake, reference)
        except KeyError:
            return json(NOT_FOUND, status=404)
        return json(
            {
                "deleted": reference,
                "conversation_deleted": bool(conversation_id),
                "conversation_events_deleted": events_removed,
            }
        )

    @bp.get("/api/outbox")
    @require_staff
    async def outbox_status(request: Request) -> HTTPResponse:
        reference = request.args.get("reference") or None
        return json({"outbox": await run(store.outbox_status, reference)})

    return bp
