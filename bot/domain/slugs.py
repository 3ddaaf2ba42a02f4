"""Municipality slugs (docs/contract.md §5): lower case words joined by hyphens, e.g. schouwen-duiveland."""

from __future__ import annotations

import re
from typing import Any

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
MAX_SLUG_LENGTH = 64


def is_slug(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_SLUG_LENGTH and bool(SLUG_RE.match(value))


def clean_slug(value: Any) -> str | None:
    """The value as a slug (trimmed, lower case) when it has the form of one, else None."""
    if not isinstance(value, str):
        return None
    slug = value.strip().lower()
    return slug if is_slug(slug) else None
