"""SpacyNLP that loads the Dutch pipeline chosen by :mod:`bot.ops.spacy_model`.

Rasa's ``SpacyNLP`` needs a fixed model name in ``config.yml``. We want the official
``nl_core_news_sm`` where it is installed and the honest local fallback elsewhere, with the
choice written to the log at start-up, so this subclass resolves the model itself.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyNLP

from bot.ops.spacy_model import resolve_model

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="DutchSpacyNLP",
)
class DutchSpacyNLP(SpacyNLP):
    """Provides the Dutch spaCy pipeline (official model or local fallback)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"model": None, "case_sensitive": False}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DutchSpacyNLP:
        choice = resolve_model()
        logger.info("spaCy-model in gebruik: %s", choice.description)
        model = cls.load_model(choice.load_name)
        cls.ensure_proper_language_model(model.model)
        return cls(model, {**cls.get_default_config(), **config})
