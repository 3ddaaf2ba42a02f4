"""bot.rasa_plugins.rasa_speedups: the cached action-response validator behaves exactly like Rasa's."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot.rasa_plugins.stores  # noqa: F401  (installs the speed-up, as in the Rasa server)
from bot.rasa_plugins import rasa_speedups

VALID = {"events": [{"event": "slot", "name": "gemeente", "value": "almere"}],
         "responses": [{"response": "utter_greet"}]}
INVALID = [{"events": [{"event": "slot", "name": 3}]}, {"events": "geen lijst"}, {"responses": [1]}]


def original(result: dict) -> ValidationError | None:
    from jsonschema import validate

    try:
        validate(result, RemoteAction.action_response_format_spec())
    except ValidationError as error:
        return error
    return None


def test_installed_when_rasa_loads_the_stores() -> None:
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


def test_valid_answer_passes() -> None:
    assert RemoteAction("action_x", None)._validate_action_result(VALID) is True
    assert original(VALID) is None


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answer_fails_with_the_same_error_as_rasa(result: dict) -> None:
    expected = original(result)
    assert expected is not None
    with pytest.raises(ValidationError) as caught:
        RemoteAction("action_x", None)._validate_action_result(result)
    assert caught.value.message.startswith(expected.message)
    assert "Failed to validate Action server response" in caught.value.message
