"""Adaptive concurrency for jobs of many requests: rate-limit budgets, 429 back-off, AIMD.

No I/O of its own: it reads the ``x-ratelimit-*`` headers callers hand it, and waits;
:func:`send_paced` runs the caller's request under a limiter until it succeeds or fails
for good.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import attrs

from .._exceptions import APIError, APIStatusError
from .._options import RetryPolicy
from .._response import RateLimitInfo
from .._retry import backoff_delay, retry_after, retry_delay

__all__ = [
    "AdaptiveLimiter",
    "LeasedLimiter",
    "Limiter",
    "LimiterStats",
    "Owner",
    "Ticket",
    "send_paced",
]

_T = TypeVar("_T")

# Growth resumes this long after the last 429.
_CALM_SECONDS = 2.0
# A 429 is a pacing signal, not the request's fault: it gets its own, larger budget.
MAX_RATE_LIMIT_RETRIES = 20


class _Budget:
    """One budget (requests or tokens per minute) as last reported, refilled at limit / 60 per second."""

    __slots__ = ("capacity", "level", "rate", "stamp")

    def __init__(self, capacity: int, level: float, stamp: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / 60.0
        self.level = min(level, self.capacity)
        self.stamp = stamp

    def level_at(self, now: float) -> float:
        return min(self.capacity, self.level + (now - self.stamp) * self.rate)

    def wait_for(self, cost: float, now: float) -> float:
        need = min(cost, self.capacity)
        level = self.level_at(now)
        return 0.0 if level >= need else (need - level) / self.rate

    def take(self, cost: float, now: float) -> None:
        self.level = self.level_at(now) - cost
        self.stamp = now


@attrs.frozen(slots=True)
class Ticket:
    """One admitted request: when it left and what had been sent up to and including it."""

    tokens: int
    sent_at: float
    requests_through: int
    tokens_through: int


class Limiter(Protocol):
    """What a job needs of its limiter: an :class:`AdaptiveLimiter`, or a stand-in that
    shares one among processes (``openai_async.integrations.ray``)."""

    @property
    def concurrency(self) -> int: ...

    waits: int
    waited: float
    rate_limited: int

    async def acquire(self, tokens: int) -> Ticket: ...

    def release(self, ticket: Ticket, rate_limit: RateLimitInfo | None, *, ok: bool) -> None: ...

    def rate_limited_for(
        self, ticket: Ticket, rate_limit: RateLimitInfo | None, delay: float
    ) -> None: ...


async def send_paced(
    limiter: Limiter,
    cost: int,
    send: Callable[[], Awaitable[tuple[_T, RateLimitInfo | None]]],
    *,
    policy: RetryPolicy,
    max_retries: int,
) -> _T:
    """``send()`` under ``limiter`` until it succeeds; the last error when it fails for good.

    ``send`` must not retry by itself (``max_retries=0``), so that every 429 reaches the
    limiter. A 429 pauses every request for the server's ``Retry-After`` and is retried
    up to :data:`MAX_RATE_LIMIT_RETRIES` times; other failures follow ``policy`` and
    ``max_retries``.
    """
    attempt = 0
    rate_attempt = 0
    while True:
        ticket = await limiter.acquire(cost)
        try:
            result, rate_limit = await send()
        except APIError as exc:
            status = exc.status_code if isinstance(exc, APIStatusError) else None
            if status == 429 and exc.code != "insufficient_quota":
                delay = retry_after(exc.headers)
                if delay is None:
                    delay = backoff_delay(rate_attempt, policy)
                limiter.rate_limited_for(ticket, exc.rate_limit, delay)
                rate_attempt += 1
                if rate_attempt <= MAX_RATE_LIMIT_RETRIES and delay <= policy.max_retry_after:
                    continue
                raise
            limiter.release(ticket, exc.rate_limit, ok=False)
            wait = retry_delay(
                attempt=attempt,
                max_retries=max_retries,
                policy=policy,
                status=status,
                headers=exc.headers,
                error_code=exc.code,
            )
            if wait is None:
                raise
            attempt += 1
            await asyncio.sleep(wait)
            continue
        except BaseException:
            limiter.release(ticket, None, ok=False)
            raise
        limiter.release(ticket, rate_limit, ok=True)
        return result


class AdaptiveLimiter:
    """Admits requests: at most ``concurrency`` in flight, paced to the server's budgets.

    Budgets come from the rate-limit headers of every response (``observe``): a request
    waits until the requests and tokens it needs have refilled, so the job slows down
    before the limit. A 429 halves the concurrency and pauses every request for the
    server's ``Retry-After``; each success adds about one slot per window of successes
    again while no 429 came lately and the budgets have room.
    """

    def __init__(
        self, concurrency: int, max_concurrency: int, *, clock: Callable[[], float]
    ) -> None:
        self._limit = float(concurrency)
        self._max = max_concurrency
        self._clock = clock
        self._in_flight = 0
        self._paused_until = 0.0
        self._last_429 = float("-inf")
        self._requests: _Budget | None = None
        self._tokens: _Budget | None = None
        self._sent_requests = 0
        self._sent_tokens = 0
        self._changed = asyncio.Event()
        #: Requests held back by a pause or an exhausted budget, and seconds they waited.
        self.waits = 0
        self.waited = 0.0
        #: 429 responses seen.
        self.rate_limited = 0

    @property
    def concurrency(self) -> int:
        """Requests allowed in flight now."""
        return int(self._limit)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def requests(self) -> int:
        """Requests admitted so far."""
        return self._sent_requests

    def _delay(self, tokens: int, now: float) -> float | None:
        """0 to go now, seconds to wait for time to pass, or ``None`` to wait for a free slot."""
        if now < self._paused_until:
            return self._paused_until - now
        if self._in_flight >= self.concurrency:
            return None
        wait = 0.0
        if self._requests is not None:
            wait = self._requests.wait_for(1, now)
        if self._tokens is not None:
            wait = max(wait, self._tokens.wait_for(tokens, now))
        return wait

    async def acquire(self, tokens: int) -> Ticket:
        """Wait until a request costing ``tokens`` may be sent, and count it as sent."""
        held_since: float | None = None
        while True:
            now = self._clock()
            delay = self._delay(tokens, now)
            if delay == 0:
                break
            if delay is not None and held_since is None:
                held_since = now
                self.waits += 1
            changed = self._changed
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(changed.wait(), delay)
        if held_since is not None:
            self.waited += now - held_since
        for budget, cost in ((self._requests, 1), (self._tokens, tokens)):
            if budget is not None:
                budget.take(cost, now)
        self._in_flight += 1
        self._sent_requests += 1
        self._sent_tokens += tokens
        return Ticket(tokens, now, self._sent_requests, self._sent_tokens)

    def release(self, ticket: Ticket, rate_limit: RateLimitInfo | None, *, ok: bool) -> None:
        """The request has its answer: free its slot and learn the server's budgets."""
        self._in_flight -= 1
        now = self._clock()
        self._observe(ticket, rate_limit)
        if ok and now - self._last_429 > _CALM_SECONDS and self._has_room(now):
            self._limit = min(float(self._max), self._limit + 1.0 / self._limit)
        self._notify()

    def rate_limited_for(
        self, ticket: Ticket, rate_limit: RateLimitInfo | None, delay: float
    ) -> None:
        """The request got a 429: halve the concurrency and pause everything for ``delay``."""
        self.rate_limited += 1
        self._in_flight -= 1
        now = self._clock()
        self._observe(ticket, rate_limit)
        self._last_429 = now
        self._limit = max(1.0, self._limit / 2)
        self._paused_until = max(self._paused_until, now + delay)
        self._notify()

    def _observe(self, ticket: Ticket, info: RateLimitInfo | None) -> None:
        # The server counted this request and everything before it; what was sent after it
        # is not in its numbers yet, so it is taken off again.
        if info is None:
            return
        if info.limit_requests and info.remaining_requests is not None:
            uncounted = self._sent_requests - ticket.requests_through
            self._requests = _Budget(
                info.limit_requests, info.remaining_requests - uncounted, ticket.sent_at
            )
        if info.limit_tokens and info.remaining_tokens is not None:
            uncounted = self._sent_tokens - ticket.tokens_through
            self._tokens = _Budget(
                info.limit_tokens, info.remaining_tokens - uncounted, ticket.sent_at
            )

    def _has_room(self, now: float) -> bool:
        return all(
            budget is None or budget.level_at(now) > 0.1 * budget.capacity
            for budget in (self._requests, self._tokens)
        )

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


