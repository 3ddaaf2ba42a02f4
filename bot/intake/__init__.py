"""Intake handover: store, notification outbox, SMTP mailer and the staff API."""

from bot.intake.store import IntakeDraft, IntakeStore, IntakeStoreError

__all__ = ["IntakeDraft", "IntakeStore", "IntakeStoreError"]
