"""Which Dutch spaCy pipeline the assistant uses, and how it gets installed.

The official ``nl_core_news_sm`` 3.4.0 is published only as a GitHub release. Setup tries
to install it from the pinned release URL. When that cannot be downloaded (no internet, as
on the project's CI machines) we build a small local Dutch pipeline instead: spaCy's Dutch
tokenizer plus the lookup lemmatizer from ``spacy-lookups-data``. It is saved under its own
name, ``nl_oco_basis``, so nobody mistakes it for the official model.

Usage: ``python -m bot.ops.spacy_model setup`` (install or build) and
``python -m bot.ops.spacy_model which`` (print the model in use).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.paths import VAR_DIR

logger = logging.getLogger(__name__)

OFFICIAL_MODEL = "nl_core_news_sm"
OFFICIAL_VERSION = "3.4.0"
OFFICIAL_URL = (
    "https://github.com/explosion/spacy-models/releases/download/"
    f"{OFFICIAL_MODEL}-{OFFICIAL_VERSION}/{OFFICIAL_MODEL}-{OFFICIAL_VERSION}-py3-none-any.whl"
)
FALLBACK_NAME = "nl_oco_basis"
FALLBACK_DIR = VAR_DIR / "spacy" / FALLBACK_NAME
# Set to a package name or a path to force a model (e.g. a larger official one).
MODEL_ENV = "OCO_SPACY_MODEL"
OFFLINE_ENV = "OCO_SPACY_OFFLINE"


@dataclass(frozen=True)
class ModelChoice:
    """The spaCy pipeline to load and a plain description for logs and banners."""

    load_name: str
    official: bool
    description: str


def official_model_installed() -> bool:
    import spacy.util

    return bool(spacy.util.is_package(OFFICIAL_MODEL))


def build_fallback(target: Path = FALLBACK_DIR) -> Path:
    """Build the local Dutch pipeline (tokenizer + lookup lemmatizer) at ``target``."""
    import spacy

    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the Dutch lookup table from spacy-lookups-data
    nlp.meta["name"] = FALLBACK_NAME.removeprefix("nl_")
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = (
        "Lokale Nederlandse basis-pipeline van de OCO-wegwijzer: spaCy-tokenizer en "
        "lookup-lemmatizer (spacy-lookups-data). Geen woordvectoren. Vervangt "
        f"{OFFICIAL_MODEL} alleen als dat niet te downloaden is."
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def resolve_model() -> ModelChoice:
    """Pick the pipeline: an explicit override, the official model, else the local fallback."""
    override = os.environ.get(MODEL_ENV, "").strip()
    if override:
        return ModelChoice(override, override == OFFICIAL_MODEL, f"{override} (via {MODEL_ENV})")
    if official_model_installed():
        return ModelChoice(
            OFFICIAL_MODEL, True, f"{OFFICIAL_MODEL} {OFFICIAL_VERSION} (officieel spaCy-model)"
        )
    if not (FALLBACK_DIR / "meta.json").exists():
        build_fallback()
    return ModelChoice(
        str(FALLBACK_DIR),
        False,
        f"{FALLBACK_NAME} (lokale terugvaloptie: spaCy-tokenizer + lookup-lemmatizer, "
        f"want {OFFICIAL_MODEL} is niet geïnstalleerd)",
    )


def try_install_official(timeout_s: int = 60) -> bool:
    """Try ``pip install`` of the pinned official release; False when it cannot be fetched."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
        "--timeout", "10", "--retries", "0", OFFICIAL_URL,
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def setup() -> ModelChoice:
    """Install the official model when possible, otherwise build the fallback."""
    if not official_model_installed() and os.environ.get(OFFLINE_ENV, "") not in {"1", "true"}:
        print(f"spaCy: {OFFICIAL_MODEL} {OFFICIAL_VERSION} installeren van {OFFICIAL_URL} ...")
        if try_install_official():
            print(f"spaCy: {OFFICIAL_MODEL} geïnstalleerd.")
        else:
            print(f"spaCy: {OFFICIAL_MODEL} kon niet worden gedownload; lokale terugvaloptie wordt gebouwd.")
    if not official_model_installed():
        build_fallback()
    choice = resolve_model()
    print(f"spaCy-model in gebruik: {choice.description}")
    return choice


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["setup", "which"])
    args = parser.parse_args(argv)
    if args.command == "setup":
        setup()
    else:
        print(resolve_model().description)
    return 0


if __name__ == "__main__":
    sys.exit(main())
