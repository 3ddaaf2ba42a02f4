"""The Dutch notification e-mail for the OCO team (subject + plain-text body)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "intake_notification.txt.j2"
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

_CONTACT_PREFERENCE = {"telefoon": "telefoon", "email": "e-mail", "whatsapp": "WhatsApp"}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _local_time(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def notification_subject(record: dict[str, Any]) -> str:
    """Subject with the reference and gemeente only: no personal data in mail headers."""
    prefix = "[URGENT] " if record["urgent"] else ""
    reference, gemeente = record["reference"], record["gemeente"]
    return f"{prefix}Nieuwe aanvraag cliëntondersteuning {reference} ({gemeente})"


def notification_body(record: dict[str, Any]) -> str:
    """Plain-text body with every intake field in plain Dutch."""
    context = dict(record)
    context["created_at"] = _local_time(record["created_at"])
    context["consent_at"] = _local_time(record["consent_at"])
    context["contact_preference"] = _CONTACT_PREFERENCE.get(
        record["contact_preference"], record["contact_preference"]
    )
    return _environment().get_template(TEMPLATE_NAME).render(**context)
