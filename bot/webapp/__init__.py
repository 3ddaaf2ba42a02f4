"""The web app: Sanic on port 8080 with the demo page, the chat proxy, the health check, the
staff pages and their JSON API, and the usage dashboard.

Use ``bot.webapp.app.create_app(settings)``; run it with ``python -m bot.webapp``.

May import: Sanic, ``bot.domain``, ``bot.ops`` (settings, the intake and analytics stores, the
gate every front door shares) and ``bot.paths``. Never Rasa or ``bot.rasa_plugins``: it talks
to Rasa over HTTP only (``rasa_client.py``, ``chat_proxy.py``).
"""
