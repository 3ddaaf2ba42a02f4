"""Fixtures of the channel tests: the fake Graph API and WhatsApp webhooks on free ports
(helpers in tests/support/channels.py)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.support.channels import ACCESS_TOKEN, BotDouble, Webhook, make_channel, serve
from tests.support.fake_graph_api import FakeGraphApi


@pytest.fixture
async def graph():
    fake = FakeGraphApi(ACCESS_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def make_webhook(graph):
    started = []

    async def _make(**overrides: Any) -> Webhook:
        channel = make_channel(graph, **overrides)
        bot = BotDouble()
        server, url = await serve(channel, bot, graph)
        http = aiohttp.ClientSession()
        started.append((server, http, channel))
        return Webhook(url, channel, bot, graph, http)

    yield _make
    for server, http, channel in started:
        await http.close()
        await channel.wait_idle()
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


@pytest.fixture
async def webhook(make_webhook) -> Webhook:
    return await make_webhook()
