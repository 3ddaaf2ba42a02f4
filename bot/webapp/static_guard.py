"""A guard in front of Sanic's static file route: 404 instead of a 500 for odd paths.

Sanic 21.12 answers 500 for `GET /static/` (a folder) and for a NUL byte in the path
(issue 13, item 12). The guard answers 404 for every /static path that is not a plain
file inside the static folder, before the static handler sees it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from sanic import Request, Sanic
from sanic.response import HTTPResponse, text

from bot.webapp.staff_texts import staff_text

NOT_FOUND_TEXT = staff_text("not_found")


def static_file(static_dir: Path, prefix: str, request_path: str) -> Path | None:
    """The file a request path names inside `static_dir`, or None when it is no such file."""
    relative = unquote(request_path[len(prefix):]).lstrip("/")
    if not relative or not relative.isprintable() or "\\" in relative:
        return None
    root = static_dir.resolve()
    try:
        candidate = (root / relative).resolve()
        inside = root in candidate.parents and candidate.is_file()
    except (OSError, ValueError, RuntimeError):  # too long, NUL byte, symlink loop, ...
        return None
    return candidate if inside else None


def install_static_guard(app: Sanic, static_dir: Path, prefix: str = "/static") -> None:
    """Answer 404 for /static paths that are not a file in `static_dir`."""

    @app.on_request
    async def _guard_static(request: Request) -> HTTPResponse | None:
        path = request.path
        if path == prefix or path.startswith(prefix + "/"):
            if static_file(static_dir, prefix, path) is None:
                return text(NOT_FOUND_TEXT, status=404)
        return None
