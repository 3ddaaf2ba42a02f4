"""Issue 13 items 5 and 15: no personal data in any log line, logs a maintainer can read.

The decisive test breaks the conversation database under a process set up like Rasa's
server (tests/fixtures/security_broken_db.py) and reads everything it printed: the error
is there, the WhatsApp number, the e-mail address and the message are not. The same
process with the masking switched off shows them, so the test would catch a leak.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from bot.ops import logging_privacy
from bot.ops.logging_privacy import JsonFormatter, RedactingFilter, quiet_sql, redact
from bot.paths import PROJECT_ROOT
from tests.support.db import pg_url  # noqa: F401 - fixture

SCRIPT = PROJECT_ROOT / "tests" / "fixtures" / "security_broken_db.py"
PERSONAL = ("31698765432", "698765432", "6987", "06-12345678", "0612345678", "fatima", "devries",
            "example.nl", "niet meer leven")


@pytest.mark.parametrize(("line", "hidden", "kept"), [
    ("mail naar Jan.Jansen@Example.NL graag", ["Jan.Jansen", "Example.NL"], ["mail naar", "[e-mail]"]),
    ("bel 06-12345678 of 06 12 34 56 78", ["12345678", "12 34 56 78"], ["[telefoon]"]),
    ("nummer +31 6 1234 5678 en 0031612345678", ["1234 5678", "0031612345678"], ["[telefoon]"]),
    ("(078) 123 45 67", ["123 45 67"], ["[telefoon]"]),
    ("sender whatsapp:31612345678 failed", ["31612345678"], ["whatsapp:[telefoon]", "failed"]),
    ("[parameters: ('web:abc', '{\"text\": \"geheim\"}')]", ["geheim", "web:abc"], ["[parameters: verborgen]"]),
    ("DETAIL:  Key (sender_id)=(31612345678) already exists.", ["31612345678"], ["DETAIL: verborgen"]),
    ('{"event": "user", "text": "ik ben \\"bang\\"", "timestamp": 1}', ["bang"],
     ['"text": "[tekst]"', '"timestamp": 1']),
    ("{'text': \"it's mijn verhaal\", 'intent': 'x'}", ["verhaal"], ["'text': \"[tekst]\""]),
    ("{'contact_name': 'Fatima de Vries'}", ["Fatima"], ["[tekst]"]),
    ("Received user message 'ik heb schulden' with intent '{}'", ["schulden"], ["with intent"]),
    ("UserUttered(text: ik heb schulden, intent: describe_situation)", ["schulden"], ["describe_situation"]),
    ("SlotSet(key: contact_email, value: a@b.nl)", ["a@b.nl"], ["contact_email"]),
])
def test_redact_masks_personal_data_and_keeps_the_rest(line: str, hidden: list[str], kept: list[str]) -> None:
    masked = redact(line)
    for part in hidden:
        assert part not in masked, masked
    for part in kept:
        assert part in masked, masked


def test_a_failed_sql_statement_is_one_line_with_hidden_values() -> None:
    masked = redact("(sqlite3.OperationalError) no such column\n[SQL: SELECT events.id\nFROM events \n"
                    "WHERE events.sender_id = ?]\n[parameters: ('whatsapp:31612345678',)]")
    assert "[SQL: SELECT events.id FROM events WHERE events.sender_id = ?]" in masked
    assert "31612345678" not in masked


@pytest.mark.parametrize("line", [
    "Tracker store: postgresql://oco@db/oco",
    "Action server on 127.0.0.1:5055 (secret required, /health open).",
    "REST message could not be handled: LockError",
    "listening on 192.168.100.200:5005",
    "took 1718000000.123 s for ticket 12 of oco:lock:3f2a9d4e1b2c",
    "GET /webhooks/rest/webhook 200 2026-11-22",
    "conversation test-1234567890ab",
    "intake OCO-2026-00042 created, e-mail queued",
    "ticket rasa-123456789012 released",
])
def test_redact_leaves_ordinary_maintenance_lines_alone(line: str) -> None:
    assert redact(line) == line


@pytest.fixture
def masked_logs():
    """Masking installed; a handler added afterwards (without the filter) collects lines."""
    logging_privacy.install(json_lines=False)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.mark.parametrize("name", ["rasa.core.tracker_store", "sqlalchemy.engine.Engine", "sanic.error",
                                  "aiohttp.server", "asyncio", "bot.rasa_plugins.channels.rest", "some.library"])
def test_every_logger_is_masked_also_handlers_added_later(masked_logs, name: str) -> None:
    logger = logging.getLogger(name)
    try:
        raise RuntimeError("insert failed for 31612345678 <fatima@example.nl>")
    except RuntimeError:
        logger.error("turn of %s with %r failed", "whatsapp:31612345678", {"text": "ik wil dood"}, exc_info=True)
    text = masked_logs.getvalue()
    assert "RuntimeError" in text and "failed" in text
    for part in ("31612345678", "fatima@example.nl", "ik wil dood"):
        assert part not in text


def test_the_filter_also_masks_records_made_before_install() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "bel %s", ("0612345678",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "bel [telefoon]"


def test_json_lines_are_one_object_per_line_without_personal_data() -> None:
    try:
        raise ValueError("bad value jan@example.nl")
    except ValueError:
        record = logging.LogRecord("rasa.core", logging.ERROR, __file__, 1, "sender %s\nfailed",
                                   ("whatsapp:31612345678",), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "rasa.core"
    assert entry["message"] == "sender whatsapp:[telefoon]\nfailed"
    assert "ValueError" in entry["exception"] and "jan@example.nl" not in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_sql_statements_are_logged_only_with_oco_log_sql(monkeypatch) -> None:
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine.oco")
    engine_logger.setLevel(logging.INFO)  # what bot/ops/intake/db.py once did
    monkeypatch.delenv("OCO_LOG_SQL", raising=False)
    quiet_sql()
    assert not engine_logger.isEnabledFor(logging.INFO)
    assert not logging.getLogger("sqlalchemy.engine.Engine.rasa").isEnabledFor(logging.INFO)
    assert engine_logger.isEnabledFor(logging.ERROR)
    monkeypatch.setenv("OCO_LOG_SQL", "1")
    quiet_sql()
    assert engine_logger.isEnabledFor(logging.INFO)
    monkeypatch.delenv("OCO_LOG_SQL")
    quiet_sql()
    assert not engine_logger.isEnabledFor(logging.INFO)


def test_dependency_deprecation_warnings_are_filtered_in_the_services() -> None:
    """The services start with PYTHONWARNINGS from bot/ops/processes.py: no deprecation noise."""
    from bot.ops.processes import service_environment
    from bot.ops.settings import load_settings

    env = service_environment(load_settings(), base={"PATH": os.environ.get("PATH", "")})
    code = ("import warnings\n"
            "warnings.warn('old api', DeprecationWarning)\n"
            "warnings.warn('later', FutureWarning)\n"
            "warnings.warn('soon', PendingDeprecationWarning)\n"
            "warnings.warn('this one matters', UserWarning)\n")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "old api" not in result.stderr and "later" not in result.stderr and "soon" not in result.stderr
    assert "this one matters" in result.stderr


def run_broken_database(mode: str, url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCO_")}
    env.update({"SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(PROJECT_ROOT)})
    result = subprocess.run([sys.executable, str(SCRIPT), mode, url], env=env, cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "DONE" in output, output[-3000:]
    return output


def assert_masked(output: str) -> None:
    assert "StrictSQLTrackerStore" in output, "the database error must be logged"
    assert "[parameters: verborgen]" in output
    lowered = output.lower()
    leaks = [part for part in PERSONAL if part.lower() in lowered]
    assert not leaks, f"personal data in the logs: {leaks}"


@pytest.mark.slow
def test_a_broken_sqlite_database_logs_the_error_without_personal_data(tmp_path) -> None:
    assert_masked(run_broken_database("masked", f"sqlite:///{tmp_path / 'tracker.db'}"))


@pytest.mark.slow
def test_without_the_masking_the_same_failure_would_leak(tmp_path) -> None:
    """Shows the test above can fail: Rasa and SQLAlchemy print the row, number and all."""
    output = run_broken_database("raw", f"sqlite:///{tmp_path / 'tracker.db'}")
    assert "31698765432" in output and "fatima.devries@example.nl" in output


@pytest.mark.postgres
def test_a_broken_postgresql_database_logs_the_error_without_personal_data(pg_url: str) -> None:  # noqa: F811
    output = run_broken_database("masked", pg_url)
    assert_masked(output)
    assert "NUL" in output  # the NUL sender was an ordinary error, not an exit
