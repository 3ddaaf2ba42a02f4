"""How staff pages write times, statuses, municipalities and life domains (pure functions).

Times are shown in Europe/Amsterdam in plain Dutch: "29 november 2026, 14:05".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.gemeente_recognition import gemeente_naam
from bot.domain.life_domains import life_domain_label
from bot.domain.vocabulary import CONTACT_PREFERENCES, WIJKTEAM_CONTACT, status_label
from bot.ops.intake.models import OUTBOX_STATUSES
from bot.webapp.staff_texts import staff_labels, staff_text, staff_texts

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def _labels_for(key: str, values: tuple[str, ...]) -> dict[str, str]:
    """The labels of `key` in staff_texts.yml, one for each value of its vocabulary (a
    missing or extra label fails at import, not on a staff page)."""
    labels = staff_labels(key)
    if set(labels) != set(values):
        raise ValueError(f"staff_texts.yml {key}: labels for {sorted(labels)}, values are {sorted(values)}")
    return {value: labels[value] for value in values}


MONTHS: tuple[str, ...] = tuple(staff_texts()["months"])
CONTACT_PREFERENCE_LABELS = _labels_for("contact_preferences", CONTACT_PREFERENCES)
WIJKTEAM_LABELS = _labels_for("wijkteam_contact", WIJKTEAM_CONTACT)
DELIVERY_LABELS: dict[str | None, str] = {
    **_labels_for("delivery", OUTBOX_STATUSES),
    None: staff_text("delivery_no_message"),
}

__all__ = [
    "CONTACT_PREFERENCE_LABELS", "DELIVERY_LABELS", "WIJKTEAM_LABELS", "dutch_datetime",
    "gemeente_label", "life_domain_text", "status_label",
]


def dutch_datetime(value: str | datetime | None) -> str:
    """'2026-11-29T13:05:09.123+00:00' -> '29 november 2026, 14:05' (Amsterdam time).

    Naive datetimes are taken as UTC; None and unreadable text give "" / the text itself.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(LOCAL_TZ)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def gemeente_label(slug: str | None) -> str:
    """The municipality's name ('Dordrecht'), or the slug when it is not in the catalogue."""
    if not slug:
        return ""
    try:
        return gemeente_naam(slug) or slug
    except Exception:  # a broken catalogue must not break the staff pages
        return slug


def life_domain_text(values: list[str] | None) -> str:
    """'Geld en schulden, Wonen' from canonical values; unknown values as they are."""
    labels = []
    for value in values or []:
        try:
            labels.append(life_domain_label(value))
        except KeyError:
            labels.append(value)
    return ", ".join(labels)
