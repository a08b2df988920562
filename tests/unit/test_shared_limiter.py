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
async def test_a_new_life_frees_what_the_dead_one_held_and_waited_for() -> None:
    limiter = LeasedLimiter(1, 1, clock=Clock())
    dead = ("actor-1", "life-1", "call-a")
    limiter.new_life("actor-1", "life-1")
    held = await limiter.acquire(dead, 1)
    # The dead life was also waiting for a slot (its caller is gone, the call is not).
    orphan = asyncio.ensure_future(limiter.acquire(dead, 1))
    await asyncio.sleep(0)

    # Restarted, the actor frees the slot; the orphan's grant is freed at once, and the
    # new life's request gets the slot.
    assert limiter.new_life("actor-1", "life-2") == 1
    retried = asyncio.ensure_future(limiter.acquire(("actor-1", "life-2", "call-b"), 1))
    await orphan
    ticket = await retried
    stats = limiter.stats()
    assert (stats.in_flight, stats.abandoned, stats.requests) == (1, 2, 3)

    # A late report of a freed ticket is ignored: nothing is freed twice.
    limiter.release(dead, held, None, ok=True)
    limiter.rate_limited_for(dead, held, None, 1.0)
    assert (limiter.stats().in_flight, limiter.stats().rate_limited) == (1, 0)
    limiter.release(("actor-1", "life-2", "call-b"), ticket, None, ok=True)
    assert limiter.stats().in_flight == 0


@pytest.mark.anyio
async def test_ending_a_call_frees_its_slots_and_keeps_the_workers_other_calls() -> None:
    limiter = LeasedLimiter(2, 2, clock=Clock())
    first, second = ("w", "l", "a"), ("w", "l", "b")
    await limiter.acquire(first, 1)
    await limiter.acquire(first, 1)
    waiting = asyncio.ensure_future(limiter.acquire(first, 1))  # cancelled call: still waits
    kept = asyncio.ensure_future(limiter.acquire(second, 1))
    await asyncio.sleep(0)
    assert limiter.end_call(first) == 2
    await waiting
    ticket = await kept
    assert limiter.stats().in_flight == 1
    assert limiter.end_call(("other", "l", "a")) == 0
    limiter.release(second, ticket, None, ok=True)
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
