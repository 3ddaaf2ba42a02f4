"""The municipal catalogue: one YAML file per municipality under data/gemeenten/.

Each file is checked against the schema in docs/catalogue.md when it is loaded. A broken
file raises `CatalogueError` naming the file and the field path, so a maintainer sees at
once what to fix. Run `python -m bot.domain.catalogue` to check every file.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, Extra, Field, ValidationError, root_validator, validator

from bot.domain.life_domains import LIFE_DOMAINS
from bot.domain.slugs import SLUG_PATTERN
from bot.paths import DATA_DIR, PROJECT_ROOT

CATALOGUE_DIR = DATA_DIR / "gemeenten"
TEXTS_FILE = "_teksten.yml"
UNKNOWN = "onbekend"
CONTACT_FIELDS: tuple[str, ...] = ("telefoon", "email", "website", "adres", "openingstijden")
# Resident-facing texts address the resident with "u"; these words betray the "je"-form.
_INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie)\b", re.IGNORECASE)


class CatalogueError(ValueError):
    """A catalogue file is missing, unreadable or does not follow the schema."""


def _is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == UNKNOWN


def _clean_text(value: str) -> str:
    return " ".join(value.split())


@lru_cache(maxsize=1)
def catalogue_texts() -> dict[str, Any]:
    """The display texts in data/gemeenten/_teksten.yml."""
    with (CATALOGUE_DIR / TEXTS_FILE).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class Organisation(BaseModel):
    """An OCO provider, a wijkteam or another local organisation."""

    id: str = Field(..., regex=SLUG_PATTERN)
    naam: str
    naam_bekend: bool = True
    lidwoord: Literal["de", "het"] | None = None
    omschrijving: str
    levensgebieden: list[str]
    doelgroep: str
    telefoon: str | None = Field(...)
    email: str | None = Field(...)
    website: str | None = Field(...)
    adres: str | None = Field(...)
    openingstijden: str | None = Field(...)
    alleen_via_professional: bool = False

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    @root_validator(pre=True)
    def _unknown_name(cls, values: dict[str, Any]) -> dict[str, Any]:
        if "naam_bekend" in values:
            raise ValueError("naam_bekend is computed; use naam: onbekend instead")
        if _is_unknown(values.get("naam")):
            values = dict(values)
            values["naam"] = catalogue_texts()["onbekende_wijkteam_naam"]
            values["naam_bekend"] = False
        return values

    @validator("naam", "omschrijving", "doelgroep")
    def _text(cls, value: str) -> str:
        value = _clean_text(value)
        if not value:
            raise ValueError("must not be empty")
        return value

    @validator("omschrijving", "doelgroep")
    def _u_form(cls, value: str) -> str:
        if _INFORMAL.search(value):
            raise ValueError("address the resident with 'u', not 'je/jij/jouw'")
        return value

    @validator("levensgebieden")
    def _domains(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one life domain")
        for domain in value:
            if domain not in LIFE_DOMAINS:
                allowed = ", ".join(LIFE_DOMAINS)
                raise ValueError(f"unknown life domain {domain!r}; allowed: {allowed}")
        if len(set(value)) != len(value):
            raise ValueError("duplicate life domain")
        return value

    @validator(*CONTACT_FIELDS, pre=True)
    def _contact(cls, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError(f"empty; give a value from a seed text or the literal '{UNKNOWN}'")
        if not isinstance(value, str):
            raise ValueError(f"must be text or '{UNKNOWN}'")
        if _is_unknown(value):
            return None
        return value.strip()

    @validator("telefoon")
    def _phone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                number = phonenumbers.parse(value, "NL")
            except phonenumbers.NumberParseException as exc:
                raise ValueError(f"not a phone number: {exc}") from None
            if not phonenumbers.is_valid_number(number):
                raise ValueError("not a valid phone number")
        return value

    @validator("email")
    def _email(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError as exc:
                raise ValueError(f"not an e-mail address: {exc}") from None
            return value.lower()
        return value

    @validator("website")
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            raise ValueError("must be a full address starting with https://")
        return value

    @property
    def naam_in_zin(self) -> str:
        """The name as it reads inside a sentence: "het Sociaal Wijkteam Dordrecht"."""
        if not self.naam_bekend:
            return catalogue_texts()["onbekende_wijkteam_naam_in_zin"]
        return f"{self.lidwoord} {self.naam}" if self.lidwoord else self.naam

    @property
    def telefoon_e164(self) -> str | None:
        """The phone number in E.164 (for tel: links), or None when unknown."""
        if self.telefoon is None:
            return None
        number = phonenumbers.parse(self.telefoon, "NL")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def known_contacts(self) -> dict[str, str]:
        """The contact fields that are known, in display order."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS if getattr(self, name)}

    def contact_line(self) -> str:
        """One Dutch sentence with the known contact details, or plainly that they are unknown."""
        texts = catalogue_texts()["contact"]
        known = self.known_contacts()
        if not known:
            return texts["onbekend"].format(naam=self.naam_in_zin)
        details = ", ".join(texts[name].format(waarde=value) for name, value in known.items())
        return texts["regel"].format(naam=self.naam_in_zin, gegevens=details)


