"""Safety net in the NLU pipeline: the crisis detector and the classifier's `crisis`, combined.

Runs last in the pipeline (after the FallbackClassifier), so it also overrides
``nlu_fallback``. The patterns live in ``data/safety.yml`` (see :mod:`bot.domain.safety`).

Decision table (issue 11; design/decisions.md "Safety": when in doubt, show the numbers):

======================================  ==========================================  ====================
detector                                classifier                                  result
======================================  ==========================================  ====================
a signal (kinds)                        anything                                    ``crisis``, kinds
nothing, but the message holds crisis   ``crisis`` with confidence >= 0.8           ``crisis``,
or distress words (``risk``)                                                        ``["unspecified"]``
nothing, no crisis words at all         ``crisis``                                  next intent
("'s middags, als mijn man slaapt")                                                 (or ``nlu_fallback``)
cleared: only a figure of speech or a   ``crisis``                                  next intent
negation ("ik schrok me dood")
nothing                                 ``crisis`` below 0.8                        next intent
======================================  ==========================================  ====================

``unspecified`` answers with a gentle opener and all the numbers (112, 113, Veilig Thuis), not
with 113 alone: the classifier does not say which kind of crisis it saw, and naming suicide to
someone who meant violence at home would send them to the wrong line.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.safety import UNSPECIFIED, assess_crisis
from bot.rasa_plugins.nlu.stateless import StatelessComponent

CRISIS_INTENT = "crisis"
CRISIS_KINDS_KEY = "crisis_kinds"
FALLBACK_INTENT = "nlu_fallback"
# The classifier's `crisis` counts without a detector signal only from this confidence on.
CLASSIFIER_CRISIS_THRESHOLD = 0.8
# A demoted message whose next intent is less sure than this becomes nlu_fallback
# (the FallbackClassifier threshold in config.yml).
FALLBACK_THRESHOLD = 0.45


def combine(text: str, intent: Dict[str, Any] | None) -> tuple[str, List[str]]:
    """What to do with one message: ("crisis", kinds), ("demote", []) or ("keep", []).

    ``intent`` is the classifier's top intent ({"name", "confidence"}) or None. Pure
    function (no Rasa objects), so the decision table above is unit-tested directly.
    """
    assessment = assess_crisis(text) if text else None
    if assessment is not None and assessment.signal is not None:
        return "crisis", list(assessment.signal.kinds)
    if not intent or intent.get("name") != CRISIS_INTENT:
        return "keep", []
    confidence = float(intent.get("confidence") or 0.0)
    if (
        assessment is not None
        and not assessment.cleared
        and assessment.risk
        and confidence >= CLASSIFIER_CRISIS_THRESHOLD
    ):
        return "crisis", [UNSPECIFIED]
    return "demote", []


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class CrisisGuard(StatelessComponent):
    """Sets intent ``crisis`` + ``crisis_kinds`` from the detector; demotes unfounded crises."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            decision, kinds = combine(text, message.get(INTENT))
            ranking = [
                entry for entry in (message.get(INTENT_RANKING_KEY) or [])
                if entry.get("name") != CRISIS_INTENT
            ]
            if decision == "crisis":
                crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
                message.set(INTENT, crisis, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [crisis, *ranking], add_to_output=True)
                message.set(CRISIS_KINDS_KEY, kinds, add_to_output=True)
            elif decision == "demote":
                best = ranking[0] if ranking else None
                if best is None or float(best.get("confidence") or 0.0) < FALLBACK_THRESHOLD:
                    best = {"name": FALLBACK_INTENT, "confidence": FALLBACK_THRESHOLD}
                    ranking = [best, *ranking]
                message.set(INTENT, dict(best), add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
