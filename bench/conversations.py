"""Simulated residents: realistic conversations (FAQ, clarification, handover) over HTTP.

Each message's latency is measured from sending the request to having read the answer.
A conversation picks the next message from the buttons the bot offered, as a resident
clicking would.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from itertools import count
from typing import Awaitable, Callable

import aiohttp

GEMEENTEN = ["dordrecht", "almere", "papendrecht", "schouwen-duiveland"]
REFERENCE_RE = re.compile(r"OCO-\d{4}-\d{5}")
_senders = count()


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    conversations: int = 0
    intakes: int = 0

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


class Resident:
    """One resident: one sender id, messages spread over the instances round robin."""

    def __init__(self, http: aiohttp.ClientSession, urls: list[str], results: Results, think_s: float,
                 rng: random.Random) -> None:
        self.http, self.urls, self.results, self.think_s, self.rng = http, urls, results, think_s, rng
        self.sender = f"bench-{next(_senders)}-{rng.randrange(10**9)}"
        self.gemeente = rng.choice(GEMEENTEN)
        self.turn = rng.randrange(len(urls))
        self.last: list[dict] = []

    async def think(self) -> None:
        if self.think_s > 0:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think_s)

    async def say(self, text: str) -> list[dict]:
        url = self.urls[self.turn % len(self.urls)] + "/webhooks/rest/webhook"
        self.turn += 1
        body = {"sender": self.sender, "message": text, "metadata": {"gemeente": self.gemeente}}
        started = time.perf_counter()
        try:
            async with self.http.post(url, json=body) as resp:
                answer = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            self.results.error(type(error).__name__)
            self.last = []
            return []
        self.results.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status != 200 or not isinstance(answer, list) or not answer:
            self.results.error(f"http {status}" if status != 200 else "empty answer")
            answer = []
        self.last = answer
        await self.think()
        return answer

    def button(self, *titles: str) -> str | None:
        """The payload of the first offered button whose title contains one of ``titles``."""
        offered = [b for m in self.last for b in m.get("buttons") or []]
        for title in titles:
            for button in offered:
                if title.lower() in button["title"].lower():
                    return button["payload"]
        return None

    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.last)


async def faq(resident: Resident) -> None:
    for question in resident.rng.sample([
        "wat is onafhankelijke cliëntondersteuning?", "wat kost een cliëntondersteuner?",
        "is de cliëntondersteuner echt onafhankelijk?", "wat is het verschil met het wijkteam?",
        "wat gebeurt er met mijn gegevens?", "wat kan een cliëntondersteuner voor mij doen?",
    ], 4):
        await resident.say(question)
    await resident.say("bedankt")


async def clarification(resident: Resident) -> None:
    await resident.say(resident.rng.choice([
        "Ik heb schulden en kom er niet meer uit", "mijn moeder kan niet meer alleen thuis wonen",
        "ik ben eenzaam", "mijn zoon heeft hulp nodig op school",
    ]))
    for _ in range(5):
        payload = resident.button("Ja, dat klopt", "Eén vraag", "Nee, geen van beide", "Nee", "Weet ik niet")
        if payload is None:
            break
        await resident.say(payload)


async def handover(resident: Resident) -> None:
    resident.gemeente = "dordrecht"
    await resident.say("ik wil graag dat iemand mij belt")
    steps: list[tuple[str, Callable[[], str | None]]] = [
        ("consent", lambda: resident.button("Ja")),
        ("name", lambda: "Sam de Bruijn"),
        ("preference", lambda: resident.button("Bellen")),
        ("phone", lambda: "06-12345678"),
        ("time", lambda: resident.button("Maakt niet uit")),
        ("confirm", lambda: resident.button("Versturen")),
    ]
    for step, message in steps:
        text = message()
        if text is None:
            resident.results.error(f"handover: no button at {step}")
            return
        await resident.say(text)
    if REFERENCE_RE.search(resident.text()):
        resident.results.intakes += 1
    else:
        resident.results.error("handover: no reference")


SCRIPTS: dict[str, Callable[[Resident], Awaitable[None]]] = {
    "faq": faq, "clarification": clarification, "handover": handover,
}


async def run_residents(urls: list[str], residents: int, think_s: float, seed: int = 42,
                        scripts: list[str] | None = None) -> tuple[Results, float]:
    """Run ``residents`` concurrent conversations; returns the results and the wall time (s)."""
    rng = random.Random(seed)
    results = Results()
    names = scripts or list(SCRIPTS)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:

        async def one(index: int) -> None:
            resident = Resident(http, urls, results, think_s, random.Random(rng.random()))
            # Arrivals spread over one think time, so not everyone starts in the same millisecond.
            await asyncio.sleep(resident.rng.uniform(0, think_s))
            await SCRIPTS[names[index % len(names)]](resident)
            results.conversations += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(residents)))
        return results, time.perf_counter() - started