class Municipality(BaseModel):
    """One municipality's catalogue entry (data/gemeenten/<slug>.yml)."""

    schema_version: Literal[1]
    slug: str = Field(..., regex=SLUG_PATTERN)
    naam: str
    regio: str | None = None
    bronnen: list[str] = Field(..., min_items=1)
    intake_email: str | None = Field(...)
    oco: list[Organisation] = Field(..., min_items=1)
    wijkteam: Organisation
    organisaties: list[Organisation] = Field(default_factory=list)

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    @validator("intake_email", pre=True)
    def _intake_email(cls, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"give an e-mail address or the literal '{UNKNOWN}'")
        if _is_unknown(value):
            return None
        try:
            validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"not an e-mail address: {exc}") from None
        return value.strip().lower()

    @validator("bronnen", each_item=True)
    def _source(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @validator("oco", "organisaties", each_item=True)
    def _named(cls, value: Organisation) -> Organisation:
        if not value.naam_bekend:
            raise ValueError(f"naam may only be '{UNKNOWN}' for the wijkteam")
        return value

    @root_validator(skip_on_failure=True)
    def _unique_ids(cls, values: dict[str, Any]) -> dict[str, Any]:
        seen: set[str] = set()
        for org in [*values["oco"], values["wijkteam"], *values["organisaties"]]:
            if org.id in seen:
                raise ValueError(f"organisation id {org.id!r} is used twice")
            seen.add(org.id)
        return values

    @property
    def oco_by_phone(self) -> Organisation | None:
        """The first OCO provider with a known phone number: the resident's phone route."""
        return next((org for org in self.oco if org.telefoon), None)

    def all_organisations(self) -> list[Organisation]:
        """OCO providers, wijkteam and other organisations, in that order."""
        return [*self.oco, self.wijkteam, *self.organisaties]

    def organisations_for(self, life_domain: str) -> list[Organisation]:
        """Local organisations residents can contact themselves for one life domain."""
        return [
            org for org in self.organisaties if life_domain in org.levensgebieden and not org.alleen_via_professional
        ]


class Catalogue:
    """All municipalities, by slug."""

    def __init__(self, municipalities: dict[str, Municipality]) -> None:
        self._municipalities = dict(sorted(municipalities.items()))

    def get(self, slug: str) -> Municipality | None:
        return self._municipalities.get(slug)

    def slugs(self) -> list[str]:
        return list(self._municipalities)

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self._municipalities.values())

    def __len__(self) -> int:
        return len(self._municipalities)

    def __contains__(self, slug: object) -> bool:
        return slug in self._municipalities


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if item == "__root__":
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(file)"


def load_municipality(path: Path) -> Municipality:
    """Read and check one catalogue file; raise CatalogueError naming file and field."""
    shown = _display_path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as exc:
        raise CatalogueError(f"{shown}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{shown}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise CatalogueError(f"{shown}: (file): must be a mapping of fields")
    try:
        municipality = Municipality.parse_obj(raw)
    except ValidationError as exc:
        lines = [f"{shown}: {_field_path(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise CatalogueError("\n".join(lines)) from None
    if municipality.slug != path.stem:
        raise CatalogueError(f"{shown}: slug: {municipality.slug!r} must equal the file name {path.stem!r}")
    return municipality


def municipality_files(directory: Path) -> list[Path]:
    """The municipality files in a directory (files starting with '_' are not municipalities)."""
    return sorted(p for p in directory.glob("*.yml") if not p.name.startswith("_"))


def _load(directory: Path) -> Catalogue:
    if not directory.is_dir():
        raise CatalogueError(f"{_display_path(directory)}: catalogue directory not found")
    municipalities = {}
    for path in municipality_files(directory):
        municipality = load_municipality(path)
        municipalities[municipality.slug] = municipality
    return Catalogue(municipalities)


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    return _load(CATALOGUE_DIR)


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """The catalogue in `directory`, or the project's own one (loaded once and cached)."""
    if directory is None:
        return _default_catalogue()
    return _load(Path(directory))


def resolve(slug: object) -> Municipality | None:
    """The catalogue entry of a municipality this deployment serves, else None.

    The one served-check of the project: None for no slug, for anything that is not a
    string, for "onbekend" and for a real municipality without its own catalogue file.
    """
    if not isinstance(slug, str) or not slug:
        return None
    return load_catalogue().get(slug)


def is_served(slug: object) -> bool:
    """True when `slug` has its own catalogue file (`resolve(slug)` is not None)."""
    return resolve(slug) is not None


def main(argv: list[str] | None = None) -> int:
    """CLI: check every catalogue file and print a short summary."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else CATALOGUE_DIR
    try:
        catalogue = _load(directory)
    except CatalogueError as exc:
        print(f"FOUT in de catalogus:\n{exc}", file=sys.stderr)
        return 1
    for m in catalogue:
        oco = ", ".join(org.naam for org in m.oco)
        print(
            f"{m.slug}: {m.naam} | OCO: {oco} | wijkteam: {m.wijkteam.naam} | "
            f"{len(m.organisaties)} organisaties | intake_email: {m.intake_email or UNKNOWN}"
        )
    print(f"{len(catalogue)} gemeenten gecontroleerd, geen fouten.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
