"""Life domains, second version: context rules, compounds, spans and the labelled set."""

from __future__ import annotations

import pytest

from bot.domain.life_domains import (
    detect_life_domains,
    find_life_domain_spans,
    life_domain_values,
    load_lexicon,
)
from bot.ops.evaluation import life_domains_eval


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Caring next to a full-time job is mantelzorg, not a question about work (issue 14).
        ("me moeder kan niet meer alleen douchen en ik werk fulltime", ["wmo", "mantelzorg"]),
        ("mijn vader heeft dementie en ik werk ook nog 36 uur", ["zorg", "mantelzorg"]),
        ("mn schoonmoeder heeft parkinson, ik ga elke dag langs naast mijn baan", ["zorg", "mantelzorg"]),
        # A sick partner and doing everything yourself is mantelzorg (and zorg), not wonen.
        ("Mijn vrouw heeft MS en ik doe alles in huis", ["zorg", "mantelzorg"]),
        ("mijn man heeft copd en ik doe eigenlijk alles alleen", ["zorg", "mantelzorg"]),
        # Help with showering is Wmo help with personal care, not loneliness.
        ("Mijn moeder kan niet meer alleen douchen", ["wmo"]),
        ("mijn vader kan zich niet meer zelf wassen en aankleden", ["wmo"]),
        # Compounds and lemmas.
        ("ik heb schuldhulpverlening nodig", ["geld"]),
        ("ik heb een huurachterstand van drie maanden", ["wonen", "geld"]),
        ("mijn moeder wil een traplift", ["wmo"]),
        ("ik ben mantelzorger van mijn broer", ["mantelzorg"]),
        ("mijn vader heeft longkanker", ["zorg"]),
        ("de kinderpsycholoog heeft een wachtlijst", ["zorg"]),
        ("ik zit in de ww", ["werk", "geld"]),
        # A real question about work stays werk, also next to caring.
        ("ik zorg voor mijn moeder en ben ontslagen", ["werk", "mantelzorg"]),
        # Caring for a child with a disability and a heavy load is mantelzorg.
        ("ik werk fulltime en mijn zoon met een beperking heeft dag en nacht zorg nodig",
         ["zorg", "jeugd", "mantelzorg"]),
        # Bringing up children is not mantelzorg.
        ("ik weet niet hoe ik voor mijn kinderen moet zorgen en ook moet werken", ["werk", "jeugd"]),
    ],
)
def test_context_rules_and_compounds(text: str, expected: list[str]) -> None:
    assert detect_life_domains(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ik heb contact opgenomen met de gemeente",
        "het is mijn eigen schuld",
        "houd er rekening mee dat ik slecht typ",
        "hoe lang duurt de behandeling van mijn aanvraag",
        "kost het geld?",
        "ik kan het niet meer alleen",
        "mijn arm doet het niet meer op de chat",
    ],
)
def test_no_domain_in_ordinary_words(text: str) -> None:
    assert detect_life_domains(text) == []


def test_spans_point_at_the_words_that_gave_the_domain_away() -> None:
    text = "Ik heb SCHULDEN en m'n huur is te hoog"
    spans = find_life_domain_spans(text)
    assert [s.value for s in spans] == detect_life_domains(text)
    by_value = {s.value: text[s.start : s.end] for s in spans}
    assert by_value["geld"] == "SCHULDEN"
    assert by_value["wonen"] == "huur"


def test_added_domain_has_a_span_inside_the_text() -> None:
    text = "mijn vrouw heeft MS en ik doe alles"
    spans = {s.value: s for s in find_life_domain_spans(text)}
    assert set(spans) == {"zorg", "mantelzorg"}
    care = spans["mantelzorg"]
    assert 0 <= care.start < care.end <= len(text)


def test_exact_only_keywords_never_match_a_typo() -> None:
    from bot.domain.life_domains import Pattern

    assert Pattern.parse("=zelfstandige").spans(["zelfstandige"])
    assert not Pattern.parse("=zelfstandige").spans(["zelfstandig"])
    assert Pattern.parse("zelfstandige").spans(["zelfstandig"])
    assert detect_life_domains("ik ben zelfstandige zonder opdrachten") == ["werk"]
    assert "werk" not in detect_life_domains("mijn moeder woont nog zelfstandig")


def test_values_are_the_contract_values_in_file_order() -> None:
    assert life_domain_values() == [
        "wonen", "werk", "geld", "zorg", "jeugd", "onderwijs", "welzijn", "wmo", "mantelzorg",
    ]
    assert load_lexicon().rules, "the context rules are read from the data file"


def test_labelled_set_is_large_and_valid() -> None:
    examples = life_domains_eval.load_examples()
    with_domain = [e for e in examples if e.domains]
    assert len(with_domain) >= 300
    assert len({e.text for e in examples}) == len(examples)
    for value in life_domain_values():
        assert sum(value in e.domains for e in examples) >= 25, value


@pytest.mark.slow
def test_lexicon_meets_the_thresholds_on_the_labelled_set(capsys: pytest.CaptureFixture) -> None:
    assert life_domains_eval.main([]) == 0
    out = capsys.readouterr().out
    for value in life_domain_values():
        assert value in out


def test_gate_fails_below_the_thresholds(tmp_path, capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "set.yml"
    data.write_text(
        "situaties:\n"
        "  - {tekst: 'ik heb schulden', domeinen: [geld]}\n"
        "  - {tekst: 'hallo', domeinen: [wonen]}\n",
        encoding="utf-8",
    )
    assert life_domains_eval.main(["--data", str(data)]) == 1
    bad = tmp_path / "bad.yml"
    bad.write_text("situaties:\n  - {tekst: 'x', domeinen: [sport]}\n", encoding="utf-8")
    assert life_domains_eval.main(["--data", str(bad)]) == 2


def _detect_by_plain_patterns(text: str) -> list[str]:
    """Reference: the same detection with Pattern.spans (no index), to check the index."""
    from bot.domain.life_domains import LIFE_DOMAINS
    from bot.domain.text import tokenise

    lexicon = load_lexicon()
    words = list(tokenise(text))
    found = {d.value: d.span(words) for d in lexicon.domains}
    found = {value: span for value, span in found.items() if span is not None}
    by_value = {d.value: d for d in lexicon.domains}
    for rule in lexicon.rules:
        span = rule.holds(found, words)
        if span is None:
            continue
        if rule.add and rule.add not in found:
            found[rule.add] = span
        if rule.drop:
            found.pop(rule.drop, None)
        if rule.domain and rule.domain in found and by_value[rule.domain].span(words, rule.ignore) is None:
            del found[rule.domain]
    return [value for value in LIFE_DOMAINS if value in found]


@pytest.mark.slow
def test_the_index_finds_what_the_plain_patterns_find() -> None:
    texts = [e.text for e in life_domains_eval.load_examples()][::5]
    texts += ["ik heb shculden en een huurachterstnd", "mijn dochtr heeft dementie", "ik zorg voor mn vader"]
    for text in texts:
        assert detect_life_domains(text) == _detect_by_plain_patterns(text), text
