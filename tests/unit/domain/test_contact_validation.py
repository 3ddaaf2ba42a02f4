"""Phone numbers and e-mail addresses as residents type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.contact_validation import normalise_email, normalise_phone, phone_problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06-12345678", "+31612345678"),
        ("0612345678", "+31612345678"),
        ("06 1234 5678", "+31612345678"),
        ("+31 6 12345678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("078-1234567", "+31781234567"),
        ("036 200 2158", "+31362002158"),
        ("mijn nummer is 06-12345678, bel maar na 10 uur", "+31612345678"),
        ("U kunt me bellen op 078 123 45 67.", "+31781234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "0612345",  # too short
        "061234567890",  # too long
        "06abcdefgh",
        "06-1234567a",
        "0612345678abc",
        "12345",
        "bel me maar",
        "9999999999999999",
    ],
)
def test_invalid_phone_numbers_are_rejected(text: str | None) -> None:
    assert normalise_phone(text) is None


MOBILE_STYLES = {
    "compact": lambda n: f"0{n}",
    "dash": lambda n: f"0{n[:1]}-{n[1:]}",
    "spaces": lambda n: f"0{n[:1]} {n[1:5]} {n[5:]}",
    "international": lambda n: f"+31 {n[:1]} {n[1:]}",
    "double_zero": lambda n: f"0031{n}",
    "in_sentence": lambda n: f"Bel me op 0{n[:1]}-{n[1:]} graag",
}


@given(
    second=st.sampled_from("1234568"),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    style=st.sampled_from(sorted(MOBILE_STYLES)),
)
def test_any_formatting_of_a_mobile_number_gives_the_same_e164(
    second: str, rest: str, style: str
) -> None:
    national = f"6{second}{rest}"
    assert normalise_phone(MOBILE_STYLES[style](national)) == f"+31{national}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jan@example.nl", "jan@example.nl"),
        ("Jan@Example.NL", "jan@example.nl"),
        ("mail naar Jan@Example.nl graag", "jan@example.nl"),
        ("Mijn e-mail: <piet.jansen+oco@gmail.com>.", "piet.jansen+oco@gmail.com"),
        ("  anna@gemeente-almere.nl  ", "anna@gemeente-almere.nl"),
    ],
)
def test_email_addresses_are_extracted_and_lower_cased(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", None, "jan@", "@example.nl", "jan@@example.nl", "jan@localhost", "geen mail", "a@b"],
)
def test_invalid_email_addresses_are_rejected(text: str | None) -> None:
    assert normalise_email(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("06-98 76 54 32", "not_valid"),
        ("0698765432", "not_valid"),
        ("bel me op 06 98765432 graag", "not_valid"),
        ("+31 6 98765432", "not_valid"),
        ("0031698765432", "not_valid"),
        ("+31 (0)6 98765432", "not_valid"),
        ("0970123456", "not_valid"),
        ("1234567890", "not_valid"),
        ("+44 7911 12345", "not_valid"),
        ("06", "length"),
        ("0612345", "length"),
        ("06 1234 567", "length"),
        ("06123456789", "length"),
        ("+31 6 1234567", "length"),
        ("061234567890123", "length"),
        ("bel me maar", None),
        ("", None),
        (None, None),
    ],
)
def test_the_reason_a_number_is_refused_is_right(text: str | None, problem: str | None) -> None:
    assert normalise_phone(text) is None
    assert phone_problem(text) == problem
