"""The base of the NLU components that keep nothing: no training, no settings, no model files."""

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class StatelessComponent(GraphComponent):
    """A graph component that Rasa builds with ``cls()``; subclasses add ``process``."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StatelessComponent:
        """A new instance of the subclass; what Rasa passes (config, storage, resource,
        context) is not used, so this never raises."""
        return cls()
