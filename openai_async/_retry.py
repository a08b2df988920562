"""Which failures are retried and how long to wait before the next attempt (no I/O)."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping

from ._options import RetryPolicy

__all__ = ["RETRYABLE_STATUSES", "backoff_delay", "retry_after", "retry_delay"]

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def retry_after(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, else ``Retry-After``
    (seconds or an HTTP date). ``None`` when absent or unreadable."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    text = headers.get("retry-after")
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(text) if text.strip() else None
        if parsed is None or parsed.tzinfo is None:
            return None
        value = parsed.timestamp() - now()
        return max(value, 0.0)
    return value if value >= 0 else None


def backoff_delay(
    attempt: int, policy: RetryPolicy, *, rand: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter for attempt ``attempt`` (0 for the first retry)."""
    delay = min(policy.max_delay, policy.base_delay * (2.0 ** min(attempt, 62)))
    return delay * (1.0 - policy.jitter * rand())


def retry_delay(
    *,
    attempt: int,
    max_retries: int,
    policy: RetryPolicy,
    status: int | None,
    headers: Mapping[str, str] | None = None,
    error_code: str | None = None,
    remaining: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before retrying, or ``None`` when the failure must be raised.

    ``status`` is ``None`` for a connection error or timeout; ``remaining`` is the time
    left before the call's total deadline (``None``: no deadline).
    """
    if attempt >= max_retries:
        return None
    headers = headers or {}
    should = headers.get("x-should-retry")
    if should == "false":
        return None
    if should != "true" and status is not None:
        if status == 429 and error_code == "insufficient_quota":
            return None
        if status < 500 and status not in RETRYABLE_STATUSES:
            return None
    requested = retry_after(headers)
    if requested is not None:
        if requested > policy.max_retry_after:
            return None
        delay = requested
    else:
        delay = backoff_delay(attempt, policy, rand=rand)
    if remaining is not None and delay >= remaining:
        return None
    return delay
