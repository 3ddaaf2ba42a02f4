"""Intake handover, domain and persistence: the draft and its check, the store, the
notification outbox, references, the access log and the SMTP mailer.

The staff JSON API lives in the web app (bot/webapp/intake_api.py); deleting an intake
together with its conversation lives in bot/retention.py.
"""

from bot.intake.draft import IntakeDraft, InvalidDraft, MissingContact
from bot.intake.store import IntakeStore, IntakeStoreError

__all__ = ["IntakeDraft", "IntakeStore", "IntakeStoreError", "InvalidDraft", "MissingContact"]
