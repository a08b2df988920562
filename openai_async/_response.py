"""What every result, stream and error knows about the HTTP response behind it (no I/O)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import attrs

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "HTTPResponse",
    "RateLimitInfo",
    "RequestInfo",
    "ResponseInfo",
    "parse_duration",
]

#: Headers whose values are credentials: never kept by :class:`RequestInfo`.
SECRET_HEADERS = frozenset(
    {"authorization", "api-key", "proxy-authorization", "cookie", "x-amz-security-token"}
)
REDACTED = "<redacted>"

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|us|µs|ns|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(text: str | None) -> float | None:
    """Seconds in a Go-style duration (``6m0s``, ``1.5s``, ``20ms``, ``1h2m3s``) or a bare number.

    Returns ``None`` for anything else rather than guessing.
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        return value if math.isfinite(value) and value >= 0 else None
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and pos > 0 else None


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


@attrs.frozen(slots=True)
class RateLimitInfo:
    """The ``x-ratelimit-*`` headers, typed. Reset times are in seconds from the response."""

    limit_requests: int | None
    limit_tokens: int | None
    remaining_requests: int | None
    remaining_tokens: int | None
    reset_requests: float | None
    reset_tokens: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Parsed rate-limit headers, or ``None`` when the response had none."""
        get = headers.get
        info = cls(
            limit_requests=_int_or_none(get("x-ratelimit-limit-requests")),
            limit_tokens=_int_or_none(get("x-ratelimit-limit-tokens")),
            remaining_requests=_int_or_none(get("x-ratelimit-remaining-requests")),
            remaining_tokens=_int_or_none(get("x-ratelimit-remaining-tokens")),
            reset_requests=parse_duration(get("x-ratelimit-reset-requests")),
            reset_tokens=parse_duration(get("x-ratelimit-reset-tokens")),
        )
        if info == _EMPTY_RATE_LIMIT:
            return None
        return info


_EMPTY_RATE_LIMIT = RateLimitInfo(None, None, None, None, None, None)

_UNSET: object = object()


class RequestInfo:
    """The request behind a response or an error: ``method``, ``url`` and ``headers``.

    Credential headers (``Authorization``, ``api-key``, ...) keep their names with the
    value ``"<redacted>"``: the secret is not stored here at all.
    """

    __slots__ = ("headers", "method", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        secret_headers: frozenset[str] = SECRET_HEADERS,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: Mapping[str, str] = {
            k: REDACTED if k.lower() in secret_headers else v for k, v in headers.items()
        }

    def __repr__(self) -> str:
        return f"RequestInfo({self.method} {self.url.split('?', 1)[0]})"


class ResponseInfo:
    """Status, headers, request id and rate limits of one HTTP response.

    Reachable as ``result.response_info``, ``stream.response_info`` and
    ``error.response_info``. Rate-limit headers are parsed on first access only.
    """

    __slots__ = ("_rate_limit", "headers", "method", "request", "status_code", "url")

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        method: str,
        url: str,
        request: RequestInfo | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.method = method
        self.url = url
        #: The request that got this response (set by the client once it is sent).
        self.request = request
        self._rate_limit: object = _UNSET

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-request-id")

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        cached = self._rate_limit
        if cached is _UNSET:
            cached = self._rate_limit = RateLimitInfo.from_headers(self.headers)
        assert cached is None or isinstance(cached, RateLimitInfo)
        return cached

    def __repr__(self) -> str:
        return (
            f"ResponseInfo(status_code={self.status_code}, method={self.method!r}, "
            f"url={self.url!r}, request_id={self.request_id!r})"
        )


class HTTPResponse:
    """An HTTP response with the part of its body that was read (``error.response``,
    ``raw.http_response``).

    ``status_code``, ``headers``, ``url``, ``request``, ``content``, ``text`` and
    ``json()``: what the official SDK's httpx response offers for these, without httpx.
    """

    __slots__ = ("content", "info")

    def __init__(self, info: ResponseInfo, content: bytes = b"") -> None:
        self.info = info
        self.content = content

    @property
    def status_code(self) -> int:
        return self.info.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self.info.headers

    @property
    def url(self) -> str:
        return self.info.url

    @property
    def request(self) -> RequestInfo | None:
        return self.info.request

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON (``json.JSONDecodeError`` when it is not JSON)."""
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<HTTPResponse [{self.status_code} {self.reason_phrase}]>"
