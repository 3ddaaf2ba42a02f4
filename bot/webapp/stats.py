"""Usage statistics for staff: /staff/dashboard, /staff/dashboard.csv and GET /api/stats.

All three show the anonymous counters of bot/ops/analytics for a period (from/to, inclusive,
Dutch calendar days) and optionally one municipality. Pages need a staff session (like
the other staff pages); the JSON API needs `Authorization: Bearer <token>` (the
administrator's OCO_STAFF_TOKEN or a staff account's token: the counts are anonymous).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from bot.domain.catalogue import SLUG_PATTERN, UNKNOWN
from bot.domain.gemeente_recognition import gemeente_naam
from bot.domain.life_domains import life_domain_label
from bot.ops.analytics import vocabulary as v
from bot.ops.analytics.charts import Chart, day_columns, horizontal_bars
from bot.ops.analytics.reducer import LOCAL_TZ
from bot.ops.analytics.store import AnalyticsStore, StatsSummary
from bot.webapp.staff_auth import call_store, render, staff_json, staff_page
from bot.webapp.staff_texts import staff_labels, staff_text

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366
EMPTY_TEXT = staff_text("stats_empty")  # texts staff read: bot/webapp/staff_texts.yml
CSV_HEADER = ("datum", "gemeente", "kanaal", "meting", "sleutel", "aantal")


class FilterError(ValueError):
    """A filter value staff can correct; the message is Dutch."""


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    gemeente: str | None

    def query(self) -> str:
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.gemeente:
            params["gemeente"] = self.gemeente
        return urlencode(params)


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def _date(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise FilterError(staff_text("stats_bad_date", name=name)) from None


def parse_filters(args: Any, now: date | None = None) -> Filters:
    """from/to/gemeente from a query string; the last 30 days by default."""
    current = now or today()
    end = _date(args.get("to"), staff_text("stats_date_to")) or current
    start = _date(args.get("from"), staff_text("stats_date_from")) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise FilterError(staff_text("stats_start_after_end"))
    if (end - start).days + 1 > MAX_DAYS:
        raise FilterError(staff_text("stats_period_too_long", max_days=MAX_DAYS))
    gemeente = (args.get("gemeente") or "").strip().lower() or None
    if gemeente and not re.fullmatch(SLUG_PATTERN, gemeente):
        raise FilterError(staff_text("stats_unknown_gemeente"))
    return Filters(start, end, gemeente)


# --- labels --------------------------------------------------------------------------


def gemeente_label(slug: str) -> str:
    if slug == UNKNOWN:
        return staff_text("stats_gemeente_unknown_label")
    return gemeente_naam(slug) or slug


def _label(group: str, key: str) -> str:
    return v.labels().get(group, {}).get(key, key)


def life_label(key: str) -> str:
    try:
        return life_domain_label(key)
    except KeyError:
        return key


def form_exit_label(key: str) -> str:
    form, _, slot = key.partition(".")
    return f"{_label('forms', form)}: {_label('slots', slot)}"


# --- the page's sections -------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A chart with the same numbers as a table next to it."""

    id: str
    title: str
    column: str
    rows: list[tuple[str, int]]
    chart: Chart


def _section(id_: str, rows: list[tuple[str, int]]) -> Section:
    words = staff_labels("stats_sections")[id_]
    return Section(id_, words["title"], words["column"], rows, horizontal_bars(rows))


def build_sections(summary: StatsSummary) -> list[Section]:
    """The dashboard's charts in reading order (empty breakdowns are left out)."""
    handover = summary.breakdown(v.HANDOVER)
    candidates = [
        ("gemeenten", [(gemeente_label(k), n) for k, n in summary.by_gemeente.items()]),
        ("kanalen", [(_label("channels", k), n) for k, n in summary.by_channel.items()]),
        ("routes", [(_label("routes", k), n) for k, n in summary.breakdown(v.ROUTES).items()]),
        ("levensgebieden",
         [(life_label(k), n) for k, n in summary.breakdown(v.LIFE_DOMAINS_METRIC).items()]),
        ("aanmelding",
         [(_label("handover", k), handover.get(k, 0)) for k in v.HANDOVER_STEPS] if handover else []),
        ("gestopt", [(form_exit_label(k), n) for k, n in summary.breakdown(v.FORM_EXITS).items()]),
        ("intenties", list(summary.breakdown(v.INTENTS).items())),
    ]
    return [_section(id_, rows) for id_, rows in candidates if rows]


