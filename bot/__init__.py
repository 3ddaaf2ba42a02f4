"""OCO-wegwijzer: the project's own Python package, in four layers (README, "Hoe het werkt").

- ``bot.domain``: the domain rules, plain Python;
- ``bot.rasa_plugins``: what Rasa loads (NLU components, channels, stores, broker) and the
  action server's host;
- ``bot.webapp``: the Sanic web app (chat proxy, staff pages);
- ``bot.ops``: settings, persistence, limits, start-up, the command line and evaluations.

``bot.paths`` (where the project's files are) is used by every layer. An arrow only points
down: domain <- ops <- rasa_plugins and webapp; tests/unit/test_import_layers.py checks it.
"""
