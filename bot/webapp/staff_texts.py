"""Staff-facing texts of the web app, from staff_texts.yml (issue 15: no Dutch text in Python).

``staff_text("wrong_code")`` gives a message, ``staff_text("throttled", minutes="1 minuut")``
fills its placeholders; ``staff_labels("delivery")`` gives a mapping of stored values to
labels. A missing key raises KeyError. bot/webapp/staff_format.py checks at import that the
label mappings name exactly the values of their vocabulary.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

STAFF_TEXTS_FILE = Path(__file__).with_name("staff_texts.yml")


@lru_cache(maxsize=1)
def staff_texts() -> dict[str, Any]:
    """Every entry of staff_texts.yml, read once."""
    with STAFF_TEXTS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def staff_text(key: str, **values: object) -> str:
    """The text `key`, with ``{name}`` placeholders filled from `values` (none: as written)."""
    text = staff_texts()[key]
    if not isinstance(text, str):
        raise KeyError(f"{key} is no text in {STAFF_TEXTS_FILE.name}")
    return text.format(**values) if values else text


def staff_labels(key: str) -> dict[str, Any]:
    """The mapping `key` (stored value or id -> label) of staff_texts.yml."""
    labels = staff_texts()[key]
    if not isinstance(labels, dict):
        raise KeyError(f"{key} is no mapping in {STAFF_TEXTS_FILE.name}")
    return dict(labels)

