"""Keep only entity values of the contract (docs/contract.md §5), in their canonical form.

DIET sometimes tags a stray word ("kom er niet meer *uit*") or an unseen spelling. After
the EntitySynonymMapper this component maps a ``life_domain`` through the keyword lexicon
(data/life_domains.yml) and a ``gemeente`` through the municipality recogniser; what still
is not a canonical value is dropped, so /model/parse never reports a made-up value.

The lexicon has the last word on life domains, context rules included: when it finds
domains in the message, a DIET ``life_domain`` entity is kept only for one of those domains
("kan niet meer *alleen* douchen" is wmo, not welzijn), and every domain the lexicon finds
that DIET missed is added as an entity with the span of its keyword (extractor
``LifeDomainLexicon``). When the lexicon finds nothing, DIET's canonical values stay.
Button payloads ("/intent{...}") are left alone.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.gemeente_recognition import recognise_gemeente
from bot.domain.life_domains import LIFE_DOMAINS, detect_life_domains, find_life_domain_spans
from bot.rasa_plugins.nlu.stateless import StatelessComponent

LEXICON_EXTRACTOR = "LifeDomainLexicon"


def canonical_life_domain(value: str, surface: str) -> str | None:
    if value in LIFE_DOMAINS:
        return value
    found = detect_life_domains(surface) or detect_life_domains(value)
    return found[0] if len(found) == 1 else None


def canonical_gemeente(value: str, surface: str) -> str | None:
    for candidate in (value.replace("-", " "), surface):
        match = recognise_gemeente(candidate, expecting_answer=True) if candidate else None
        if match:
            return match.slug
    return None


CANONICALISERS = {"life_domain": canonical_life_domain, "gemeente": canonical_gemeente}


def with_lexicon_life_domains(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """`entities` (already canonical) with the life domains of the lexicon made authoritative.

    Keeps DIET's life_domain entities whose value the lexicon also finds in `text` (all of
    them when the lexicon finds nothing) and adds one entity per domain only the lexicon found.
    """
    spans = find_life_domain_spans(text)
    if not spans:
        return entities
    lexicon_values = {span.value for span in spans}
    kept = [
        entity
        for entity in entities
        if entity.get("entity") != "life_domain" or entity.get("value") in lexicon_values
    ]
    present = {entity.get("value") for entity in kept if entity.get("entity") == "life_domain"}
    for span in spans:
        if span.value not in present:
            kept.append(
                {
                    "entity": "life_domain",
                    "start": span.start,
                    "end": span.end,
                    "value": span.value,
                    "confidence_entity": 1.0,
                    "extractor": LEXICON_EXTRACTOR,
                }
            )
    return kept


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class EntityCanonicaliser(StatelessComponent):
    """Maps life_domain and gemeente entities to canonical values or drops them."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            canonical = self._canonical(entities, text) if entities else []
            canonical = with_lexicon_life_domains(canonical, text)
            if canonical or entities:
                message.set(ENTITIES, canonical, add_to_output=True)
        return messages

    @staticmethod
    def _canonical(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
        kept = []
        for entity in entities:
            canonicalise = CANONICALISERS.get(entity.get("entity", ""))
            if canonicalise is None:
                kept.append(entity)
                continue
            start, end = entity.get("start"), entity.get("end")
            surface = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
            value = canonicalise(str(entity.get("value", "")), surface)
            if value:
                kept.append({**entity, "value": value})
        return kept
