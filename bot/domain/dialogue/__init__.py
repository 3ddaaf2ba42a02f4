"""Reading the resident's answer to the question the assistant just asked.

Plain Python, no Rasa: the actions call these functions.

- ``bot.domain.dialogue.answers.read_answer``: read a typed answer as a name, phone number, e-mail
  address, time preference, yes/no, button choice, municipality or free text.
- ``bot.domain.dialogue.signals.strong_signal``: the few signals that interrupt an expected answer
  (crisis, stop, a request for a person, an explicit question), in the order of
  data/priorities.yml.
"""
