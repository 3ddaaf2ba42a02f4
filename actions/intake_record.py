"""From the tracker to the intake record: the story, the facts, the draft, the store.

Thin glue over bot/domain/handover (story, facts, summary) and bot/ops/intake (draft, store): it only
reads slots and events from the tracker.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rasa_sdk import Tracker

from actions.common import channel_name, municipality, settings
from bot.domain.handover.story import collect_story, utterances_from_events
from bot.domain.handover.summary import ConversationFacts, establish, safety_note, worker_summary
from bot.domain.intake_draft import IntakeDraft
from bot.ops.intake.store import IntakeStore

NO_TIME_PREFERENCE = "geen voorkeur"
FACT_SLOTS = (
    "life_domains", "urgent", "urgency_kinds", "crisis_kinds", "wijkteam_contact", "upcoming_meeting",
    "complaint", "route_kind", "safe_to_contact", "safe_message", "preferred_time",
)

_store: IntakeStore | None = None


def intake_store() -> IntakeStore:
    """One store per action-server process, created on first use (the database may be down)."""
    global _store
    if _store is None:
        _store = IntakeStore(settings().database_url)
    return _store


def notification_address(slug: str | None) -> str | None:
    """Where the OCO team's e-mail goes: the catalogue, else OCO_NOTIFY_EMAIL."""
    entry = municipality(slug)
    return (entry.intake_email if entry else None) or settings().notify_email or None


def story_so_far(tracker: Tracker) -> str:
    """The resident's own words so far ("" when they told nothing about their situation)."""
    return collect_story(utterances_from_events(tracker.events))


def conversation_facts(tracker: Tracker) -> ConversationFacts:
    """What the whole conversation established (bot.domain.handover.summary.establish)."""
    slots = {name: tracker.get_slot(name) for name in FACT_SLOTS}
    return establish(
        utterances_from_events(tracker.events), slots, story_override=tracker.get_slot("story_override")
    )


def draft_from(tracker: Tracker) -> IntakeDraft:
    """The intake draft of the form's slots and the conversation's facts (CONTRACT §6)."""
    consent_raw = tracker.get_slot("consent_at")
    consent_at = datetime.fromisoformat(consent_raw) if consent_raw else datetime.now(timezone.utc)
    time = tracker.get_slot("preferred_time")
    facts = conversation_facts(tracker)
    return IntakeDraft(
        gemeente=tracker.get_slot("gemeente"),
        channel=channel_name(tracker),
        name=tracker.get_slot("contact_name"),
        phone=tracker.get_slot("contact_phone") or None,
        email=tracker.get_slot("contact_email") or None,
        contact_preference=tracker.get_slot("contact_preference"),
        preferred_time=None if time in (None, NO_TIME_PREFERENCE) else time,
        life_domains=facts.life_domains,
        summary=worker_summary(facts),
        wijkteam_contact=facts.wijkteam_contact,
        urgent=facts.urgent,
        consent_at=consent_at,
        conversation_id=tracker.sender_id,
        safety_note=safety_note(facts),
    )
