"""Plain text helpers shared by the domain modules: normalising, splitting into words, joining.

Pure functions, no data files. ``normalise_text`` is the one folding every keyword net
(life domains, answers, gemeente recognition, the dialogue readers) applies to both its
keywords and the resident's text, so the two always meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")

AND = "en"  # "A, B en C"
OR = "of"  # "A, B of C"


def normalise_text(text: str) -> str:
    """Lower case, accents removed, apostrophes dropped, other punctuation as spaces.

    "Cliënt-ondersteuning, m'n MOEDER!" -> "client ondersteuning mn moeder".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped.lower())
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def tokenise(text: str) -> list[str]:
    """The normalised words of `text` ("M'n moeder!" -> ["mn", "moeder"])."""
    return normalise_text(text).split()


def join_dutch(items: Iterable[str], conjunction: str = AND) -> str:
    """Items as a Dutch list: "A", "A en B", "A, B en C" ("" for none).

    `conjunction` is the word before the last item: ``AND`` ("en") or ``OR`` ("of").
    Dutch writes no comma before it.
    """
    names = list(items)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
