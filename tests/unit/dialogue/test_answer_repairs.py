"""Answers residents type that need a second look: a name after an explanation, key mashing, typos in times."""

from __future__ import annotations

import pytest

from bot.domain.dialogue.answers import is_keyboard_mash, read_answer


@pytest.mark.parametrize(("text", "name"), [
    ("ik ben zijn zoon, Mehmet Yılmaz", "Mehmet Yılmaz"),
    ("ik bel voor mijn moeder, Ans Bakker", "Ans Bakker"),
    ("dit is namens mijn vader, Johan", "Johan"),
])
def test_a_name_after_an_explanation(text: str, name: str) -> None:
    assert read_answer("name", text).value == name


@pytest.mark.parametrize("text", ["asdfgh", "qwerty", "sdfg", "zxcvb", "hjkl;hjkl", "Asdf Ghjk"])
def test_key_mashing_is_no_name(text: str) -> None:
    assert is_keyboard_mash(text)
    assert not read_answer("name", text).understood


@pytest.mark.parametrize("name", ["Bram", "Sanne de Wit", "Fatima El Amrani", "Ertuğrul", "Wiśniewska", "Hjalmar"])
def test_real_names_are_no_key_mashing(name: str) -> None:
    assert not is_keyboard_mash(name)


@pytest.mark.parametrize("text", ["ochtent", "s ochtent", "dinsdg", "woensdagmidag", "na de midag"])
def test_a_typo_in_a_time_word_is_still_a_time(text: str) -> None:
    reading = read_answer("time", text)
    assert reading.understood and reading.value == text


@pytest.mark.parametrize("text", ["ja", "bellen", "Bram", "misschien", "?"])
def test_words_that_are_no_time_stay_refused(text: str) -> None:
    assert not read_answer("time", text).understood
