"""Client settings as frozen attrs classes: time limits and the retry policy (no I/O)."""

from __future__ import annotations

import math
from typing import Any, Protocol, Union

import attrs

from ._exceptions import ConfigurationError

__all__ = [
    "DEFAULT_RETRY_POLICY",
    "DEFAULT_TIMEOUT",
    "RetryPolicy",
    "Timeout",
    "TimeoutLike",
    "TimeoutTypes",
]


class TimeoutLike(Protocol):
    """A timeout object of another library read by its attributes (``httpx.Timeout``)."""

    @property
    def connect(self) -> float | None: ...

    @property
    def read(self) -> float | None: ...


def _limit(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or value <= 0
    ):
        raise ConfigurationError(
            f"Timeout.{attribute.name} must be a positive number of seconds or None, not {value!r}"
        )


@attrs.frozen(slots=True)
class Timeout:
    """Separate time limits, in seconds; ``None`` means no limit.

    * ``connect``: establishing a connection;
    * ``read``: waiting for response headers, and between reads of a non-streamed body;
    * ``stream_idle``: between two events of a stream (keep-alive comments do not count);
    * ``total``: a deadline over all attempts and backoff sleeps of one call, up to the
      complete body of a plain response or the first byte of a stream's body.

    The first three are per attempt: an attempt that runs out of one is retried like any
    other retryable failure. Only ``total`` bounds the whole call.
    """

    connect: float | None = attrs.field(default=5.0, validator=_limit)
    read: float | None = attrs.field(default=600.0, validator=_limit)
    stream_idle: float | None = attrs.field(default=600.0, validator=_limit)
    total: float | None = attrs.field(default=None, validator=_limit)

    @classmethod
    def of(cls, value: TimeoutTypes) -> Timeout:
        """A :class:`Timeout` from what users pass.

        A number sets the per-attempt limits (connect, read, stream idle) and no total, as
        the official SDK means it; ``None`` sets none. An ``httpx.Timeout`` (any object
        with ``connect`` and ``read``) gives its ``connect``, and its ``read`` for both
        ``read`` and ``stream_idle``; its ``write`` and ``pool`` have no aiohttp
        counterpart and are not used.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return _NO_TIMEOUT
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cls(connect=value, read=value, stream_idle=value, total=None)
        if hasattr(value, "connect") and hasattr(value, "read"):
            read = value.read
            return cls(connect=value.connect, read=read, stream_idle=read, total=None)
        raise ConfigurationError(
            "timeout must be a number of seconds, an openai_async.Timeout, an "
            f"httpx.Timeout or None, not {type(value).__name__}"
        )


_NO_TIMEOUT = Timeout(connect=None, read=None, stream_idle=None, total=None)
DEFAULT_TIMEOUT = Timeout()

#: What every ``timeout=`` accepts: seconds, a :class:`Timeout`, an ``httpx.Timeout``, or
#: ``None`` (no limit).
TimeoutTypes = Union[float, Timeout, TimeoutLike, None]


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or value < 0
    ):
        raise ConfigurationError(
            f"RetryPolicy.{attribute.name} must be a number >= 0, not {value!r}"
        )


def _fraction(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    _non_negative(_, attribute, value)
    if value > 1:
        raise ConfigurationError(
            f"RetryPolicy.{attribute.name} must be between 0 and 1, not {value!r}"
        )


@attrs.frozen(slots=True)
class RetryPolicy:
    """How long to wait between attempts (how many attempts is ``max_retries``).

    Without a server-requested wait, attempt ``n`` (from 0) waits
    ``min(max_delay, base_delay * 2**n)`` reduced by a random fraction up to ``jitter``.
    A server asking for more than ``max_retry_after`` seconds is not retried: the
    error is raised at once with the server's request in its headers.
    """

    base_delay: float = attrs.field(default=0.5, validator=_non_negative)
    max_delay: float = attrs.field(default=8.0, validator=_non_negative)
    jitter: float = attrs.field(default=0.25, validator=_fraction)
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative)


DEFAULT_RETRY_POLICY = RetryPolicy()
