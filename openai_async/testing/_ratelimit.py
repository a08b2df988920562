"""Rate-limit mode of the local server: requests and tokens per minute, enforced as the API does.

Two buckets refill continuously at ``limit / 60`` per second and hold ``burst_seconds``
of that (a minute's worth by default; the API also enforces its per-minute limits over
shorter periods, which a smaller burst imitates). A request
that does not fit gets a real 429 with ``Retry-After``; every answer carries
``x-ratelimit-*`` headers with what is left.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import orjson

from ._fake import count_tokens, text_of

__all__ = ["RateLimiter", "request_tokens"]


def request_tokens(body: bytes) -> int:
    """The tokens a request costs: its embedding inputs or chat messages, else bytes / 4."""
    try:
        payload = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict):
        return len(body) // 4
    raw: Any = payload.get("input")
    if raw is not None:
        items = [raw] if isinstance(raw, str) or _is_tokens(raw) else raw
        if isinstance(items, list):
            return sum(count_tokens(x) if isinstance(x, str) else _length(x) for x in items)
    messages = payload.get("messages")
    if isinstance(messages, list):
        return sum(count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    return len(body) // 4


def _is_tokens(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], int)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def _duration(seconds: float) -> str:
    """A Go-style duration as the API writes resets: ``20ms``, ``1.5s``, ``6m0s``."""
    if seconds < 1:
        return f"{math.ceil(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{int(rest)}s"


class _Bucket:
    __slots__ = ("capacity", "level", "rate", "refilled", "unused")

    def __init__(self, per_minute: int, burst_seconds: float) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.level = self.capacity
        #: Budget that came in since the first request, and the part of it thrown away
        #: because the bucket was full: what clients left unused.
        self.refilled = 0.0
        self.unused = 0.0

    def refill(self, elapsed: float, *, count: bool = True) -> None:
        added = elapsed * self.rate
        if count:
            self.refilled += added
            self.unused += max(0.0, self.level + added - self.capacity)
        self.level = min(self.capacity, self.level + added)

    @property
    def utilization(self) -> float:
        """The share of the budget refilled since the first request that was used (1.0 when
        clients kept up with the limit), whatever the machine's speed: a client that falls
        behind for less than the burst catches up from the bucket."""
        return 1.0 - self.unused / self.refilled if self.refilled else 1.0

    def wait_for(self, cost: float) -> float:
        return max(0.0, (min(cost, self.capacity) - self.level) / self.rate)

    def take(self, cost: float) -> None:
        self.level -= min(cost, self.capacity)

    def until_full(self) -> float:
        return (self.capacity - self.level) / self.rate


class RateLimiter:
    """Requests-per-minute and tokens-per-minute budgets shared by every request."""

    def __init__(
        self,
        requests_per_minute: int,
        tokens_per_minute: int,
        *,
        burst_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_minute <= 0 or tokens_per_minute <= 0 or burst_seconds <= 0:
            raise ValueError("rate limits and burst_seconds must be positive")
        self.limits = (requests_per_minute, tokens_per_minute)
        self.requests = _Bucket(requests_per_minute, burst_seconds)
        self.tokens = _Bucket(tokens_per_minute, burst_seconds)
        self._clock = clock
        self._stamp = clock()
        self._started = False

    def admit(self, tokens: int) -> tuple[float | None, dict[str, str]]:
        """Take one request and ``tokens`` from the budgets.

        Returns ``(None, headers)`` when admitted, else ``(retry_after_seconds, headers)``
        and nothing is taken.
        """
        now = self._clock()
        for bucket in (self.requests, self.tokens):
            bucket.refill(now - self._stamp, count=self._started)
        self._stamp = now
        self._started = True
        wait = max(self.requests.wait_for(1), self.tokens.wait_for(tokens))
        if wait <= 0:
            self.requests.take(1)
            self.tokens.take(tokens)
        headers = {
            "x-ratelimit-limit-requests": str(self.limits[0]),
            "x-ratelimit-limit-tokens": str(self.limits[1]),
            "x-ratelimit-remaining-requests": str(max(0, math.floor(self.requests.level))),
            "x-ratelimit-remaining-tokens": str(max(0, math.floor(self.tokens.level))),
            "x-ratelimit-reset-requests": _duration(self.requests.until_full()),
            "x-ratelimit-reset-tokens": _duration(self.tokens.until_full()),
        }
        if wait <= 0:
            return None, headers
        headers["retry-after-ms"] = str(math.ceil(wait * 1000))
        headers["Retry-After"] = str(math.ceil(wait))
        return wait, headers