@attrs.frozen(slots=True)
class LimiterStats:
    """A shared limiter's counts since it was made."""

    requests: int
    """Requests admitted (retries included)."""
    rate_limited: int
    """429 responses reported."""
    in_flight: int
    abandoned: int
    """Requests freed because their owner went away without reporting their answer."""
    concurrency: int
    waits: int
    waited: float


#: Who holds a ticket: (worker, life of the worker, call). A restarted worker (a Ray actor
#: keeps its id across restarts) begins a new life; each call of it is one batch of work.
Owner = tuple[str, str, str]


class LeasedLimiter:
    """One :class:`AdaptiveLimiter` for many owners (processes, Ray actors), each ticket
    leased to the owner that took it.

    When a call ends (``end_call``, also after an error or a cancellation) or a worker
    starts a new life (``new_life``, after it died and was restarted), the tickets its
    earlier owners still held are freed, and requests they were still waiting for are
    freed as soon as they are granted: the work that is retried does not wait for slots
    nobody will release. A late report of a ticket already freed is ignored, so nothing
    is counted twice.
    """

    def __init__(
        self, concurrency: int, max_concurrency: int, *, clock: Callable[[], float]
    ) -> None:
        self._limiter = AdaptiveLimiter(concurrency, max_concurrency, clock=clock)
        self._leases: dict[Owner, dict[int, Ticket]] = {}
        self._waiting: dict[Owner, int] = {}  # acquires not granted yet, per owner
        self._gone: set[Owner] = set()  # ended owners with acquires still waiting
        self._lives: dict[str, str] = {}
        self._abandoned = 0

    async def acquire(self, owner: Owner, tokens: int) -> Ticket:
        self._waiting[owner] = self._waiting.get(owner, 0) + 1
        try:
            ticket = await self._limiter.acquire(tokens)
        finally:
            self._waiting[owner] -= 1
            if not self._waiting[owner]:
                del self._waiting[owner]
        if owner in self._gone or self._lives.get(owner[0], owner[1]) != owner[1]:
            if owner not in self._waiting:
                self._gone.discard(owner)
            self._limiter.release(ticket, None, ok=False)
            self._abandoned += 1
        else:
            self._leases.setdefault(owner, {})[ticket.requests_through] = ticket
        return ticket

    def _end(self, owner: Owner, ticket: Ticket) -> bool:
        leases = self._leases.get(owner)
        if leases is None or leases.pop(ticket.requests_through, None) is None:
            return False
        if not leases:
            del self._leases[owner]
        return True

    def release(
        self, owner: Owner, ticket: Ticket, rate_limit: RateLimitInfo | None, ok: bool
    ) -> None:
        if self._end(owner, ticket):
            self._limiter.release(ticket, rate_limit, ok=ok)

    def rate_limited_for(
        self, owner: Owner, ticket: Ticket, rate_limit: RateLimitInfo | None, delay: float
    ) -> None:
        if self._end(owner, ticket):
            self._limiter.rate_limited_for(ticket, rate_limit, delay)

    def end_call(self, owner: Owner) -> int:
        """The call is over: free what it still holds or waits for; returns how many it held."""
        return self._free(lambda o: o == owner)

    def new_life(self, worker: str, life: str) -> int:
        """``worker`` (re)starts as ``life``: free what its earlier lives held or wait for."""
        self._lives[worker] = life
        return self._free(lambda o: o[0] == worker and o[1] != life)

    def _free(self, ended: Callable[[Owner], bool]) -> int:
        self._gone.update(o for o in self._waiting if ended(o))
        freed = 0
        for owner in [o for o in self._leases if ended(o)]:
            for ticket in self._leases.pop(owner).values():
                self._limiter.release(ticket, None, ok=False)
                freed += 1
        self._abandoned += freed
        return freed

    def stats(self) -> LimiterStats:
        limiter = self._limiter
        return LimiterStats(
            requests=limiter.requests,
            rate_limited=limiter.rate_limited,
            in_flight=limiter.in_flight,
            abandoned=self._abandoned,
            concurrency=limiter.concurrency,
            waits=limiter.waits,
            waited=limiter.waited,
        )
