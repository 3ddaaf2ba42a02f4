"""Keep only entity values of the contract (CONTRACT.md §5), in their canonical form.

DIET sometimes tags a stray word ("kom er niet meer *uit*") or an unseen spelling. After
the EntitySynonymMapper this component maps a ``life_domain`` through the keyword lexicon
(data/life_domains.yml) and a ``gemeente`` through the municipality recogniser; what still
is not a canonical value is dropped, so /model/parse never reports a made-up value.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.gemeente_recognition import recognise_gemeente
from bot.life_domains import LIFE_DOMAINS, detect_life_domains


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


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class EntityCanonicaliser(GraphComponent):
    """Maps life_domain and gemeente entities to canonical values or drops them."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityCanonicaliser:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if entities:
                text = message.get(TEXT) or ""
                message.set(ENTITIES, self._canonical(entities, text), add_to_output=True)
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
