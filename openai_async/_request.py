"""Turning a call into a request: URL, headers and body (no I/O)."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import orjson

from ._exceptions import ConfigurationError, InvalidRequestError
from ._files import Form
from ._types import NotGiven
from ._version import __version__

__all__ = [
    "PreparedRequest",
    "build_url",
    "check_api_key",
    "encode_json",
    "merge_headers",
    "path_param",
    "user_agent",
]


class PreparedRequest:
    """Everything the transport needs to send one attempt."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | Form | None
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        # Headers are left out: they hold credentials.
        return f"PreparedRequest({self.method} {self.url.split('?', 1)[0]})"


def user_agent() -> str:
    return f"openai_async/{__version__} (Python {platform.python_version()})"


def normalize_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; must be absolute http(s) with a host."""
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base_url must start with http:// or https://, got {base_url!r}")
    try:
        host = urlsplit(base_url).hostname
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ConfigurationError(f"base_url is not a valid URL ({exc}): {base_url!r}") from None
    if not host:
        raise ConfigurationError(f"base_url has no host: {base_url!r}")
    if "?" in base_url or "#" in base_url:
        # Paths are appended to base_url: they would land inside the query string.
        raise ConfigurationError(
            f"base_url must not have a query or fragment (use default_query=...): {base_url!r}"
        )
    return base_url.rstrip("/")


def check_api_key(key: object) -> str:
    """``key`` if it can be sent in a header; the message never repeats the key."""
    if not isinstance(key, str) or not key:
        raise ConfigurationError("the API key must be a non-empty string")
    if not key.isprintable() or key != key.strip():
        raise ConfigurationError(
            "the API key has whitespace at its ends or control characters in it "
            "(a trailing newline copied from a file?)"
        )
    return key


def path_param(value: str, name: str) -> str:
    """The path parameter ``name`` as one percent-encoded segment; a value that is not a
    string, empty, or would change the route (``.``, ``..``) is refused before any request."""
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"Expected a str for `{name}` but received {type(value).__name__} {value!r:.80}"
        )
    if value in ("", ".", ".."):
        raise InvalidRequestError(
            f"Expected a non-empty value for `{name}` but received {value!r}"
            if not value
            else f"`{name}` cannot be {value!r}: it would change the request path"
        )
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for it
        raise InvalidRequestError(f"`{name}` is not valid Unicode text: {value!r:.80}") from None


def _query_value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def build_url(base_url: str, path: str, query: Mapping[str, object] | None = None) -> str:
    """``base_url`` + ``path`` + the query string (``None`` and omitted values dropped)."""
    url = base_url + path
    if query:
        pairs: list[tuple[str, str]] = []
        for key, value in query.items():
            if value is None or isinstance(value, NotGiven):
                continue
            if isinstance(value, (list, tuple)):
                pairs.extend((key, _query_value(v)) for v in value)
            elif isinstance(value, Mapping):  # deepObject style: metadata[key]=value
                pairs.extend(
                    (f"{key}[{sub}]", _query_value(v)) for sub, v in value.items() if v is not None
                )
            else:
                pairs.append((key, _query_value(value)))
        if pairs:
            try:
                encoded = urlencode(pairs)
            except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for it
                raise InvalidRequestError(
                    f"the query parameters are not valid Unicode text: {pairs!r:.120}"
                ) from None
            url += ("&" if "?" in url else "?") + encoded
    return url


def merge_headers(
    base: Mapping[str, str], extra: Mapping[str, str | NotGiven] | None
) -> dict[str, str]:
    """``base`` updated with ``extra``; a ``NOT_GIVEN`` value removes a header (case-insensitive)."""
    headers = dict(base)
    if extra:
        for key, value in extra.items():
            lower = key.lower()
            for existing in [k for k in headers if k.lower() == lower]:
                del headers[existing]
            if not isinstance(value, NotGiven):
                headers[key] = value
    return headers


def encode_json(
    body: Mapping[str, Any] | None, extra_body: Mapping[str, Any] | None
) -> bytes | None:
    """JSON bytes of ``body`` with ``extra_body`` merged over it (``extra_body`` wins)."""
    if extra_body:
        body = {**(body or {}), **extra_body}
    elif body is None:
        return None
    try:
        return orjson.dumps(body, default=_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as exc:
        raise InvalidRequestError(f"the request body cannot be encoded as JSON: {exc}") from exc


def _default(obj: Any) -> Any:
    """What is not plain JSON in a body (models, mappings, iterables): the converter's
    encoding, loaded only when a body holds such a value."""
    from ._converter import _default as converted

    return converted(obj)
