"""Logs without personal data, readable by a maintainer (issue 13, items 5 and 15).

:func:`install` is called in every process: the Rasa server (``bot.rasa_plugins.stores`` and
``bot.rasa_plugins.channels.rest`` are loaded from endpoints.yml and credentials.yml), the action
server (``bot.rasa_plugins.action_server``) and the web app (``bot.webapp.app.main``). It

- masks phone numbers, e-mail addresses and message texts in **every** log record of the
  process, whichever library logs it (Rasa, SQLAlchemy, Sanic, aiohttp, asyncio, ...):
  a log record factory rewrites each record when it is made, before any handler sees it,
  so handlers that libraries add later are covered too; the same masking also runs as a
  filter on the handlers that exist;
- switches SQL statement logging off unless OCO_LOG_SQL is set;
- filters the deprecation warnings that dependencies print at start-up;
- with OCO_LOG_FORMAT=json writes one JSON object per line (time, level, logger, message).

What is masked (:func:`redact`): e-mail addresses -> ``[e-mail]``; phone numbers (9 or
more digits, with spaces, dashes or brackets, also inside ``whatsapp:31612345678``) ->
``[telefoon]``; the query parameters of SQLAlchemy errors and the DETAIL line of
PostgreSQL errors (they hold conversation ids and message texts) -> ``verborgen``; the
value of message-like fields (``text``, ``message``, ``value``, ``name``, ...) in JSON or
Python reprs -> ``[tekst]``. A log line keeps what a maintainer needs: which logger, which
error type, which table, which URL path.
"""

from __future__ import annotations

import json
import logging
import os
import re
import traceback
import warnings
from datetime import datetime, timezone
from typing import Any, Callable

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 9-15 digits, optionally starting with + or 00, separated by at most one space, dash,
# slash or bracket; not part of a longer word, decimal number, IP address or reference
# (OCO-2026-00042).
_PHONE_RE = re.compile(r"(?<![\w.-])(?:\+|00)?\d(?:[ \t()/-]{0,2}\d){8,14}(?![\w]|\.\d)")
_DATE_RE = re.compile(r"(?:19|20)\d\d-[01]\d-[0-3]\d")
_SQL_RE = re.compile(r"\[SQL: [^\]]*\]")
_SQL_PARAMETERS_RE = re.compile(r"\[parameters: [^\n]*")
_PG_DETAIL_RE = re.compile(r"(DETAIL|Failing row contains)[: ][^\n]*")
# Quoted values of fields that carry what residents wrote.
_TEXT_KEYS = (
    "text|message|body|value|name|contact_name|contact_email|contact_phone|email|phone|"
    "summary|situation|preferred_time|user_text|response_text|user_message|data|title"
)
_FIELD_RE = re.compile(
    r"""(?P<key>(?P<kq>["'])(?:""" + _TEXT_KEYS + r""")(?P=kq)\s*:\s*)(?P<q>["'])(?:\\.|(?!(?P=q)).)*(?P=q)""",
    re.DOTALL,
)
# Rasa's own phrasings (debug level) that quote the message.
_RASA_TEXT_RES = (
    re.compile(r"(user message ')(?:\\.|[^'])*(')", re.IGNORECASE),
    re.compile(r"(UserUttered\(text: ).*?(, intent:)", re.DOTALL),
    re.compile(r"(SlotSet\(key: [\w.-]+, value: ).*?(\))", re.DOTALL),
    re.compile(r"(BotUttered\(text: ).*?(, data:)", re.DOTALL),
)

_installed = False
_previous_factory: Callable[..., logging.LogRecord] | None = None
SQL_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool")
# Warnings dependencies print at import time; the same list goes into PYTHONWARNINGS for
# the child processes (bot/ops/processes.py), which also covers imports before install().
WARNING_FILTERS = (
    "ignore::DeprecationWarning",
    "ignore::PendingDeprecationWarning",
    "ignore::FutureWarning",
    "ignore::ImportWarning",
)


