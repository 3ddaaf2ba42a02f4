"""Safety net: a message with crisis keywords is classified as ``crisis``, whatever DIET says.

Runs last in the NLU pipeline (after the FallbackClassifier), so it also overrides
``nlu_fallback``. The keyword lists live in ``data/safety.yml`` (see :mod:`bot.safety`).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety import detect_crisis

CRISIS_INTENT = "crisis"
CRISIS_KINDS_KEY = "crisis_kinds"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class CrisisGuard(GraphComponent):
    """Overrides the predicted intent with ``crisis`` when the safety keywords match."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisGuard:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            signal = detect_crisis(text) if text else None
            if signal is None:
                continue
            crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
            ranking = [
                entry for entry in (message.get(INTENT_RANKING_KEY) or [])
                if entry.get("name") != CRISIS_INTENT
            ]
            message.set(INTENT, crisis, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [crisis, *ranking], add_to_output=True)
            message.set(CRISIS_KINDS_KEY, list(signal.kinds), add_to_output=True)
        return messages
