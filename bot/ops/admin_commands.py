"""`oco db ...` and `oco staff ...`: database upgrades and staff accounts (for deployers).

- `oco db upgrade`: bring the intake database (OCO_DATABASE_URL) to the newest schema.
  The web app and the action server do this at start too; run it by hand before a
  rolling update, or to see that it works.
- `oco db current`: the schema revision of the database and the newest one.
- `oco staff add --gemeente <slug> --name <text>`: a staff account for one municipality;
  prints its token once.
- `oco staff list` / `oco staff revoke <id>`.

Output is Dutch, for the person at the terminal; it never shows a stored token or hash.
"""

from __future__ import annotations

import argparse

from bot.ops.settings import load_settings, redacted


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register `db` and `staff` on the `oco` parser."""
    db = sub.add_parser("db", help="database van de aanmeldingen bijwerken (migraties)")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="schema naar de nieuwste versie brengen")
    db_sub.add_parser("current", help="huidige en nieuwste schemaversie tonen")

    staff = sub.add_parser("staff", help="medewerkersaccounts per gemeente")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="nieuw account; toont de code eenmalig")
    add.add_argument("--gemeente", required=True, help="slug, bijvoorbeeld dordrecht")
    add.add_argument("--name", required=True, help="naam, bijvoorbeeld 'Team OCO Dordrecht'")
    staff_sub.add_parser("list", help="alle accounts")
    revoke = staff_sub.add_parser("revoke", help="account intrekken (direct uitgelogd)")
    revoke.add_argument("id", type=int)


def _store():
    from bot.ops.intake.store import IntakeStore

    settings = load_settings()
    return IntakeStore(settings.database_url, staff_url=settings.public_url)


def db_command(args: argparse.Namespace) -> int:
    from bot.ops.intake.db import current_revision, head_revision, make_engine, upgrade_schema

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            before, after = upgrade_schema(engine)
            if before == after:
                print(f"Database {redacted(settings.database_url)}: al bijgewerkt "
                      f"(up-to-date), versie {after}.")
            else:
                print(f"Database {redacted(settings.database_url)}: bijgewerkt van versie "
                      f"{before or 'geen'} naar {after}.")
            return 0
        with engine.connect() as conn:
            current = current_revision(conn)
        head = head_revision()
        state = "bijgewerkt (up-to-date)" if current == head else "NIET bijgewerkt: draai `oco db upgrade`"
        print(f"Database {redacted(settings.database_url)}: versie {current or 'geen'}, "
              f"nieuwste {head}; {state}.")
        return 0
    finally:
        engine.dispose()


def staff_command(args: argparse.Namespace) -> int:
    from bot.ops.staff_accounts import StaffAccounts

    store = _store()
    accounts = StaffAccounts(store.engine, store.writer)
    try:
        if args.staff_command == "add":
            return _add(accounts, args.gemeente, args.name)
        if args.staff_command == "list":
            rows = accounts.list()
            if not rows:
                print("Nog geen medewerkersaccounts. Maak er een met `oco staff add`.")
            for account in rows:
                state = "actief" if account.active else (
                    f"ingetrokken {account.revoked_at:%Y-%m-%d %H:%M} UTC")
                print(f"{account.id}\t{account.gemeente}\t{account.name}\t"
                      f"aangemaakt {account.created_at:%Y-%m-%d %H:%M} UTC\t{state}")
            return 0
        if accounts.revoke(args.id):
            print(f"Account {args.id} is ingetrokken; de sessies ervan zijn beëindigd.")
            return 0
        print(f"Geen actief account met nummer {args.id}.")
        return 1
    finally:
        store.dispose()


def _add(accounts, gemeente: str, name: str) -> int:
    from bot.domain.catalogue import load_catalogue

    catalogue = load_catalogue()
    slug = (gemeente or "").strip().lower()
    if slug not in catalogue:
        known = ", ".join(sorted(m.slug for m in catalogue))
        print(f"Onbekende gemeente '{gemeente}'. Kies uit: {known}.")
        return 2
    try:
        account, token = accounts.add(slug, name)
    except ValueError as error:
        print(str(error))
        return 2
    print(f"Account {account.id} voor {account.gemeente} ({account.name}) is aangemaakt.")
    print("Code (wordt maar één keer getoond; bewaar hem veilig en deel hem alleen met dit team):")
    print(token)
    return 0
