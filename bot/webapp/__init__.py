"""The Sanic web app on port 8080: demo page, chat proxy, health check and staff pages.

Use ``bot.webapp.app.create_app(settings)``; run it with ``python -m bot.webapp``.
"""
