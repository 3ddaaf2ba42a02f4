"""Fixtures of the web app tests: the harness of tests/support/web.py on free ports.

``stack`` (one fake Rasa + fake action server per module), ``web_url`` (a web app with the
default test settings) and ``fake`` (the fake servers, reset to 200 answers around each
test). A module that needs other settings or stores defines its own ``stack``/``web_url``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.web import FakeRasa, Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("webapp"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def web_url(stack: Stack) -> str:
    return stack.start_webapp(stack.settings())


@pytest.fixture()
def fake(stack: Stack) -> Iterator[FakeRasa]:
    stack.fake.rasa_status = stack.fake.webhook_status = stack.fake.actions_status = 200
    stack.fake.received.clear()
    stack.fake.tracker_queries.clear()
    yield stack.fake
    stack.fake.rasa_status = stack.fake.webhook_status = stack.fake.actions_status = 200
