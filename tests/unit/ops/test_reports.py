"""The HTML report generators, on small fixtures trimmed from real Rasa output.

tests/fixtures/conversations: `rasa test core --out` of three test stories, two failed.
tests/fixtures/nlu: `rasa test nlu --out` of four intents (one error text holds markup).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.ops.reports import conversations, nlu
from bot.paths import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
CONVERSATIONS = FIXTURES / "conversations"
STORIES = CONVERSATIONS / "stories"
NLU = FIXTURES / "nlu"


def _text(html: str) -> str:
    """The visible text, whitespace collapsed (for assertions on sentences)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- conversation tests ------------------------------------------------------------------


def test_failed_stories_are_parsed_with_their_wrong_steps() -> None:
    parsed = conversations.parse_failed_stories(
        (CONVERSATIONS / "failed_test_stories.yml").read_text(encoding="utf-8")
    )
    assert [(name, Path(source).name) for name, source, _ in parsed] == [
        ("Computer of mens, dan bedanken en afscheid", "test_voorbeeld.yml"),
        ("Opzettelijk fout verwacht antwoord", "test_voorbeeld.yml"),
    ]
    steps = parsed[1][2]
    assert [(s.kind, s.value, s.turn) for s in steps] == [
        ("intent", "greet", 1), ("action", "utter_greet", 1),
        ("action", "utter_goodbye", 1), ("action", "action_listen", 1),
    ]
    assert [s.predicted for s in steps] == [[], [], ["utter_intro"], ["action_default_fallback"]]


def test_conversation_report_lists_every_story(tmp_path: Path) -> None:
    out = tmp_path / "conversations.html"
    results = conversations.build_report(CONVERSATIONS, STORIES, out)
    assert [(r.name, r.passed) for r in results] == [
        ("Begroeten", True),
        ("Computer of mens, dan bedanken en afscheid", False),
        ("Opzettelijk fout verwacht antwoord", False),
    ]
    text = _text(out.read_text(encoding="utf-8"))
    assert "Geslaagd 1" in text and "Mislukt 2" in text
    # The failed action: which turn, what was expected, what the assistant did.
    assert "Mis in beurt 1. De inwoner typte: “goedemiddag”." in text
    assert "Verwacht actie utter_goodbye De assistent deed actie utter_intro" in text
    # The wrongly recognised intent, with the resident's words from the test story.
    assert "De inwoner typte: “ben ik nu met een robot aan het praten”." in text
    assert "Verwacht intentie bot_challenge De assistent deed intentie request_human" in text


def test_conversation_report_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "conversations.html"
    conversations.build_report(CONVERSATIONS, STORIES, out)
    page = out.read_text(encoding="utf-8")
    assert '<html lang="nl">' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_conversation_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = [str(CONVERSATIONS), str(STORIES), "--out", str(tmp_path / "r.html")]
    assert conversations.main(args) == 0
    assert conversations.main([*args, "--fail-on-failure"]) == 1
    assert "MISLUKT: Opzettelijk fout verwacht antwoord" in capsys.readouterr().out


def test_all_passed_when_rasa_reports_no_failures(tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    (results_dir / "failed_test_stories.yml").write_text("# None of the test stories failed - all good!")
    args = [str(results_dir), str(STORIES), "--out", str(tmp_path / "r.html"), "--fail-on-failure"]
    assert conversations.main(args) == 0
    assert "Mislukt 0" in _text((tmp_path / "r.html").read_text(encoding="utf-8"))


def test_missing_rasa_output_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert conversations.main([str(tmp_path), str(STORIES), "--out", str(tmp_path / "r.html")]) == 2
    assert "failed_test_stories.yml ontbreekt" in capsys.readouterr().err


# --- NLU quality ---------------------------------------------------------------------------


def test_nlu_results_are_read() -> None:
    results = nlu.load_results(NLU)
    assert results.accuracy == pytest.approx(0.8441558441558441)
    assert results.macro_f1 == pytest.approx(0.834462001463785)
    assert [s.intent for s in results.intents] == ["request_human", "goodbye", "bot_challenge", "greet"]
    assert results.intents[0].confused_with == {"bot_challenge": 1}
    assert len(results.errors) == 4
    assert results.confusion_matrix.startswith("data:image/png;base64,iVBORw0KGgo")


def test_nlu_report_page(tmp_path: Path) -> None:
    out = tmp_path / "nlu.html"
    nlu.build_report(NLU, out)
    page = out.read_text(encoding="utf-8")
    text = _text(page)
    assert "Nauwkeurigheid 84,4%" in text and "Macro-F1 0,83" in text
    assert re.search(r"request_human</code></th>\s*<td class=\"num\">0,\d\d</td>", page)
    assert "dag allemaal greet goodbye 89,2%" in text
    assert '<img src="data:image/png;base64,' in page
    # Texts from the results are escaped, never markup.
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_nlu_report_without_errors_file_and_image(tmp_path: Path) -> None:
    results_dir = tmp_path / "nlu"
    results_dir.mkdir()
    shutil.copy(NLU / "intent_report.json", results_dir)
    out = tmp_path / "nlu.html"
    assert nlu.main([str(results_dir), "--out", str(out)]) == 0
    text = _text(out.read_text(encoding="utf-8"))
    assert "Alle testzinnen zijn goed herkend." in text
    assert "geen afbeelding van de verwarringsmatrix" in text


def test_nlu_missing_report_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert nlu.main([str(tmp_path), "--out", str(tmp_path / "n.html")]) == 2
    assert "intent_report.json ontbreekt" in capsys.readouterr().err