def kpis(summary: StatsSummary) -> list[tuple[str, int]]:
    handover = summary.breakdown(v.HANDOVER)
    words = staff_labels("stats_kpis")
    return [
        (words["conversations"], summary.conversations),
        (words["fallbacks"], summary.totals.get(v.FALLBACKS, 0)),
        (words["crisis"], summary.totals.get(v.CRISIS, 0)),
        (words["offered"], handover.get(v.OFFERED, 0)),
        (words["completed"], handover.get(v.COMPLETED, 0)),
    ]


def csv_body(rows: list[dict[str, Any]]) -> bytes:
    """Semicolon-separated with a BOM, so Dutch Excel opens it as columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([row["day"].isoformat(), row["gemeente"], row["channel"],
                         row["metric"], row["key"], row["count"]])
    return buffer.getvalue().encode("utf-8-sig")


def _gemeente_options(request: Request, seen: list[str]) -> list[tuple[str, str]]:
    served = dict(request.app.ctx.gemeenten)
    extra = {s: gemeente_label(s) for s in seen if s not in served and s != UNKNOWN}
    options = sorted({**served, **extra}.items(), key=lambda item: item[1].lower())
    return options


# --- routes --------------------------------------------------------------------------


def create_stats_blueprint(store: AnalyticsStore) -> Blueprint:
    """The dashboard pages and GET /api/stats, reading from `store`."""
    bp = Blueprint("stats")

    @bp.get("/staff/dashboard")
    @staff_page
    async def dashboard(request: Request) -> HTTPResponse:
        error, summary, status = None, None, 200
        try:
            filters = parse_filters(request.args)
        except FilterError as exc:
            error, status = str(exc), 400
            filters = parse_filters({})
        seen: list[str] = []
        if error is None:
            try:
                summary = await call_store(store.summary, filters.start, filters.end,
                                           filters.gemeente)
                seen = await call_store(store.gemeenten)
            except Exception as exc:
                logger.warning("dashboard: statistics not available (%s)", type(exc).__name__)
                error, status = staff_text("stats_not_loaded"), 503
        return render(
            request,
            "staff/dashboard.html",
            status=status,
            filters=filters,
            error=error,
            summary=summary,
            empty_text=EMPTY_TEXT,
            kpis=kpis(summary) if summary else [],
            days_chart=day_columns(summary.per_day) if summary else None,
            day_rows=[(d.strftime("%d-%m-%Y"), n) for d, n in summary.per_day] if summary else [],
            sections=build_sections(summary) if summary else [],
            gemeente_options=_gemeente_options(request, seen),
            gemeente_name=gemeente_label(filters.gemeente) if filters.gemeente else None,
        )

    @bp.get("/staff/dashboard.csv")
    @staff_page
    async def dashboard_csv(request: Request) -> HTTPResponse:
        try:
            filters = parse_filters(request.args)
        except FilterError as exc:
            return raw(str(exc).encode(), status=400, content_type="text/plain; charset=utf-8")
        try:
            rows = await call_store(store.rows, filters.start, filters.end, filters.gemeente)
        except Exception as exc:
            logger.warning("dashboard.csv: statistics not available (%s)", type(exc).__name__)
            return raw(staff_text("stats_not_loaded").encode(), status=503,
                       content_type="text/plain; charset=utf-8")
        name = f"oco-statistieken_{filters.start}_{filters.end}"
        name += f"_{filters.gemeente}.csv" if filters.gemeente else ".csv"
        return raw(
            csv_body(rows),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @bp.get("/api/stats")
    @staff_json
    async def api_stats(request: Request) -> HTTPResponse:
        try:
            filters = parse_filters(request.args)
        except FilterError as exc:
            return json({"error": "bad_request", "detail": str(exc)}, status=400)
        try:
            summary = await call_store(store.summary, filters.start, filters.end,
                                       filters.gemeente)
        except Exception as exc:
            logger.warning("api/stats: statistics not available (%s)", type(exc).__name__)
            return json({"error": "unavailable"}, status=503)
        return json(summary.as_dict())

    return bp
