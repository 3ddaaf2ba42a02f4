"""Staff accounts per municipality and server-side staff sessions (docs/contract.md §7).

- The administrator logs in with OCO_STAFF_TOKEN and sees every municipality.
- `oco staff add --gemeente <slug> --name <text>` makes an account whose token (32 random
  bytes, URL-safe) is printed once. Only its SHA-256 is stored. Such a token sees and
  changes only the intakes of its municipality.
- `oco staff revoke <id>` ends an account at once, with all its sessions.

A browser login makes a server-side session: the cookie holds a random session id and
the database its SHA-256, so logging out (deleting the row) really ends the session, and
a copied cookie stops working. The tables live in the intake database
(bot/ops/intake/models.py).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from bot.domain.slugs import is_slug
from bot.ops.intake.models import staff_accounts, staff_sessions

ADMINISTRATOR_NAME = "beheerder"
TOKEN_BYTES = 32
SESSION_MAX_AGE = timedelta(hours=8)
NAME_MAX_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StaffMember:
    """Who is making a request. `gemeente` None: the administrator (every municipality)."""

    name: str
    gemeente: str | None = None
    account_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.gemeente is None

    def may_see(self, gemeente: str) -> bool:
        """True when an intake of `gemeente` is visible to this member."""
        return self.gemeente is None or self.gemeente == gemeente


ADMINISTRATOR = StaffMember(ADMINISTRATOR_NAME)


@dataclass(frozen=True)
class StaffAccount:
    """One account as `oco staff list` shows it (never the token or its hash)."""

    id: int
    gemeente: str
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    """SHA-256 (hex) of a token or session id; any text, also non-ASCII, is accepted."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def admin_key(staff_token: str) -> str:
    """What an administrator session remembers of OCO_STAFF_TOKEN (a salted hash)."""
    return hash_token("oco-admin-session:" + staff_token)


def clean_account_name(name: str) -> str:
    """The name as stored: one line, at most 100 characters; ValueError when unusable."""
    cleaned = " ".join(str(name).split())
    if not cleaned or _CONTROL.search(cleaned):
        raise ValueError("Geef een naam, bijvoorbeeld 'Team OCO Dordrecht'.")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValueError(f"De naam mag hoogstens {NAME_MAX_LENGTH} tekens lang zijn.")
    if cleaned.lower() == ADMINISTRATOR_NAME:
        raise ValueError(f"De naam '{ADMINISTRATOR_NAME}' is voor de beheerder.")
    return cleaned


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class StaffAccounts:
    """Accounts and sessions in the intake database (`engine` reads, `writer` writes)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self.engine = engine
        self.writer = writer

    # --- accounts ---------------------------------------------------------------------

    def add(self, gemeente: str, name: str) -> tuple[StaffAccount, str]:
        """Make an account; return it and its token (shown once, never stored).

        Raises ValueError (Dutch message) for a gemeente that is not a slug or an
        unusable name.
        """
        gemeente = (gemeente or "").strip().lower()
        if not is_slug(gemeente):
            raise ValueError("De gemeente moet een slug zijn, bijvoorbeeld 'dordrecht'.")
        name = clean_account_name(name)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = _utcnow()
        with self.writer.begin() as conn:
            account_id = conn.execute(
                insert(staff_accounts).values(
                    gemeente=gemeente, name=name, token_hash=hash_token(token), created_at=now
                )
            ).inserted_primary_key[0]
        return StaffAccount(account_id, gemeente, name, now, None), token

    def list(self) -> list[StaffAccount]:
        """Every account, oldest first, revoked ones included."""
        columns = staff_accounts.c
        query = select(
            columns.id, columns.gemeente, columns.name, columns.created_at, columns.revoked_at
        ).order_by(columns.id)
        with self.engine.connect() as conn:
            return [StaffAccount(*row) for row in conn.execute(query)]

    def revoke(self, account_id: int) -> bool:
        """Revoke an account and end its sessions; False when there is no active account."""
        with self.writer.begin() as conn:
            changed = conn.execute(
                update(staff_accounts)
                .where(staff_accounts.c.id == account_id, staff_accounts.c.revoked_at.is_(None))
                .values(revoked_at=_utcnow())
            ).rowcount
            conn.execute(delete(staff_sessions).where(staff_sessions.c.account_id == account_id))
        return changed == 1

    def member_for_token(self, token: str) -> StaffMember | None:
        """The member of an active account's token, or None."""
        if not token:
            return None
        columns = staff_accounts.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(columns.id, columns.name, columns.gemeente).where(
                    columns.token_hash == hash_token(token), columns.revoked_at.is_(None)
                )
            ).first()
        return StaffMember(row.name, row.gemeente, row.id) if row is not None else None

    # --- sessions ---------------------------------------------------------------------

    def start_session(
        self, member: StaffMember, staff_token: str = "", now: datetime | None = None
    ) -> str:
        """Store a new session for `member`; return the session id for the cookie.

        An administrator session remembers a hash of `staff_token` (OCO_STAFF_TOKEN), so
        it ends when that token changes.
        """
        now = now or _utcnow()
        session_id = secrets.token_urlsafe(TOKEN_BYTES)
        with self.writer.begin() as conn:
            conn.execute(
                insert(staff_sessions).values(
                    session_hash=hash_token(session_id),
                    account_id=member.account_id,
                    admin_key=admin_key(staff_token) if member.is_admin else None,
                    created_at=now,
                    expires_at=now + SESSION_MAX_AGE,
                )
            )
        return session_id

    def member_for_session(
        self, session_id: str, staff_token: str, now: datetime | None = None
    ) -> StaffMember | None:
        """Who owns a live session, or None (unknown, expired, revoked, token changed)."""
        if not session_id:
            return None
        now = now or _utcnow()
        sessions, accounts = staff_sessions.c, staff_accounts.c
        query = (
            select(sessions.account_id, sessions.admin_key, accounts.name, accounts.gemeente,
                   accounts.revoked_at)
            .select_from(staff_sessions.outerjoin(
                staff_accounts, staff_accounts.c.id == sessions.account_id))
            .where(sessions.session_hash == hash_token(session_id), sessions.expires_at > now)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        if row.account_id is None:
            if staff_token and row.admin_key == admin_key(staff_token):
                return ADMINISTRATOR
            return None
        if row.revoked_at is not None:
            return None
        return StaffMember(row.name, row.gemeente, row.account_id)

    def end_session(self, session_id: str) -> None:
        """Delete a session (logout); unknown ids are ignored."""
        if session_id:
            with self.writer.begin() as conn:
                conn.execute(
                    delete(staff_sessions).where(
                        staff_sessions.c.session_hash == hash_token(session_id)
                    )
                )

    def purge_expired_sessions(self, now: datetime | None = None) -> int:
        """Delete expired sessions; return how many."""
        with self.writer.begin() as conn:
            return conn.execute(
                delete(staff_sessions).where(staff_sessions.c.expires_at <= (now or _utcnow()))
            ).rowcount
