"""The whitelists of values that may reach the analytics tables.

Every stored value is checked against one of these closed sets (intent names from the
domain, canonical life domains, route kinds, known municipality slugs, slot and form
names), so free text typed by a resident can never end up in a counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.domain.catalogue import UNKNOWN
from bot.domain.gemeente_recognition import all_gemeenten
from bot.domain.life_domains import life_domain_values
from bot.paths import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
LABELS_FILE = Path(__file__).resolve().parent / "labels.yml"

# Metric names (the `metric` column).
CONVERSATIONS = "conversations"
INTENTS = "intents"
LIFE_DOMAINS_METRIC = "life_domains"
ROUTES = "routes"
FALLBACKS = "fallbacks"
CRISIS = "crisis"
HANDOVER = "handover"
FORM_EXITS = "form_exits"
METRICS = (
    CONVERSATIONS, INTENTS, LIFE_DOMAINS_METRIC, ROUTES, FALLBACKS, CRISIS, HANDOVER, FORM_EXITS,
)

# Keys of the handover metric.
OFFERED, CONSENT, COMPLETED = "offered", "consent", "completed"
HANDOVER_STEPS = (OFFERED, CONSENT, COMPLETED)

# Route kinds and channels are closed sets of the contract: bot/domain/vocabulary.py.
OTHER = "overig"
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Vocabulary:
    """Closed sets of allowed values."""

    intents: frozenset[str]
    life_domains: frozenset[str]
    gemeenten: frozenset[str]
    forms: dict[str, frozenset[str]]

    def intent(self, name: Any) -> str | None:
        """The intent name if known (retrieval intents by their base), else "overig"."""
        if not isinstance(name, str) or not name:
            return None
        base = name.split("/", 1)[0]
        return name if base in self.intents else OTHER

    def gemeente(self, slug: Any) -> str | None:
        """A known municipality slug or "onbekend"; None for anything else."""
        if not isinstance(slug, str):
            return None
        value = slug.strip().lower()
        return value if value in self.gemeenten or value == UNKNOWN else None

    def form_slot(self, form: Any, slot: Any) -> str | None:
        """"<form>.<slot>" when both belong to the domain's forms."""
        if isinstance(form, str) and isinstance(slot, str) and slot in self.forms.get(form, ()):
            return f"{form}.{slot}"
        return None


def _domain_file_data(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def build_vocabulary(domain_file: Path = DOMAIN_FILE) -> Vocabulary:
    """Read intents and forms from the domain; municipalities from the national list."""
    domain = _domain_file_data(domain_file)
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents", [])}
    intents.add(FALLBACK_INTENT)
    forms = {
        name: frozenset(spec.get("required_slots") or [])
        for name, spec in (domain.get("forms") or {}).items()
    }
    return Vocabulary(
        intents=frozenset(intents),
        life_domains=frozenset(life_domain_values()),
        gemeenten=frozenset(all_gemeenten()),
        forms=forms,
    )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The project's vocabulary, read once."""
    return build_vocabulary()


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    """Dutch labels for metrics and keys (bot/ops/analytics/labels.yml)."""
    with LABELS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
