"""Where to send a resident: ordered routing rules from data/routing.yml, first match wins.

The rules are data, not per-municipality code. The engine only knows how to test the
conditions and fill the reason's placeholders from the municipality's catalogue entry.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.domain.catalogue import Municipality, Organisation
from bot.domain.life_domains import LIFE_DOMAINS, life_domain_label
from bot.domain.text import join_dutch
from bot.domain.vocabulary import ROUTING_RULE_KINDS, WIJKTEAM_CONTACT
from bot.paths import DATA_DIR

ROUTING_FILE = DATA_DIR / "routing.yml"
PLACEHOLDERS = frozenset(
    {
        "gemeente_naam",
        "wijkteam_naam",
        "wijkteam_naam_in_zin",
        "wijkteam_naam_zinsbegin",
        "oco_naam",
        "oco_namen",
        "organisatie",
        "organisaties",
        "levensgebied",
        "levensgebieden",
    }
)
_BOOL_CONDITIONS = {
    "klacht": "complaint",
    "gesprek_gepland": "upcoming_meeting",
    "wil_onafhankelijke_hulp": "wants_independent_help",
}
_CHOICE_CONDITIONS = {
    "complexiteit": ("complexity", ("enkelvoudig", "meervoudig")),
    "wijkteam_contact": ("wijkteam_contact", WIJKTEAM_CONTACT),
}
_COUNT_CONDITIONS = ("levensgebieden", "min_levensgebieden", "max_levensgebieden")
CONDITIONS = frozenset([*_BOOL_CONDITIONS, *_CHOICE_CONDITIONS, *_COUNT_CONDITIONS, "organisatie_beschikbaar"])


class RoutingError(ValueError):
    """data/routing.yml does not follow its schema."""


@dataclass
class Clarification:
    """What the clarifying questions established; None = not known (yet)."""

    life_domains: list[str] = field(default_factory=list)
    complexity: Literal["enkelvoudig", "meervoudig"] | None = None
    wijkteam_contact: str | None = None  # one of bot.domain.vocabulary.WIJKTEAM_CONTACT
    upcoming_meeting: bool | None = None
    complaint: bool | None = None
    wants_independent_help: bool | None = None

    def domains(self) -> list[str]:
        """The known canonical domains, without duplicates, in the given order."""
        seen: list[str] = []
        for value in self.life_domains or []:
            if value in LIFE_DOMAINS and value not in seen:
                seen.append(value)
        return seen


@dataclass(frozen=True)
class Rule:
    id: str
    conditions: dict[str, Any]
    kind: str
    offer_contact: bool
    reason: str


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[Rule, ...]
    oco_note: str
    max_organisations: int


@dataclass
class Route:
    """The outcome: what to show the resident and why."""

    kind: str
    rule_id: str
    reason: str
    organisations: list[Organisation]
    offer_contact: bool
    oco_note: str | None


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check_template(where: str, template: Any) -> str:
    if not isinstance(template, str) or not template.strip():
        raise RoutingError(f"{where}: must be a non-empty text")
    try:
        unknown = _placeholders(template) - PLACEHOLDERS
    except ValueError as exc:
        raise RoutingError(f"{where}: broken placeholder: {exc}") from None
    if unknown:
        raise RoutingError(f"{where}: unknown placeholder(s) {sorted(unknown)}")
    return " ".join(template.split())


def _check_conditions(where: str, conditions: Any) -> dict[str, Any]:
    if conditions is None:
        return {}
    if not isinstance(conditions, dict):
        raise RoutingError(f"{where}: must be a mapping of conditions")
    for key, value in conditions.items():
        if key not in CONDITIONS:
            raise RoutingError(f"{where}.{key}: unknown condition; allowed: {sorted(CONDITIONS)}")
        if key in _BOOL_CONDITIONS or key == "organisatie_beschikbaar":
            if not isinstance(value, bool):
                raise RoutingError(f"{where}.{key}: must be true or false")
        elif key in _CHOICE_CONDITIONS:
            allowed = _CHOICE_CONDITIONS[key][1]
            if value not in allowed:
                raise RoutingError(f"{where}.{key}: must be one of {list(allowed)}")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise RoutingError(f"{where}.{key}: must be a whole number >= 0")
    return dict(conditions)


def parse_rules(raw: Any, source: str = "data/routing.yml") -> RoutingRules:
    """Check and convert the YAML structure of the routing file."""
    if not isinstance(raw, dict) or not isinstance(raw.get("regels"), list) or not raw["regels"]:
        raise RoutingError(f"{source}: regels: give a non-empty list of rules")
    rules: list[Rule] = []
    for index, entry in enumerate(raw["regels"]):
        where = f"{source}: regels[{index}]"
        if not isinstance(entry, dict):
            raise RoutingError(f"{where}: must be a mapping")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise RoutingError(f"{where}.id: required")
        if any(r.id == rule_id for r in rules):
            raise RoutingError(f"{where}.id: {rule_id!r} is used twice")
        kind = entry.get("route")
        if kind not in ROUTING_RULE_KINDS:
            raise RoutingError(f"{where}.route: must be one of {list(ROUTING_RULE_KINDS)}")
        offer = entry.get("contact_aanbieden", kind == "oco")
        if not isinstance(offer, bool):
            raise RoutingError(f"{where}.contact_aanbieden: must be true or false")
        rules.append(
            Rule(
                id=rule_id,
                conditions=_check_conditions(f"{where}.als", entry.get("als")),
                kind=kind,
                offer_contact=offer,
                reason=_check_template(f"{where}.reden", entry.get("reden")),
            )
        )
    if rules[-1].conditions:
        raise RoutingError(f"{source}: regels[{len(rules) - 1}].als: the last rule must be empty")
    max_orgs = raw.get("max_organisaties", 3)
    if not isinstance(max_orgs, int) or isinstance(max_orgs, bool) or max_orgs < 1:
        raise RoutingError(f"{source}: max_organisaties: must be a whole number >= 1")
    return RoutingRules(
        rules=tuple(rules),
        oco_note=_check_template(f"{source}: oco_notitie", raw.get("oco_notitie")),
        max_organisations=max_orgs,
    )


def load_rules(path: Path | None = None) -> RoutingRules:
    """The routing rules in `path`, or the project's own ones (loaded once)."""
    if path is None:
        return _default_rules()
    with Path(path).open(encoding="utf-8") as handle:
        return parse_rules(yaml.safe_load(handle), str(path))


