"""Staff accounts per municipality: `oco staff add|list|revoke`, hashed tokens, sessions."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.ops.intake.models import staff_accounts, staff_sessions
from bot.ops.intake.store import IntakeStore
from bot.ops.staff_accounts import ADMINISTRATOR, SESSION_MAX_AGE, StaffAccounts, StaffMember
from bot.paths import PROJECT_ROOT

pytest_plugins = ["tests.support.db"]

ROOT = PROJECT_ROOT


@pytest.fixture
def accounts(store: IntakeStore) -> Iterator[StaffAccounts]:
    yield StaffAccounts(store.engine, store.writer)


def oco(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OCO_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "bot.ops.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_tokens_are_stored_only_as_a_hash(accounts: StaffAccounts) -> None:
    account, token = accounts.add("Dordrecht", "  Team OCO\tDordrecht ")
    assert (account.gemeente, account.name, account.active) == ("dordrecht", "Team OCO Dordrecht",
                                                                True)
    assert len(token) >= 43  # 32 random bytes, URL-safe
    with accounts.engine.connect() as conn:
        stored = conn.execute(select(staff_accounts)).mappings().one()
    assert token not in str(dict(stored))
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert accounts.member_for_token(token) == StaffMember("Team OCO Dordrecht", "dordrecht",
                                                           account.id)
    _other, other_token = accounts.add("dordrecht", "Tweede account")
    assert other_token != token
    for wrong in ("", token[:-1], token + "x", token.upper(), "é", stored["token_hash"]):
        assert accounts.member_for_token(wrong) is None


@pytest.mark.parametrize(
    ("gemeente", "name"),
    [("Den Haag!", "Team"), ("", "Team"), ("dordrecht", "   "), ("dordrecht", "x" * 101),
     ("dordrecht", "beheerder"), ("dordrecht", "Beheerder")],
)
def test_unusable_gemeente_or_name_is_refused(accounts: StaffAccounts, gemeente, name) -> None:
    with pytest.raises(ValueError):
        accounts.add(gemeente, name)
    assert accounts.list() == []


def test_revoking_ends_the_account_and_its_sessions(accounts: StaffAccounts) -> None:
    account, token = accounts.add("almere", "Sanne")
    member = accounts.member_for_token(token)
    session = accounts.start_session(member)
    admin_session = accounts.start_session(ADMINISTRATOR, "admin-token")
    assert accounts.member_for_session(session, "admin-token") == member

    assert accounts.revoke(account.id) is True
    assert accounts.revoke(account.id) is False  # already revoked
    assert accounts.revoke(999) is False
    assert accounts.member_for_token(token) is None
    assert accounts.member_for_session(session, "admin-token") is None
    assert accounts.member_for_session(admin_session, "admin-token") == ADMINISTRATOR
    [listed] = accounts.list()
    assert not listed.active


def test_sessions_are_hashed_end_on_logout_and_expire(accounts: StaffAccounts) -> None:
    now = datetime.now(timezone.utc)
    session = accounts.start_session(ADMINISTRATOR, "admin-token", now=now)
    with accounts.engine.connect() as conn:
        [row] = conn.execute(select(staff_sessions)).mappings().all()
    assert session not in str(dict(row)) and "admin-token" not in str(dict(row))
    assert accounts.member_for_session(session, "admin-token", now=now + SESSION_MAX_AGE
                                       - timedelta(seconds=1)) == ADMINISTRATOR
    assert accounts.member_for_session(session, "admin-token", now=now + SESSION_MAX_AGE) is None
    assert accounts.member_for_session(session, "") is None  # no administrator token set
    accounts.end_session(session)
    assert accounts.member_for_session(session, "admin-token", now=now) is None
    accounts.end_session("")  # nothing happens
    accounts.end_session("onbekend")


@pytest.mark.slow
def test_the_command_line_adds_lists_and_revokes(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'intakes.db'}"
    added = oco(url, "staff", "add", "--gemeente", "dordrecht", "--name", "Team OCO Dordrecht")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert "één keer" in added.stdout

    store = IntakeStore(url)
    try:
        member = StaffAccounts(store.engine, store.writer).member_for_token(token)
    finally:
        store.dispose()
    assert member is not None and member.gemeente == "dordrecht"

    listed = oco(url, "staff", "list")
    assert listed.returncode == 0
    assert "dordrecht" in listed.stdout and "Team OCO Dordrecht" in listed.stdout
    assert "actief" in listed.stdout
    assert token not in listed.stdout
    assert hashlib.sha256(token.encode()).hexdigest() not in listed.stdout

    revoked = oco(url, "staff", "revoke", str(member.account_id))
    assert revoked.returncode == 0 and "ingetrokken" in revoked.stdout
    assert "ingetrokken" in oco(url, "staff", "list").stdout
    assert oco(url, "staff", "revoke", str(member.account_id)).returncode == 1


@pytest.mark.slow
@pytest.mark.parametrize("gemeente", ["nergenshuizen", "Den Haag!"])
def test_the_command_line_refuses_an_unknown_municipality(tmp_path, gemeente: str) -> None:
    url = f"sqlite:///{tmp_path / 'intakes.db'}"
    result = oco(url, "staff", "add", "--gemeente", gemeente, "--name", "Team")
    assert result.returncode == 2
    assert "Onbekende gemeente" in result.stdout and "dordrecht" in result.stdout
    assert "Nog geen medewerkersaccounts" in oco(url, "staff", "list").stdout
