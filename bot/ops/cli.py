"""Command line: ``oco run`` (what ``make run`` calls), ``oco purge``, ``oco check``,
``oco db upgrade|current`` and ``oco staff add|list|revoke`` (bot/ops/admin_commands.py)."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from dataclasses import replace
from types import FrameType

from bot.domain.catalogue import CatalogueError, load_catalogue
from bot.ops.processes import (
    MODEL_PATH,
    ensure_api_token,
    ensure_staff_token,
    service_environment,
    services,
    wait_until_ready,
)
from bot.ops.settings import load_settings, redacted
from bot.ops.spacy_model import resolve_model

STARTUP_TIMEOUT_S = 240


def banner(lines: list[str]) -> None:
    width = min(max(len(line) for line in lines) + 4, 100)
    print("=" * width)
    for line in lines:
        print(f"  {line}")
    print("=" * width, flush=True)


def mail_mode_line() -> str:
    from bot.ops.intake.mailer import describe_mail_mode

    return describe_mail_mode(load_settings())


def run() -> int:
    """Start every service in the foreground until Ctrl-C."""
    settings = load_settings()
    try:
        catalogue = load_catalogue()
    except CatalogueError as error:
        print(f"Fout in de gemeentecatalogus: {error}", file=sys.stderr)
        return 1
    if not MODEL_PATH.exists():
        print("Geen getraind model gevonden: draai eerst `make train`.", file=sys.stderr)
        return 1
    env = service_environment(settings)
    new_token = ensure_staff_token(env)
    # The Rasa HTTP API only with a token: generated and shown once when unset.
    new_api_token = ensure_api_token(env)
    settings = replace(settings, api_token=env["OCO_API_TOKEN"])
    lines = [
        "OCO-wegwijzer",
        f"spaCy-model: {resolve_model().description}",
        f"Gemeenten: {', '.join(m.naam for m in catalogue)}",
        f"Rasa (REST + HTTP API met token): {settings.rasa_url}  (alleen op {settings.rasa_host})",
        f"Action server: {settings.action_server_url}",
        f"Web app en chat: http://localhost:{settings.web_port}/  (staf: /staff/)",
        f"Aanmeldingen: {redacted(settings.database_url)}",
        f"Gesprekken: {redacted(settings.tracker_store_url)}",
        f"Locks: {(settings.lock_store_url and redacted(settings.lock_store_url)) or 'in het geheugen'}",
        mail_mode_line(),
    ]
    if new_token:
        lines.append(f"OCO_STAFF_TOKEN (eenmalig getoond): {new_token}")
    if new_api_token:
        lines.append(f"OCO_API_TOKEN (eenmalig getoond): {new_api_token}")
    banner(lines)

    children = [
        (service, subprocess.Popen(service.command, env=env))  # noqa: S603
        for service in services(settings)
    ]

    def stop(signum: int | None = None, frame: FrameType | None = None) -> None:
        for _, process in children:
            if process.poll() is None:
                process.terminate()
        for _, process in children:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda signum, frame: (stop(), sys.exit(0)))
    try:
        ready = wait_until_ready(
            [service.ready_url for service, _ in children],
            STARTUP_TIMEOUT_S,
            is_alive=lambda: all(process.poll() is None for _, process in children),
        )
        if ready:
            print(f"Klaar. Open http://localhost:{settings.web_port}/ . Stoppen: Ctrl-C.", flush=True)
        while all(process.poll() is None for _, process in children):
            time.sleep(1)
        failed = [service.name for service, process in children if process.poll() is not None]
        print(f"Gestopt: {', '.join(failed)} draait niet meer.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStoppen...", flush=True)
        return 0
    finally:
        stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oco", description="OCO-wegwijzer")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="alle diensten starten (make run)")
    sub.add_parser("check", help="gemeentecatalogus controleren")
    sub.add_parser("purge", help="oude gesprekken en aanmeldingen verwijderen")
    from bot.ops.admin_commands import add_subcommands, db_command, staff_command

    add_subcommands(sub)
    args = parser.parse_args(argv)
    if args.command == "db":
        return db_command(args)
    if args.command == "staff":
        return staff_command(args)
    if args.command == "run":
        return run()
    if args.command == "check":
        from bot.domain.catalogue import main as check_catalogue

        return check_catalogue([])
    from bot.ops.retention import main as purge

    return purge()


if __name__ == "__main__":
    sys.exit(main())
