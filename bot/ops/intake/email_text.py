"""The Dutch notification e-mail for the OCO team (subject + plain-text body).

The message only announces that an intake is waiting and links to it on the staff pages.
It carries no story, health, safety or contact details: special categories of personal
data do not travel by e-mail (issue 12, AVG art. 9). The staff pages show the whole
intake behind login.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "intake_notification.txt.j2"
TEXTS_FILE = TEMPLATE_DIR / "intake_notification.yml"
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

# Preferred times are free text. Anything that could be a phone number or an address
# (6+ digits, an @) is not copied into the e-mail.
_CONTACT_LIKE = re.compile(r"@|(?:\d[\s./-]*){6,}")
_PREFERRED_TIME_MAX = 80


@lru_cache(maxsize=1)
def _texts() -> dict[str, str]:
    """Subject and short texts of the e-mail (templates/intake_notification.yml)."""
    with TEXTS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


PREFERRED_TIME_WITHHELD = _texts()["withheld"]


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


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def safe_preferred_time(value: str | None) -> str:
    """The preferred time for the e-mail: one short line, never a number or address."""
    if not value:
        return _texts()["no_preference"]
    text = _one_line(value)
    if _CONTACT_LIKE.search(text) or len(text) > _PREFERRED_TIME_MAX:
        return PREFERRED_TIME_WITHHELD
    return text


def intake_link(staff_url: str, reference: str) -> str:
    """The staff page of one intake, e.g. https://oco.example/staff/intakes/OCO-2026-00042."""
    return f"{staff_url.rstrip('/')}/staff/intakes/{quote(reference, safe='')}"


def notification_subject(record: dict[str, Any]) -> str:
    """Subject with the reference and gemeente only: no personal data in mail headers."""
    texts = _texts()
    return texts["subject"].format(
        urgent=texts["urgent_prefix"] if record["urgent"] else "",
        reference=record["reference"], gemeente=record["gemeente"],
    )


def notification_body(record: dict[str, Any], staff_url: str) -> str:
    """Plain-text body: reference, municipality, channel, urgency, preferred time, link.

    `staff_url` is the public base URL of the web app (OCO_PUBLIC_URL).
    """
    context = {
        "reference": record["reference"],
        "gemeente": record["gemeente"],
        "channel": _one_line(record["channel"]),
        "urgent": bool(record["urgent"]),
        "created_at": _local_time(record["created_at"]),
        "preferred_time": safe_preferred_time(record.get("preferred_time")),
        "link": intake_link(staff_url, record["reference"]),
    }
    return _environment().get_template(TEMPLATE_NAME).render(**context)
