"""Rasa plugins: the modules Rasa's processes load by name.

- In the Rasa server: the NLU components (``nlu/``, named in config.yml), the input channels
  (``channels/``, credentials.yml), the tracker and lock stores (``stores.py``) and the
  analytics event broker (``analytics_broker.py``, both in endpoints.yml), the speed-ups
  (``rasa_speedups.py``, installed by ``stores.py``) and the tracker-store health note
  (``store_health.py``).
- In the action server: ``action_server.py``, which hosts rasa_sdk's app with a shared
  secret and runs the actions of ``actions/`` (``python -m bot.rasa_plugins.action_server``).

May import: Rasa, rasa_sdk, Sanic, ``bot.domain``, ``bot.ops`` and ``bot.paths``. The only
layer of bot/ that imports Rasa (besides the launcher ``bot.ops.start``); never imports
``bot.webapp`` or ``actions``.
"""
