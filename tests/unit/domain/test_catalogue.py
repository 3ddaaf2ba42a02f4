"""The municipal catalogue: data files, schema checks, error messages, CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
import yaml

from bot.domain.catalogue import (
    CATALOGUE_DIR,
    CONTACT_FIELDS,
    UNKNOWN,
    CatalogueError,
    load_catalogue,
    load_municipality,
    main,
    municipality_files,
)
from bot.domain.life_domains import LIFE_DOMAINS
from bot.paths import DATA_DIR, PROJECT_ROOT

# The municipalities of the project's seeds; a new file in data/gemeenten/ needs no edit here.
SERVED = ["almere", "dordrecht", "papendrecht", "schouwen-duiveland"]
# The seeds live in shared/ beside the clone (as on CI); OCO_SEEDS_DIR overrides.
SEEDS_DIR = Path(os.environ.get("OCO_SEEDS_DIR", PROJECT_ROOT.parent / "shared" / "seeds"))
# Top-level keys that would make Rasa read a YAML file under data/ as training data.
RASA_KEYS = {"version", "nlu", "rules", "stories", "responses", "intents", "entities", "slots"}


def _raw(slug: str) -> dict:
    return yaml.safe_load((CATALOGUE_DIR / f"{slug}.yml").read_text(encoding="utf-8"))


def _seed_text() -> str:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed texts not available in {SEEDS_DIR}")
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt")))


def _copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "gemeenten"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def _rewrite(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_served_municipalities_load():
    catalogue = load_catalogue()
    assert set(SERVED) <= set(catalogue.slugs())
    assert catalogue.slugs() == sorted(catalogue.slugs())
    for slug in catalogue.slugs():
        municipality = catalogue.get(slug)
        assert municipality is not None and municipality.slug == slug
        assert municipality.oco, "every municipality needs an OCO provider"
        assert municipality.bronnen
    assert catalogue.get("utrecht") is None
    assert "almere" in catalogue and len(catalogue) == len(catalogue.slugs())


def test_default_catalogue_is_loaded_once():
    assert load_catalogue() is load_catalogue()


def test_every_file_states_every_contact_field_explicitly():
    for path in municipality_files(CATALOGUE_DIR):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        orgs = [*raw["oco"], raw["wijkteam"], *raw.get("organisaties", [])]
        for org in orgs:
            for name in CONTACT_FIELDS:
                assert name in org, f"{path.name}: {org['id']}.{name} missing"
        assert "intake_email" in raw


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_contact_details_come_only_from_the_seeds():
    seeds = " ".join(_seed_text().split())
    seed_phones = {_e164(m.number) for m in phonenumbers.PhoneNumberMatcher(seeds, "NL")}
    assert seed_phones, "the seeds contain phone numbers"
    for path in municipality_files(CATALOGUE_DIR):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for org in [*raw["oco"], raw["wijkteam"], *raw.get("organisaties", [])]:
            for name in CONTACT_FIELDS:
                value = str(org[name])
                where = f"{path.name}: {org['id']}.{name}={value!r} is not in a seed"
                if value == UNKNOWN:
                    continue
                if name == "telefoon":
                    assert _e164(phonenumbers.parse(value, "NL")) in seed_phones, where
                else:
                    assert value in seeds, where
        assert raw["intake_email"] == UNKNOWN or raw["intake_email"] in seeds


def test_sources_name_existing_seed_files():
    _seed_text()
    for municipality in load_catalogue():
        for source in municipality.bronnen:
            assert (SEEDS_DIR / source).is_file(), f"{municipality.slug}: unknown source {source}"


def test_almere_phone_numbers_from_the_seed():
    almere = load_catalogue().get("almere")
    by_id = {org.id: org for org in almere.oco}
    assert set(by_id) == {"oco-almere", "mee-ijsseloevers"}
    assert by_id["oco-almere"].telefoon_e164 == "+31362002158"
    assert by_id["mee-ijsseloevers"].telefoon_e164 == "+31886330633"
    assert by_id["oco-almere"].email is None  # hidden in the seed
    line = by_id["oco-almere"].contact_line()
    assert "036 - 200 21 58" in line and "OCO Almere" in line
    assert by_id["oco-almere"].known_contacts() == {"telefoon": "036 - 200 21 58"}


def test_unknown_contacts_are_said_plainly():
    mee_plus = load_catalogue().get("dordrecht").oco[0]
    assert mee_plus.known_contacts() == {}
    assert mee_plus.telefoon is None and mee_plus.telefoon_e164 is None
    assert "nog niet" in mee_plus.contact_line()
    assert "MEE Plus" in mee_plus.contact_line()


def test_unknown_wijkteam_name_becomes_uw_gemeente():
    assert _raw("schouwen-duiveland")["wijkteam"]["naam"] == UNKNOWN
    wijkteam = load_catalogue().get("schouwen-duiveland").wijkteam
    assert not wijkteam.naam_bekend
    assert "uw gemeente" in wijkteam.naam and "uw gemeente" in wijkteam.naam_in_zin
    assert wijkteam.naam_in_zin[0].islower()
    assert "uw gemeente" in wijkteam.contact_line()


def test_known_names_take_their_article_in_a_sentence():
    dordrecht = load_catalogue().get("dordrecht")
    assert dordrecht.wijkteam.naam_bekend
    assert dordrecht.wijkteam.naam_in_zin == f"het {dordrecht.wijkteam.naam}"
    assert load_catalogue().get("papendrecht").wijkteam.naam_in_zin == "Sterk Papendrecht"


def test_providers_named_by_the_seeds():
    catalogue = load_catalogue()
    assert [o.naam for o in catalogue.get("papendrecht").oco] == ["MEEplus"]
    assert catalogue.get("papendrecht").wijkteam.naam == "Sterk Papendrecht"
    assert [o.naam for o in catalogue.get("dordrecht").oco] == ["MEE Plus"]
    assert [o.naam for o in catalogue.get("schouwen-duiveland").oco] == ["SMWO"]
    names = {o.naam for o in catalogue.get("dordrecht").organisaties}
    for expected in ("Financieel Hulphuis", "Bureau Sociaal Raadslieden", "Buddyzorg", "Radar"):
        assert expected in names
    assert all(m.intake_email is None for m in catalogue)


def test_every_domain_is_valid_and_oco_covers_all_domains():
    for municipality in load_catalogue():
        for org in municipality.all_organisations():
            assert set(org.levensgebieden) <= set(LIFE_DOMAINS)
        covered = {d for org in municipality.oco for d in org.levensgebieden}
        assert covered == set(LIFE_DOMAINS)


def test_organisations_for_skips_referral_only_teams():
    dordrecht = load_catalogue().get("dordrecht")
    referral_only = [o for o in dordrecht.organisaties if o.alleen_via_professional]
    assert referral_only
    for domain in LIFE_DOMAINS:
        shown = dordrecht.organisations_for(domain)
        assert all(domain in o.levensgebieden for o in shown)
        assert not any(o.alleen_via_professional for o in shown)
    assert "geld" in referral_only[0].levensgebieden


def test_no_catalogue_file_looks_like_rasa_training_data():
    mine = [
        *CATALOGUE_DIR.glob("*.yml"),
        DATA_DIR / "gemeenten_nl.yml",
        DATA_DIR / "routing.yml",
        DATA_DIR / "life_domains.yml",
        DATA_DIR / "safety.yml",
    ]
    for path in mine:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(raw, dict)
        assert not (set(raw) & RASA_KEYS), f"{path.name} has Rasa keys {set(raw) & RASA_KEYS}"


# --- error messages name the file and the field --------------------------------------------


@pytest.mark.parametrize(
    ("slug", "change", "field_path"),
    [
        ("almere", lambda d: d["oco"][0].update(telefoon="12345"), "oco[0].telefoon"),
        ("almere", lambda d: d["oco"][1].update(email="geen-adres"), "oco[1].email"),
        ("almere", lambda d: d["oco"][0].pop("website"), "oco[0].website"),
        ("almere", lambda d: d["oco"][0].update(adres=None), "oco[0].adres"),
        (
            "dordrecht",
            lambda d: d["organisaties"][2].update(levensgebieden=["sport"]),
            "organisaties[2].levensgebieden",
        ),
        ("dordrecht", lambda d: d["wijkteam"].update(omschrijving="Bel je wijkteam."), "wijkteam.omschrijving"),
        ("dordrecht", lambda d: d["organisaties"][0].update(website="www.x"), "organisaties[0].website"),
        ("papendrecht", lambda d: d["oco"][0].update(naam="onbekend"), "oco[0]"),
        ("papendrecht", lambda d: d.update(intake_email=""), "intake_email"),
        ("papendrecht", lambda d: d.update(bronnen=[]), "bronnen"),
        ("papendrecht", lambda d: d.update(oco=[]), "oco"),
        ("papendrecht", lambda d: d.update(extra_veld=1), "extra_veld"),
        ("papendrecht", lambda d: d["wijkteam"].update(id="Sterk Papendrecht"), "wijkteam.id"),
        ("schouwen-duiveland", lambda d: d.update(schema_version=2), "schema_version"),
    ],
)
def test_invalid_field_is_named(tmp_path, slug, change, field_path):
    directory = _copy_catalogue(tmp_path)
    _rewrite(directory / f"{slug}.yml", change)
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(directory)
    message = str(excinfo.value)
    assert f"{slug}.yml: {field_path}" in message


def test_a_valid_value_passes_the_same_checks(tmp_path):
    directory = _copy_catalogue(tmp_path)

    def fill_in(data):
        data["oco"][0].update(email="Team@Example.org", website="https://example.org/oco")
        data["intake_email"] = "oco@example.org"

    _rewrite(directory / "papendrecht.yml", fill_in)
    papendrecht = load_catalogue(directory).get("papendrecht")
    assert papendrecht.intake_email == "oco@example.org"
    assert papendrecht.oco[0].email == "team@example.org"
    assert "https://example.org/oco" in papendrecht.oco[0].contact_line()


def test_duplicate_ids_are_refused(tmp_path):
    directory = _copy_catalogue(tmp_path)
    _rewrite(directory / "dordrecht.yml", lambda d: d["organisaties"][1].update(id="mee-plus"))
    with pytest.raises(CatalogueError, match=r"dordrecht\.yml: .*mee-plus"):
        load_catalogue(directory)


def test_slug_must_match_file_name(tmp_path):
    directory = _copy_catalogue(tmp_path)
    shutil.copy(directory / "almere.yml", directory / "lelystad.yml")
    with pytest.raises(CatalogueError, match=r"lelystad\.yml: slug"):
        load_catalogue(directory)


def test_broken_yaml_and_missing_directory(tmp_path):
    directory = _copy_catalogue(tmp_path)
    (directory / "almere.yml").write_text("slug: [almere\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"almere\.yml: not valid YAML"):
        load_catalogue(directory)
    (directory / "almere.yml").write_text("- een lijst\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"almere\.yml: \(file\)"):
        load_catalogue(directory)
    with pytest.raises(CatalogueError, match="not found"):
        load_catalogue(tmp_path / "bestaat-niet")


def test_adding_a_municipality_is_adding_a_file(tmp_path):
    directory = _copy_catalogue(tmp_path)

    def as_lelystad(data):
        data.update(slug="lelystad", naam="Lelystad")

    shutil.copy(directory / "papendrecht.yml", directory / "lelystad.yml")
    _rewrite(directory / "lelystad.yml", as_lelystad)
    catalogue = load_catalogue(directory)
    assert "lelystad" in catalogue.slugs()
    assert load_municipality(directory / "lelystad.yml").naam == "Lelystad"


def test_cli_summary_and_exit_codes(tmp_path, capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for slug in SERVED:
        assert slug in out
    directory = _copy_catalogue(tmp_path)
    _rewrite(directory / "almere.yml", lambda d: d["oco"][0].update(telefoon="0"))
    assert main([str(directory)]) == 1
    assert "almere.yml: oco[0].telefoon" in capsys.readouterr().err


def test_cli_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "bot.domain.catalogue"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "4 gemeenten" in result.stdout


def test_phone_route_is_the_first_oco_provider_with_a_known_number() -> None:
    catalogue = load_catalogue()
    assert catalogue.get("almere").oco_by_phone.naam == "OCO Almere"
    assert catalogue.get("dordrecht").oco_by_phone is None
