"""Shared Jinja2 rendering for the static HTML reports (autoescape on, no external files)."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def environment() -> Environment:
    """Templates of bot/ops/reports/templates with autoescape for .html."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = lambda value: "–" if value is None else f"{value * 100:.1f}%".replace(".", ",")
    env.filters["decimal"] = lambda value: "–" if value is None else f"{value:.2f}".replace(".", ",")
    return env


def png_data_uri(path: Path) -> str | None:
    """A PNG file as a data: URI, so the report is one self-contained file."""
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def write_report(template: str, out: Path, **context: Any) -> Path:
    """Render `template` to `out` (creating the folder)."""
    generated = datetime.now(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")
    page = environment().get_template(template).render(generated=generated, **context)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
