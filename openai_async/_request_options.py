"""RequestOptions: settings for one call only, passed as ``options=`` to any method (no I/O)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ._exceptions import ConfigurationError
from ._request import normalize_base_url
from ._types import NOT_GIVEN, Headers, NotGiven, Query

if TYPE_CHECKING:
    from ._client import ApiKey, AsyncClient
    from ._options import RetryPolicy, Timeout

__all__ = ["RequestOptions"]

_CLIENT_SETTINGS = (
    "api_key",
    "organization",
    "project",
    "base_url",
    "timeout",
    "max_retries",
    "retry_policy",
)


def _base_url(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, NotGiven):
        normalize_base_url(value)  # type: ignore[arg-type]


def _max_retries(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, NotGiven) and (
        isinstance(value, bool) or not isinstance(value, int) or value < 0
    ):
        raise ConfigurationError(f"max_retries must be an int >= 0, not {value!r}")


@attrs.frozen(kw_only=True)
class RequestOptions:
    """Credentials, routing, headers and limits for one call, on the same connections.

    Every method takes it as ``options=``; fields left out keep the client's settings,
    and the method's own ``extra_headers`` / ``extra_query`` / ``timeout`` /
    ``max_retries`` win over it. ``client.with_options(...)`` is the reusable variant.
    """

    api_key: ApiKey | NotGiven = attrs.field(default=NOT_GIVEN, repr=False)
    organization: str | None | NotGiven = NOT_GIVEN
    project: str | None | NotGiven = NOT_GIVEN
    base_url: str | NotGiven = attrs.field(default=NOT_GIVEN, validator=_base_url)
    headers: Headers = attrs.field(factory=dict, repr=False)
    query: Query = attrs.field(factory=dict)
    timeout: float | Timeout | None | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = attrs.field(default=NOT_GIVEN, validator=_max_retries)
    retry_policy: RetryPolicy | NotGiven = NOT_GIVEN

    def apply(
        self, client: AsyncClient, extra_headers: Headers | None, extra_query: Query | None
    ) -> tuple[AsyncClient, Headers | None, Query | None]:
        """The client to send with, and the call's headers and query with these merged under."""
        changes = {
            name: value
            for name in _CLIENT_SETTINGS
            if not isinstance(value := getattr(self, name), NotGiven)
        }
        if changes:
            client = client.with_options(**changes)
        if self.headers:
            if extra_headers:
                overridden = {k.lower() for k in extra_headers}
                kept = {k: v for k, v in self.headers.items() if k.lower() not in overridden}
                extra_headers = {**kept, **extra_headers}
            else:
                extra_headers = self.headers
        if self.query:
            extra_query = {**self.query, **(extra_query or {})}
        return client, extra_headers, extra_query
