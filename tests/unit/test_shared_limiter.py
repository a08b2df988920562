"""The pieces of a limiter shared by many processes (no Ray needed): leased tickets, and the
local server's account of the budget clients left unused."""

from __future__ import annotations

import asyncio

import pytest

from openai_async.lib._limiter import LeasedLimiter
from openai_async.testing._ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
async def test_abandoning_an_owner_frees_its_slots_once() -> None:
    limiter = LeasedLimiter(2, 2, clock=Clock())
    dead = ("actor-1", "call-a")
    first = await limiter.acquire(dead, 1)
    await limiter.acquire(dead, 1)
    assert limiter.stats().in_flight == 2

    # A third request waits for a slot; the dead owner's retry frees both of its own.
    waiting = asyncio.ensure_future(limiter.acquire(("actor-1", "call-b"), 1))
    await asyncio.sleep(0)
    assert not waiting.done()
    assert limiter.abandon("actor-1") == 2
    await waiting
    stats = limiter.stats()
    assert (stats.in_flight, stats.abandoned, stats.requests) == (1, 2, 3)

    # A late report of an abandoned ticket is ignored: nothing is freed twice.
    limiter.release(dead, first, None, ok=True)
    limiter.rate_limited_for(dead, first, None, 1.0)
    stats = limiter.stats()
    assert (stats.in_flight, stats.rate_limited) == (1, 0)


@pytest.mark.anyio
async def test_abandoning_one_call_keeps_the_workers_other_calls() -> None:
    limiter = LeasedLimiter(4, 4, clock=Clock())
    await limiter.acquire(("w", "a"), 1)
    kept = await limiter.acquire(("w", "b"), 1)
    assert limiter.abandon("w", "a") == 1
    assert limiter.abandon("other") == 0
    limiter.release(("w", "b"), kept, None, ok=True)
    assert limiter.stats().in_flight == 0


def test_the_server_counts_budget_left_unused_from_the_first_request() -> None:
    clock = Clock()
    limiter = RateLimiter(60, 1_000_000, burst_seconds=2.0, clock=clock)  # 1 request/s, 2 held
    clock.now = 100.0  # idle before the first request: not counted
    assert limiter.admit(1)[0] is None
    assert limiter.requests.utilization == 1.0
    for _ in range(4):  # one request a second: the budget is used as it comes
        clock.now += 1.0
        assert limiter.admit(1)[0] is None
    assert limiter.requests.utilization == pytest.approx(1.0)
    clock.now += 11.0  # 11 s idle: 1 s refills the bucket, 10 s of budget is thrown away
    limiter.admit(1)
    assert limiter.requests.refilled == pytest.approx(15.0)
    assert limiter.requests.unused == pytest.approx(10.0)
    assert limiter.requests.utilization == pytest.approx(1 - 10 / 15)
