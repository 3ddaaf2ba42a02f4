"""Operations and persistence: what runs, configures and stores around the conversation.

Settings (``settings.py``), the child processes of ``make run`` (``processes.py``) and their
launcher (``start.py``), the ``oco`` command line (``cli.py``, ``admin_commands.py``), the
spaCy model (``spacy_model.py``), privacy-safe logging, retention, staff accounts, the stores
of the intakes (``intake/``) and of the anonymous counts (``analytics/``), the limits and
fault answers every front door shares (``gate/``), the HTML reports (``reports/``) and the
evaluation scripts (``evaluation/``).

May import: ``bot.domain``, ``bot.paths`` and libraries such as SQLAlchemy, Alembic and Redis.
Never ``bot.rasa_plugins``, ``bot.webapp`` or ``actions`` (those import ops, not the other
way round), and Rasa only in the launcher ``start.py``.
"""
