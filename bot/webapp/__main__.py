"""``python -m bot.webapp``: start the web app."""

from bot.webapp.app import main

main()
