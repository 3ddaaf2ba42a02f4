"""Pure parts of the staff side: Dutch times, the login throttle, the static guard."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.webapp.login_throttle import LoginThrottle
from bot.webapp.staff_format import dutch_datetime, gemeente_label, life_domain_text
from bot.webapp.static_guard import static_file


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-29T13:05:09.123456+00:00", "29 november 2026, 14:05"),  # winter: UTC+1
        ("2026-07-01T22:30:00+00:00", "2 juli 2026, 00:30"),  # summer: UTC+2, next day
        ("2026-03-29T00:59:00+00:00", "29 maart 2026, 01:59"),  # just before summer time
        ("2026-03-29T01:00:00+00:00", "29 maart 2026, 03:00"),  # summer time starts
        ("2026-10-25T00:59:00+00:00", "25 oktober 2026, 02:59"),
        ("2026-10-25T01:00:00+00:00", "25 oktober 2026, 02:00"),  # back to winter time
        ("2026-12-31T23:00:00+00:00", "1 januari 2027, 00:00"),
        ("2026-05-04T10:00:00", "4 mei 2026, 12:00"),  # naive: taken as UTC
        (datetime(2026, 2, 3, 8, 7, tzinfo=timezone.utc), "3 februari 2026, 09:07"),
        (None, ""),
        ("", ""),
        ("geen datum", "geen datum"),
    ],
)
def test_dutch_datetime(value, shown: str) -> None:
    assert dutch_datetime(value) == shown


def test_labels_fall_back_to_the_value() -> None:
    assert gemeente_label("dordrecht") == "Dordrecht"
    assert gemeente_label("nergenshuizen") == "nergenshuizen"
    assert gemeente_label(None) == ""
    assert life_domain_text(["geld", "wonen"]) == "Geld en schulden, Wonen"
    assert life_domain_text(["ruimtevaart"]) == "ruimtevaart"
    assert life_domain_text(None) == ""


def test_throttle_blocks_after_five_failures_for_one_address_only() -> None:
    throttle = LoginThrottle(max_failures=5, window_s=900)
    for second in range(5):
        assert throttle.wait_seconds("a", now=100.0 + second) == 0
        throttle.failed("a", now=100.0 + second)
    assert throttle.wait_seconds("a", now=105.0) == 895  # until the oldest failure expires
    assert throttle.wait_seconds("b", now=105.0) == 0
    assert throttle.wait_seconds("a", now=1000.0) == 0  # window passed
    throttle.failed("a", now=1000.0)
    throttle.succeeded("a")
    assert throttle.wait_seconds("a", now=1000.5) == 0


def test_throttle_memory_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr("bot.webapp.login_throttle.MAX_ADDRESSES", 100)
    throttle = LoginThrottle()
    for n in range(1000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}", now=1.0)
    assert len(throttle._failures) == 100


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    (tmp_path / "staff").mkdir()
    (tmp_path / "staff" / "staff.css").write_text("body{}")
    (tmp_path / "oco-chat.js").write_text("//")
    (tmp_path.parent / "secret.txt").write_text("geheim")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("/static/oco-chat.js", "oco-chat.js"),
        ("/static/staff/staff.css", "staff/staff.css"),
        ("/static/staff%2Fstaff.css", "staff/staff.css"),
        ("/static/", None),
        ("/static", None),
        ("/static/staff", None),
        ("/static/staff/", None),
        ("/static/%00", None),
        ("/static/oco-chat.js%00.png", None),
        ("/static/../secret.txt", None),
        ("/static/%2e%2e/secret.txt", None),
        ("/static/staff/..%5C..%5Csecret.txt", None),
        ("/static/nope.js", None),
        ("/static/" + "a" * 3000, None),  # longer than a file name may be
        ("/static/" + "a/" * 3000, None),
    ],
)
def test_static_guard_finds_only_files_inside(static_dir: Path, path: str, found: str | None) -> None:
    result = static_file(static_dir, "/static", path)
    assert result == (static_dir / found).resolve() if found else result is None