def redact(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and message texts masked."""
    if not text:
        return text
    text = _SQL_RE.sub(lambda m: " ".join(m.group(0).split()), text)  # one line per statement
    text = _SQL_PARAMETERS_RE.sub("[parameters: verborgen]", text)
    text = _PG_DETAIL_RE.sub(r"\1: verborgen", text)
    text = _FIELD_RE.sub(lambda m: f"{m.group('key')}{m.group('q')}[tekst]{m.group('q')}", text)
    for pattern in _RASA_TEXT_RES:
        text = pattern.sub(r"\1[tekst]\2", text)
    text = _EMAIL_RE.sub("[e-mail]", text)
    return _PHONE_RE.sub(_phone_or_date, text)


def _phone_or_date(match: re.Match[str]) -> str:
    """A date such as 2026-11-22 inside the digits: not a phone number, keep it."""
    return match.group(0) if _DATE_RE.search(match.group(0)) else "[telefoon]"


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite a record in place: message, exception text and stack masked (once)."""
    if getattr(record, "_oco_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # wrong arguments for the format string: keep the format only
        message = str(record.msg)
    record.msg, record.args = redact(message), ()
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for field in ("request", "host"):  # Sanic's access log extras
        value = record.__dict__.get(field)
        if isinstance(value, str):
            record.__dict__[field] = redact(value)
    record._oco_redacted = True  # type: ignore[attr-defined]
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal data (see :func:`redact`); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC ISO 8601), ``level``, ``logger``, ``message``
    and, for errors, ``exception`` (the masked traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        redact_record(record)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def _all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    found: list[logging.Handler] = []
    for logger in loggers:
        for handler in logger.handlers:
            if handler not in found:
                found.append(handler)
    if logging.lastResort is not None and logging.lastResort not in found:
        found.append(logging.lastResort)
    return found


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def quiet_sql(log_sql: bool | None = None) -> None:
    """SQL statements are logged only when OCO_LOG_SQL is set (issue 13, item 15).

    Off: every ``sqlalchemy.engine``/``sqlalchemy.pool`` logger at WARNING (errors still
    show). On: ``sqlalchemy.engine`` at INFO, so every engine logs its statements (values
    masked by :func:`redact`; the product's own engines hide bound values altogether).
    """
    if log_sql is None:
        log_sql = _env_true("OCO_LOG_SQL")
    manager = logging.Logger.manager
    names = [n for n in list(manager.loggerDict) if n.startswith(("sqlalchemy.engine", "sqlalchemy.pool"))]
    for name in {*names, *SQL_LOGGERS}:
        logger = logging.getLogger(name)
        if log_sql:
            if name == "sqlalchemy.engine" or name.startswith("sqlalchemy.engine.Engine"):
                logger.setLevel(logging.INFO)
        elif logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def filter_warnings() -> None:
    """Hide the deprecation warnings of dependencies (start-up noise; issue 13, item 15)."""
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning):
        warnings.filterwarnings("ignore", category=category)


def use_json_lines() -> None:
    """Every handler of the process writes JSON lines (OCO_LOG_FORMAT=json)."""
    formatter = JsonFormatter()
    for handler in _all_handlers():
        handler.setFormatter(formatter)


def install(json_lines: bool | None = None, log_sql: bool | None = None) -> None:
    """Mask personal data in every log record of this process; idempotent.

    Also: SQL statement logging off unless OCO_LOG_SQL, dependency warnings filtered,
    JSON lines when OCO_LOG_FORMAT=json (each read from the environment when None).
    """
    global _installed, _previous_factory
    if not _installed:
        _installed = True
        _previous_factory = previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        filter_warnings()
    redacting = RedactingFilter()
    for handler in _all_handlers():
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    quiet_sql(log_sql)
    if json_lines is None:
        json_lines = os.environ.get("OCO_LOG_FORMAT", "").strip().lower() == "json"
    if json_lines:
        use_json_lines()


def uninstall() -> None:
    """Undo :func:`install` (tests only)."""
    global _installed
    if _installed and _previous_factory is not None:
        logging.setLogRecordFactory(_previous_factory)
    for handler in _all_handlers():
        for found in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(found)
    _installed = False


def configure_process_logging(level: int = logging.INFO) -> None:
    """A plain stderr handler for our own processes (action server, web app), then install().

    Text: ``2026-11-22 08:50:00,123 INFO bot.webapp: ...``; JSON lines with OCO_LOG_FORMAT=json.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    install()
