"""Intake persistence: the store, the notification outbox, references, the access log, the
SMTP mailer and the database migrations. The draft and its check against the contract are a
domain rule (bot/domain/intake_draft.py), re-exported here.

The staff JSON API lives in the web app (bot/webapp/intake_api.py); deleting an intake
together with its conversation lives in bot/ops/retention.py.
"""

from bot.domain.intake_draft import IntakeDraft, InvalidDraft, MissingContact
from bot.ops.intake.store import IntakeStore, IntakeStoreError

__all__ = ["IntakeDraft", "IntakeStore", "IntakeStoreError", "InvalidDraft", "MissingContact"]
