"""Read the answer the ResponseSelector chose for a retrieval intent (e.g. ask_procedure).

Plain Python on a Rasa parse result, so that actions can answer a retrieval intent
themselves (for instance in the middle of a form, actions/conversation.py).
"""

from __future__ import annotations

from typing import Any, Mapping

# Retrieval intents of the assistant: the ResponseSelector picks one answer per topic,
# ask_procedure/<topic> -> utter_ask_procedure/<topic> (data/nlu/responses/procedures.yml).
RETRIEVAL_INTENTS = ("ask_procedure",)


def retrieval_response(parse_data: Mapping[str, Any], intent: str) -> str | None:
    """The response name the ResponseSelector chose for ``intent``, or None.

    ``parse_data`` is a Rasa parse result (``tracker.latest_message``). Rasa 3.6 puts the
    choice at ``response_selector[<intent>]["response"]["utter_action"]``, for example
    ``"utter_ask_procedure/bezwaar_termijn"`` (rasa/nlu/selectors/response_selector.py).
    Without selector output, e.g. for the button payload ``/ask_procedure``, it is None;
    so is a name that does not belong to ``intent``.
    """
    selector = (parse_data.get("response_selector") or {}).get(intent) or {}
    name = (selector.get("response") or {}).get("utter_action")
    return name if isinstance(name, str) and name.startswith(f"utter_{intent}/") else None


# Procedure topics about the conversation with the gemeente (the keukentafelgesprek): what a
# resident who has such a conversation coming (intent prepare_meeting) gets as a concrete answer
# (issue 14: what to bring, bringing someone, the verslag, recording, an interpreter, by phone).
MEETING_TOPIC_PREFIXES = ("gesprek_", "keukentafelgesprek_")
MEETING_DEFAULT_RESPONSE = "utter_ask_procedure/gesprek_voorbereiden"


def meeting_response(parse_data: Mapping[str, Any]) -> str:
    """The concrete answer for a resident preparing a meeting with the gemeente.

    The ResponseSelector's choice for ``ask_procedure`` when it is a meeting topic ("mag ik
    iemand meenemen" -> ``utter_ask_procedure/gesprek_meenemen``), else the general preparation
    answer ``utter_ask_procedure/gesprek_voorbereiden``.
    """
    chosen = retrieval_response(parse_data, "ask_procedure")
    if chosen is not None:
        topic = chosen.split("/", 1)[1]
        if topic.startswith(MEETING_TOPIC_PREFIXES):
            return chosen
    return MEETING_DEFAULT_RESPONSE