@lru_cache(maxsize=1)
def _default_rules() -> RoutingRules:
    with ROUTING_FILE.open(encoding="utf-8") as handle:
        return parse_rules(yaml.safe_load(handle))


def _holds(key: str, wanted: Any, clarification: Clarification, domains: list[str], orgs_available: bool) -> bool:
    if key in _BOOL_CONDITIONS:
        return getattr(clarification, _BOOL_CONDITIONS[key]) is wanted
    if key in _CHOICE_CONDITIONS:
        return getattr(clarification, _CHOICE_CONDITIONS[key][0]) == wanted
    if key == "levensgebieden":
        return len(domains) == wanted
    if key == "min_levensgebieden":
        return len(domains) >= wanted
    if key == "max_levensgebieden":
        return len(domains) <= wanted
    if key == "organisatie_beschikbaar":
        return orgs_available is wanted
    raise RoutingError(f"unknown condition {key!r}")  # parse_rules prevents this


def _label_in_sentence(value: str) -> str:
    label = life_domain_label(value)
    # Lower-case the first letter unless the label starts with an abbreviation ("Wmo" stays).
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, values: dict[str, str]) -> str:
    """Fill placeholders; a missing or broken placeholder never raises."""
    try:
        text = string.Formatter().vformat(template, (), _Blank(values))
    except (ValueError, IndexError, KeyError, AttributeError):
        text = template.replace("{", "").replace("}", "")
    return " ".join(text.split())


def _values(municipality: Municipality, domains: list[str], shown: list[Organisation]) -> dict:
    wijkteam = municipality.wijkteam
    in_zin = wijkteam.naam_in_zin
    return {
        "gemeente_naam": municipality.naam,
        "wijkteam_naam": wijkteam.naam,
        "wijkteam_naam_in_zin": in_zin,
        "wijkteam_naam_zinsbegin": in_zin[:1].upper() + in_zin[1:],
        "oco_naam": municipality.oco[0].naam,
        "oco_namen": join_dutch(o.naam for o in municipality.oco),
        "organisatie": shown[0].naam_in_zin if shown else "",
        "organisaties": join_dutch(o.naam_in_zin for o in shown),
        "levensgebied": _label_in_sentence(domains[0]) if domains else "",
        "levensgebieden": join_dutch(_label_in_sentence(d) for d in domains),
    }


def route(
    catalogue_entry: Municipality,
    clarification: Clarification,
    rules: RoutingRules | None = None,
) -> Route:
    """Apply the first matching routing rule to one municipality and one clarified question."""
    rules = rules or load_rules()
    domains = clarification.domains()
    local = catalogue_entry.organisations_for(domains[0]) if len(domains) == 1 else []
    for rule in rules.rules:
        if all(_holds(k, v, clarification, domains, bool(local)) for k, v in rule.conditions.items()):
            break
    else:  # pragma: no cover - parse_rules guarantees a catch-all last rule
        raise RoutingError("no routing rule matched")
    kind = rule.kind
    if kind == "organisatie" and not local:
        kind = "wijkteam"  # a rule without organisatie_beschikbaar: fall back to the front door
    if kind == "oco":
        shown = list(catalogue_entry.oco)
        # Beside OCO, the local organisation for each topic (debts: the schuldhulp), while there is room.
        for domain in domains:
            extra = [o for o in catalogue_entry.organisations_for(domain) if o not in shown][:1]
            if len(shown) + len(extra) <= rules.max_organisations:
                shown += extra
    elif kind == "organisatie":
        shown = local[: rules.max_organisations]
    else:
        shown = [catalogue_entry.wijkteam]
    values = _values(catalogue_entry, domains, shown)
    return Route(
        kind=kind,
        rule_id=rule.id,
        reason=fill(rule.reason, values),
        organisations=shown,
        offer_contact=rule.offer_contact,
        oco_note=None if kind == "oco" else fill(rules.oco_note, values),
    )
