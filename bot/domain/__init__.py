"""Domain rules: what the assistant knows and decides, in plain Python.

The catalogue of municipalities, routing, life domains, crisis and urgency detection, the
closed vocabularies of the contract, reading a resident's answer (``dialogue/``), the
handover story and summary, the intake draft and its check. Most rules are data in data/;
these modules read and apply them.

May import: the standard library, small pure libraries (yaml, pydantic, rapidfuzz, ...),
``bot.paths`` and ``bot.domain`` itself. Never Rasa, rasa_sdk, Sanic or SQLAlchemy, and
never ``bot.ops``, ``bot.rasa_plugins``, ``bot.webapp`` or ``actions``: every process (Rasa,
the action server, the web app) and every test can import a domain rule on its own.
"""
