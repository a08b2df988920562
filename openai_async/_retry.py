"""Which failures are retried and how long to wait before the next attempt (no I/O)."""

from __future__ import annotations

import math
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
    ms = _seconds(headers.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000.0
    text = headers.get("retry-after")
    if text is None:
        return None
    seconds = _seconds(text)
    if seconds is not None or not text.strip():
        return seconds
    try:
        import email.utils  # only for Retry-After given as an HTTP date

        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):  # Python >= 3.10 raises on an unreadable date
        return None
    if parsed.tzinfo is None:
        return None
    return max(parsed.timestamp() - now(), 0.0)


def _seconds(text: str | None) -> float | None:
    """A finite, non-negative number, else ``None``."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


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
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before retrying, or ``None`` when the failure must be raised.

    ``status`` is ``None`` for a connection error or timeout. Whether the wait fits in
    the call's total deadline is the caller's check: running out of time is a timeout,
    not the server's failure.
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
    if requested is None:
        return backoff_delay(attempt, policy, rand=rand)
    return requested if requested <= policy.max_retry_after else None
