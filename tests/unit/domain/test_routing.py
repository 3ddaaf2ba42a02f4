"""Routing rules: data-driven, first match wins, every input gets a usable route."""

from __future__ import annotations

import itertools

import pytest
import yaml

from bot.domain.catalogue import load_catalogue
from bot.domain.life_domains import LIFE_DOMAINS
from bot.domain.routing import (
    ROUTING_FILE,
    Clarification,
    RoutingError,
    fill,
    load_rules,
    parse_rules,
    route,
)
from bot.domain.vocabulary import ROUTING_RULE_KINDS, WIJKTEAM_CONTACT

DOMAIN_SETS = [[], *([d] for d in LIFE_DOMAINS), *map(list, itertools.combinations(LIFE_DOMAINS, 2))]
COMPLEXITIES = [None, "enkelvoudig", "meervoudig"]
WIJKTEAM = [None, *WIJKTEAM_CONTACT]
FLAGS = list(itertools.product([None, True, False], repeat=3))


def _expects_oco(c: Clarification) -> bool:
    return bool(
        c.complaint
        or c.upcoming_meeting
        or c.wants_independent_help
        or c.complexity == "meervoudig"
        or len(c.domains()) >= 2
    )


def _raw_rules() -> dict:
    return yaml.safe_load(ROUTING_FILE.read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("slug", load_catalogue().slugs())
def test_every_input_gets_a_route_that_follows_the_policy(slug):
    municipality = load_catalogue().get(slug)
    max_orgs = load_rules().max_organisations
    oco_names = [o.naam for o in municipality.oco]
    checked = 0
    for domains, complexity, contact, (complaint, meeting, independent) in itertools.product(
        DOMAIN_SETS, COMPLEXITIES, WIJKTEAM, FLAGS
    ):
        c = Clarification(
            life_domains=domains,
            complexity=complexity,
            wijkteam_contact=contact,
            upcoming_meeting=meeting,
            complaint=complaint,
            wants_independent_help=independent,
        )
        r = route(municipality, c)
        checked += 1
        assert r.kind in ROUTING_RULE_KINDS
        assert r.reason.strip() and "{" not in r.reason and "}" not in r.reason
        assert r.organisations, f"{slug} {c}: nothing to show"
        assert all(o.naam and o.omschrijving for o in r.organisations)
        if _expects_oco(c):
            assert r.kind == "oco" and r.offer_contact
            oco = list(municipality.oco)
            assert r.organisations[: len(oco)] == oco
            extra = r.organisations[len(oco):]
            assert all(any(o in municipality.organisations_for(d) for d in c.domains()) for o in extra)
            assert r.oco_note is None
            continue
        assert not r.offer_contact
        assert r.oco_note and "{" not in r.oco_note
        assert all(name in r.oco_note for name in oco_names)
        local = municipality.organisations_for(domains[0]) if len(domains) == 1 else []
        if local:
            assert r.kind == "organisatie"
            assert r.organisations == local[:max_orgs]
            assert all(domains[0] in o.levensgebieden for o in r.organisations)
        else:
            assert r.kind == "wijkteam"
            assert r.organisations == [municipality.wijkteam]
    assert checked == len(DOMAIN_SETS) * len(COMPLEXITIES) * len(WIJKTEAM) * len(FLAGS)


def test_several_domains_give_oco_with_the_documented_reason():
    dordrecht = load_catalogue().get("dordrecht")
    r = route(dordrecht, Clarification(life_domains=["geld", "wonen"]))
    assert r.kind == "oco" and r.rule_id == "meerdere_levensgebieden"
    assert "meerdere gebieden" in r.reason
    names = [o.naam for o in r.organisations]
    assert names[0] == "MEE Plus"
    # Beside OCO, the local help for the debts is named too (issue 11: debts get local help).
    assert any(name in ("Financieel Hulphuis", "Bureau Sociaal Raadslieden", "Sociale Dienst Drechtsteden")
               for name in names[1:]), names


def test_first_match_wins():
    papendrecht = load_catalogue().get("papendrecht")
    both = Clarification(life_domains=["geld", "wonen"], complaint=True, upcoming_meeting=True)
    assert route(papendrecht, both).rule_id == "klacht_of_bezwaar"
    meeting = Clarification(life_domains=["geld"], upcoming_meeting=True)
    assert route(papendrecht, meeting).rule_id == "gesprek_op_komst"


def test_single_question_goes_to_a_matching_local_organisation():
    dordrecht = load_catalogue().get("dordrecht")
    r = route(dordrecht, Clarification(life_domains=["geld"], complexity="enkelvoudig"))
    assert r.kind == "organisatie"
    assert "Financieel Hulphuis" in [o.naam for o in r.organisations]
    assert "geld en schulden" in r.reason and "het Financieel Hulphuis" in r.reason
    assert "MEE Plus" in r.oco_note


def test_single_question_without_local_organisation_goes_to_the_wijkteam():
    papendrecht = load_catalogue().get("papendrecht")
    r = route(papendrecht, Clarification(life_domains=["wonen"]))
    assert r.kind == "wijkteam" and r.rule_id == "enkelvoudig_wijkteam"
    assert "Sterk Papendrecht" in r.reason and "wonen" in r.reason
    known = route(papendrecht, Clarification(life_domains=["wonen"], wijkteam_contact="ja"))
    assert known.rule_id == "enkelvoudig_wijkteam_bekend"
    assert "al contact" in known.reason


def test_unknown_wijkteam_name_reads_as_uw_gemeente():
    sd = load_catalogue().get("schouwen-duiveland")
    for c in (Clarification(), Clarification(life_domains=["geld"])):
        r = route(sd, c)
        assert r.kind == "wijkteam"
        assert "wijkteam van uw gemeente" in r.reason.lower()
        assert "onbekend" not in r.reason.lower()


def test_no_domains_and_unknown_values_fall_back_to_the_wijkteam():
    almere = load_catalogue().get("almere")
    for c in (Clarification(), Clarification(life_domains=["sport", "sport"])):
        r = route(almere, c)
        assert r.kind == "wijkteam" and r.rule_id == "standaard_wijkteam"
    assert Clarification(life_domains=["geld", "geld", "x", "zorg"]).domains() == ["geld", "zorg"]


def test_a_different_rule_file_changes_the_routing():
    raw = _raw_rules()
    raw["regels"] = [{"id": "alles_oco", "als": {}, "route": "oco", "reden": "Voor {gemeente_naam}: OCO."}]
    rules = parse_rules(raw)
    almere = load_catalogue().get("almere")
    r = route(almere, Clarification(life_domains=["geld"]), rules=rules)
    assert r.kind == "oco" and r.reason == "Voor Almere: OCO." and r.offer_contact


def test_organisation_rule_without_organisations_falls_back_to_the_wijkteam():
    raw = _raw_rules()
    raw["regels"] = [{"id": "org", "als": {}, "route": "organisatie", "reden": "Kijk hier."}]
    papendrecht = load_catalogue().get("papendrecht")
    r = route(papendrecht, Clarification(life_domains=["geld"]), rules=parse_rules(raw))
    assert r.kind == "wijkteam" and r.organisations == [papendrecht.wijkteam]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["regels"][0]["als"].update(leeftijd=3), "unknown condition"),
        (lambda raw: raw["regels"][0].update(reden="Hallo {voornaam}"), "unknown placeholder"),
        (lambda raw: raw["regels"][0].update(reden="Hallo {"), "broken placeholder"),
        (lambda raw: raw["regels"][0].update(reden=""), "non-empty"),
        (lambda raw: raw["regels"][0].update(route="huisarts"), "route"),
        (lambda raw: raw["regels"][1].update(id=raw["regels"][0]["id"]), "used twice"),
        (lambda raw: raw["regels"].pop(), "last rule must be empty"),
        (lambda raw: raw["regels"][0]["als"].update(klacht="ja"), "true or false"),
        (lambda raw: raw["regels"][0]["als"].update(complexiteit="heel"), "must be one of"),
        (lambda raw: raw["regels"][0]["als"].update(min_levensgebieden=-1), "whole number"),
        (lambda raw: raw.update(max_organisaties=0), "max_organisaties"),
        (lambda raw: raw.update(regels=[]), "non-empty list"),
    ],
)
def test_rule_file_errors_are_named(change, message):
    raw = _raw_rules()
    change(raw)
    with pytest.raises(RoutingError, match=message):
        parse_rules(raw)


def test_fill_never_crashes():
    assert fill("Hallo {gemeente_naam}.", {"gemeente_naam": "Almere"}) == "Hallo Almere."
    assert fill("Hallo {onbekend}.", {}) == "Hallo ."
    assert fill("Hallo {kapot", {}) == "Hallo kapot"
    assert fill("Hallo {0}", {}) == "Hallo 0"
