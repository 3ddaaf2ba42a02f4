"""What the conversation established, and the summary the OCO worker reads first.

The summary is B1 Dutch, readable in twenty seconds, in a fixed order (labels and wordings in
data/summary.yml): "In eigen woorden", "Onderwerpen", "Let op" (only when there is urgency or
safety), "Veiligheid" (after a violence signal), "Wijkteam", "Gesprek of bezwaar", "Advies van
de wegwijzer". The intake record's ``life_domains``, ``urgent`` and ``wijkteam_contact`` come from
the same :class:`ConversationFacts`, so they always agree with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

import yaml

from bot.domain.handover.story import Utterance, collect_story, is_story
from bot.domain.life_domains import detect_life_domains, life_domain_label, life_domain_values
from bot.domain.safety import detect_crisis
from bot.domain.urgency import is_urgent
from bot.domain.vocabulary import WIJKTEAM_CONTACT
from bot.paths import DATA_DIR

SUMMARY_FILE = DATA_DIR / "summary.yml"
MEETING_INTENTS = {"prepare_meeting": "gesprek", "complaint_or_objection": "klacht"}


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    """The labels and wordings of data/summary.yml."""
    return yaml.safe_load(SUMMARY_FILE.read_text(encoding="utf-8"))


@dataclass
class ConversationFacts:
    """What the whole conversation established (all fields optional).

    ``crisis_kinds`` are the crisis categories the assistant answered (bot.domain.safety);
    ``urgency_kinds`` the urgent situations (bot.domain.urgency); ``meetings`` holds "gesprek" and/or
    "klacht"; ``advice`` a route kind (bot.domain.vocabulary.ROUTE_KINDS) or "urgent".
    """

    story: str = ""
    life_domains: list[str] = field(default_factory=list)
    urgent: bool = False
    urgency_kinds: list[str] = field(default_factory=list)
    crisis_kinds: list[str] = field(default_factory=list)
    wijkteam_contact: str = "onbekend"
    meetings: list[str] = field(default_factory=list)
    advice: str | None = None
    safe_to_contact: str | None = None
    safe_message: str | None = None
    safe_times: str | None = None


def _merge(*groups: Iterable[str]) -> list[str]:
    merged: list[str] = []
    for group in groups:
        merged += [value for value in group if value not in merged]
    return merged


def establish(
    utterances: list[Utterance],
    slots: dict[str, Any],
    *,
    story_override: str | None = None,
) -> ConversationFacts:
    """Derive the facts from every message and the slots the forms filled.

    ``slots`` are the tracker's slot values (life_domains, urgent, urgency_kinds, crisis_kinds,
    wijkteam_contact, upcoming_meeting, complaint, route_kind, safe_to_contact, safe_message,
    preferred_time). ``story_override`` replaces the collected story when the resident
    rewrote it at the preview.
    """
    story_messages = [u for u in utterances if is_story(u)]
    known = set(life_domain_values())
    domains = _merge(
        [d for d in slots.get("life_domains") or [] if d in known],
        *(detect_life_domains(u.text) for u in story_messages),
    )
    crisis = _merge(
        slots.get("crisis_kinds") or [],
        *((signal.kinds if (signal := detect_crisis(u.text)) else []) for u in story_messages),
    )
    urgency = list(slots.get("urgency_kinds") or [])
    urgent = bool(slots.get("urgent") or crisis or urgency) or any(is_urgent(u.text) for u in story_messages)
    meetings = _merge(
        [MEETING_INTENTS[u.intent] for u in utterances if u.intent in MEETING_INTENTS],
        ["gesprek"] if slots.get("upcoming_meeting") else [],
        ["klacht"] if slots.get("complaint") else [],
    )
    wijkteam = slots.get("wijkteam_contact")
    story = collect_story(utterances)
    if story_override:
        story = collect_story([Utterance(text=story_override, answer_slot="intake_story")])
    safe_to_contact = slots.get("safe_to_contact")
    return ConversationFacts(
        story=story,
        life_domains=domains,
        urgent=urgent,
        urgency_kinds=urgency,
        crisis_kinds=crisis,
        wijkteam_contact=wijkteam if wijkteam in WIJKTEAM_CONTACT else "onbekend",
        meetings=meetings,
        advice="urgent" if urgency and not slots.get("route_kind") else slots.get("route_kind"),
        safe_to_contact=safe_to_contact,
        safe_message=slots.get("safe_message"),
        safe_times=slots.get("preferred_time") if safe_to_contact else None,
    )


def safety_note(facts: ConversationFacts) -> str | None:
    """The note the worker sees first after a violence signal, or None when none was asked."""
    if facts.safe_to_contact is None and facts.safe_message is None:
        return None
    wording = texts()["safety"]
    parts = [
        wording["safe_to_contact"].get(facts.safe_to_contact or "onbekend", ""),
        wording["safe_message"].get(facts.safe_message or "onbekend", ""),
    ]
    if facts.safe_times and facts.safe_times != "geen voorkeur":
        parts.append(wording["times"].format(time=facts.safe_times))
    kinds = ", ".join(texts()["crisis_kinds"].get(kind, kind) for kind in facts.crisis_kinds)
    note = "; ".join(part for part in parts if part)
    return f"{kinds}: {note}" if kinds else note


def attention_line(facts: ConversationFacts) -> str | None:
    """'dringend (dreigende huisuitzetting); de wegwijzer liet de hulpnummers zien (...)' or None."""
    wording = texts()
    parts = []
    if facts.urgent:
        reasons = ", ".join(wording["urgency_kinds"].get(kind, kind) for kind in facts.urgency_kinds)
        parts.append(f"{wording['attention']['urgent']} ({reasons})" if reasons else wording["attention"]["urgent"])
    if facts.crisis_kinds:
        kinds = ", ".join(wording["crisis_kinds"].get(kind, kind) for kind in facts.crisis_kinds)
        parts.append(wording["attention"]["crisis_shown"].format(kinds=kinds))
    return "; ".join(parts) or None


def worker_summary(facts: ConversationFacts) -> str:
    """The summary in the fixed order of the module docstring, one line per part."""
    wording = texts()
    labels = wording["labels"]
    lines = [f"{labels['story']}: {facts.story or wording['no_story']}"]
    if facts.life_domains:
        lines.append(f"{labels['domains']}: " + ", ".join(life_domain_label(d).lower() for d in facts.life_domains))
    attention = attention_line(facts)
    if attention:
        lines.append(f"{labels['attention']}: {attention}")
    note = safety_note(facts)
    if note:
        lines.append(f"{labels['safety']}: {note}")
    lines.append(f"{labels['wijkteam']}: {wording['wijkteam'][facts.wijkteam_contact]}")
    if facts.meetings:
        lines.append(f"{labels['meeting']}: " + "; ".join(wording["meeting"][m] for m in facts.meetings))
    if facts.advice:
        lines.append(f"{labels['advice']}: {wording['advice'].get(facts.advice, facts.advice)}")
    return "\n".join(lines)
