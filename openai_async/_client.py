"""AsyncClient: settings, lazily created resources, the request loop, aclose / async with."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property, partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, Union

import orjson

from ._compat import deadline_scope
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    error_message,
    status_error_class,
)
from ._files import Form, build_form
from ._models import BaseModel
from ._options import DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT, RetryPolicy, Timeout
from ._raw import active_capture
from ._request import (
    PreparedRequest,
    build_url,
    check_api_key,
    encode_json,
    merge_headers,
    normalize_base_url,
    user_agent,
)
from ._response import ResponseInfo
from ._retry import retry_delay
from ._streaming import AsyncStream, ChoicesTracker, StreamTracker
from ._types import NOT_GIVEN, Headers, NotGiven, Query

if TYPE_CHECKING:
    import aiohttp

    from ._binary import BinaryResponse
    from ._request_options import RequestOptions
    from ._transport import RawResponse, Transport, Verify
    from .lib.webhooks import Webhooks
    from .resources.admin import AsyncAdmin
    from .resources.audio import AsyncAudio
    from .resources.batches import AsyncBatches
    from .resources.beta import AsyncBeta
    from .resources.chat import AsyncChat
    from .resources.completions import AsyncCompletions
    from .resources.containers import AsyncContainers
    from .resources.content_provenance_checks import AsyncContentProvenanceChecks
    from .resources.conversations import AsyncConversations
    from .resources.edits import AsyncEdits
    from .resources.embeddings import AsyncEmbeddings
    from .resources.engines import AsyncEngines
    from .resources.evals import AsyncEvals
    from .resources.files import AsyncFiles
    from .resources.fine_tunes import AsyncFineTunes
    from .resources.fine_tuning import AsyncFineTuning
    from .resources.images import AsyncImages
    from .resources.models import AsyncModels
    from .resources.moderations import AsyncModerations
    from .resources.realtime import AsyncRealtime
    from .resources.responses import AsyncResponses
    from .resources.skills import AsyncSkills
    from .resources.uploads import AsyncUploads
    from .resources.vector_stores import AsyncVectorStores
    from .resources.videos import AsyncVideos

__all__ = ["DEFAULT_BASE_URL", "ApiKey", "AsyncClient"]

log = logging.getLogger("openai_async")
_T = TypeVar("_T")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MAX_RETRIES = 2

#: An API key, or a callable (sync or async) returning the key to use for each request.
ApiKey = Union[str, Callable[[], str], Callable[[], Awaitable[str]]]

_RESOURCES = (
    "admin",
    "audio",
    "batches",
    "beta",
    "chat",
    "completions",
    "containers",
    "content_provenance_checks",
    "conversations",
    "embeddings",
    "evals",
    "files",
    "fine_tuning",
    "images",
    "models",
    "moderations",
    "realtime",
    "responses",
    "skills",
    "uploads",
    "vector_stores",
    "videos",
    "webhooks",
)


class AsyncClient:
    """The async OpenAI client: one aiohttp session, shared by every resource.

    Reads ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID`` and
    ``OPENAI_PROJECT_ID`` for settings left out. Close it with ``await client.aclose()``
    or ``async with``; a client dropped unclosed is cleaned up by its event loop.
    """

    def __init__(
        self,
        *,
        api_key: ApiKey | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        verify: Verify = True,
        max_connections: int | None = 100,
        max_connections_per_host: int | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("OPENAI_API_KEY") or None
        if api_key is None:
            raise ConfigurationError(
                "no API key: pass api_key=... (a string, or a callable returning one) "
                "or set the OPENAI_API_KEY environment variable"
            )
        from ._transport import Transport

        self._transport: Transport = Transport(
            session,
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            proxy=proxy,
            trust_env=trust_env,
            verify=verify,
        )
        self._configure(
            api_key=api_key,
            organization=organization
            if organization is not None
            else os.environ.get("OPENAI_ORG_ID"),
            project=project if project is not None else os.environ.get("OPENAI_PROJECT_ID"),
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers or {},
            default_query=default_query or {},
        )

    def _configure(
        self,
        *,
        api_key: ApiKey,
        organization: str | None,
        project: str | None,
        base_url: str,
        timeout: float | Timeout | None,
        max_retries: int,
        retry_policy: RetryPolicy,
        default_headers: Mapping[str, str],
        default_query: Mapping[str, object],
    ) -> None:
        _check_max_retries(max_retries)
        if not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError("retry_policy must be an openai_async.RetryPolicy")
        if isinstance(api_key, str):
            check_api_key(api_key)
        elif not callable(api_key):
            raise ConfigurationError("api_key must be a string or a callable returning one")
        self._api_key = api_key
        self.organization = organization
        self.project = project
        self.base_url = normalize_base_url(base_url)
        self.timeout = Timeout.of(timeout)
        self.max_retries = max_retries
        self.retry_policy = retry_policy
        self.default_headers = dict(default_headers)
        self.default_query = dict(default_query)
        headers = {"User-Agent": user_agent(), "Accept": "application/json"}
        if organization:
            headers["OpenAI-Organization"] = organization
        if project:
            headers["OpenAI-Project"] = project
        if isinstance(api_key, str):
            headers.update(self._credential_headers(api_key))
        headers.update(self.default_headers)
        self._base_headers = headers

    def with_options(
        self,
        *,
        api_key: ApiKey | NotGiven = NOT_GIVEN,
        organization: str | None | NotGiven = NOT_GIVEN,
        project: str | None | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        default_query: Mapping[str, object] | NotGiven = NOT_GIVEN,
    ) -> AsyncClient:
        """A copy with some settings changed that shares this client's connections.

        Cheap enough to call per request. Closing either closes the shared connections.
        """
        new = object.__new__(type(self))
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in _RESOURCES})
        new._configure(
            api_key=self._api_key if isinstance(api_key, NotGiven) else api_key,
            organization=self.organization if isinstance(organization, NotGiven) else organization,
            project=self.project if isinstance(project, NotGiven) else project,
            base_url=self.base_url if isinstance(base_url, NotGiven) else base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            retry_policy=self.retry_policy if isinstance(retry_policy, NotGiven) else retry_policy,
            default_headers=self.default_headers
            if isinstance(default_headers, NotGiven)
            else default_headers,
            default_query=self.default_query
            if isinstance(default_query, NotGiven)
            else default_query,
        )
        return new

    # Resources are created on first use; their modules load then too.

    @cached_property
    def admin(self) -> AsyncAdmin:
        from .resources.admin import AsyncAdmin

        return AsyncAdmin(self)

    @cached_property
    def audio(self) -> AsyncAudio:
        from .resources.audio import AsyncAudio

        return AsyncAudio(self)

    @cached_property
    def batches(self) -> AsyncBatches:
        from .resources.batches import AsyncBatches

        return AsyncBatches(self)

    @cached_property
    def beta(self) -> AsyncBeta:
        from .resources.beta import AsyncBeta

        return AsyncBeta(self)

    @cached_property
    def chat(self) -> AsyncChat:
        from .resources.chat import AsyncChat

        return AsyncChat(self)

    @cached_property
    def completions(self) -> AsyncCompletions:
        from .resources.completions import AsyncCompletions

        return AsyncCompletions(self)

    @cached_property
    def containers(self) -> AsyncContainers:
        from .resources.containers import AsyncContainers

        return AsyncContainers(self)

    @cached_property
    def content_provenance_checks(self) -> AsyncContentProvenanceChecks:
        from .resources.content_provenance_checks import AsyncContentProvenanceChecks

        return AsyncContentProvenanceChecks(self)

    @cached_property
    def conversations(self) -> AsyncConversations:
        from .resources.conversations import AsyncConversations

        return AsyncConversations(self)

    @cached_property
    def edits(self) -> AsyncEdits:
        from .resources.edits import AsyncEdits

        return AsyncEdits(self)

    @cached_property
    def embeddings(self) -> AsyncEmbeddings:
        from .resources.embeddings import AsyncEmbeddings

        return AsyncEmbeddings(self)

    @cached_property
    def engines(self) -> AsyncEngines:
        from .resources.engines import AsyncEngines

        return AsyncEngines(self)

    @cached_property
    def evals(self) -> AsyncEvals:
        from .resources.evals import AsyncEvals

        return AsyncEvals(self)

    @cached_property
    def files(self) -> AsyncFiles:
        from .resources.files import AsyncFiles

        return AsyncFiles(self)

    @cached_property
    def fine_tunes(self) -> AsyncFineTunes:
        from .resources.fine_tunes import AsyncFineTunes

        return AsyncFineTunes(self)

    @cached_property
    def fine_tuning(self) -> AsyncFineTuning:
        from .resources.fine_tuning import AsyncFineTuning

        return AsyncFineTuning(self)

    @cached_property
    def images(self) -> AsyncImages:
        from .resources.images import AsyncImages

        return AsyncImages(self)

    @cached_property
    def models(self) -> AsyncModels:
        from .resources.models import AsyncModels

        return AsyncModels(self)

    @cached_property
    def moderations(self) -> AsyncModerations:
        from .resources.moderations import AsyncModerations

        return AsyncModerations(self)

    @cached_property
    def realtime(self) -> AsyncRealtime:
        from .resources.realtime import AsyncRealtime

        return AsyncRealtime(self)

    @cached_property
    def responses(self) -> AsyncResponses:
        from .resources.responses import AsyncResponses

        return AsyncResponses(self)

    @cached_property
    def skills(self) -> AsyncSkills:
        from .resources.skills import AsyncSkills

        return AsyncSkills(self)

    @cached_property
    def uploads(self) -> AsyncUploads:
        from .resources.uploads import AsyncUploads

        return AsyncUploads(self)

    @cached_property
    def vector_stores(self) -> AsyncVectorStores:
        from .resources.vector_stores import AsyncVectorStores

        return AsyncVectorStores(self)

    @cached_property
    def videos(self) -> AsyncVideos:
        from .resources.videos import AsyncVideos

        return AsyncVideos(self)

    @cached_property
    def webhooks(self) -> Webhooks:
        """Verify and parse webhook deliveries (no I/O: the sync client returns this too)."""
        from .lib.webhooks import Webhooks

        return Webhooks(self)

    # Lifecycle

    async def aclose(self) -> None:
        """Close the connections this client opened (a session passed in is left open)."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, organization={self.organization!r})"
        )

    # The request path: build -> send -> retry decision -> decode.

    async def request(
        self,
        cast_to: type[_T],
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Query | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
        files: Sequence[str] | None = None,
    ) -> _T:
        """Send a request and decode the JSON response into ``cast_to``.

        ``files``: send ``body`` as multipart/form-data, with files under these keys.
        ``cast_to=type(None)``: the response has no body to decode.
        """
        response, raw = await self._send_for_body(
            method, path, body, query, extra_headers, extra_query, extra_body,
            timeout, max_retries, options, files,
        )  # fmt: skip
        if cast_to is type(None):
            return None  # _T is None here
        data = _decode_json(raw, response.info)
        return structure_response(data, cast_to, response.info, raw=raw)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Query | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
        files: Sequence[str] | None = None,
    ) -> tuple[Any, ResponseInfo]:
        """Send a request; return the decoded JSON body and the response info."""
        response, raw = await self._send_for_body(
            method, path, body, query, extra_headers, extra_query, extra_body,
            timeout, max_retries, options, files,
        )  # fmt: skip
        return _decode_json(raw, response.info), response.info

    async def _send_for_body(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        query: Query | None,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Mapping[str, Any] | None,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        options: RequestOptions | None,
        files: Sequence[str] | None,
    ) -> tuple[RawResponse, bytes]:
        """What ``request`` and ``request_json`` share: per-call options, then the send."""
        client, extra_headers, extra_query = self._for_call(options, extra_headers, extra_query)
        return await client._send(
            method,
            path,
            body=body,
            query=query,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            stream=False,
            files=files,
        )

    async def request_stream(
        self,
        cast_to: type[_T],
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Query | None = None,
        tracker: StreamTracker | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
        files: Sequence[str] | None = None,
    ) -> AsyncStream[_T]:
        """Send a request and return its server-sent events as a stream of ``cast_to``.

        HTTP errors are raised here, before any iteration.
        """
        client, extra_headers, extra_query = self._for_call(options, extra_headers, extra_query)
        headers = merge_headers({"Accept": "text/event-stream"}, extra_headers)
        response, _ = await client._send(
            method,
            path,
            body=body,
            query=query,
            extra_headers=headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            stream=True,
            files=files,
        )
        idle = (
            client.timeout if isinstance(timeout, NotGiven) else Timeout.of(timeout)
        ).stream_idle
        return AsyncStream(
            response, cast_to=cast_to, tracker=tracker or ChoicesTracker(), idle_timeout=idle
        )

    async def request_binary(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Query | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        options: RequestOptions | None = None,
        files: Sequence[str] | None = None,
    ) -> BinaryResponse:
        """Send a request whose response is not JSON; its body is read as it arrives."""
        from ._binary import BinaryResponse

        client, extra_headers, extra_query = self._for_call(options, extra_headers, extra_query)
        headers = merge_headers({"Accept": "*/*"}, extra_headers)
        response, _ = await client._send(
            method,
            path,
            body=body,
            query=query,
            extra_headers=headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            stream=True,
            files=files,
        )
        return BinaryResponse(response)

    def _for_call(
        self, options: RequestOptions | None, headers: Headers | None, query: Query | None
    ) -> tuple[AsyncClient, Headers | None, Query | None]:
        """The client, headers and query of one call (``options=`` applied, when given)."""
        if options is None:
            return self, headers, query
        return options.apply(self, headers, query)

    def _credential_headers(self, key: str) -> dict[str, str]:
        """The header(s) that carry a key or token."""
        return {"Authorization": f"Bearer {key}"}

    def _route(self, path: str, body: Mapping[str, Any] | None) -> str:
        """The path to request under ``base_url`` (Azure maps some to a deployment)."""
        return path

    async def _auth_headers(self) -> dict[str, str]:
        key = self._api_key
        if isinstance(key, str):
            return {}
        value = key()
        if inspect.isawaitable(value):
            value = await value
        return self._credential_headers(check_api_key(value))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None,
        query: Query | None,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Mapping[str, Any] | None,
        timeout: float | Timeout | None | NotGiven,
        max_retries: int | NotGiven,
        stream: bool,
        files: Sequence[str] | None = None,
    ) -> tuple[RawResponse, bytes]:
        """The retry loop: returns a successful response (and its body unless streaming)."""
        limits = self.timeout if isinstance(timeout, NotGiven) else Timeout.of(timeout)
        retries = self.max_retries if isinstance(max_retries, NotGiven) else max_retries
        _check_max_retries(retries)
        if self.default_query or extra_query:
            query = {**self.default_query, **(query or {}), **(extra_query or {})}
        route = self._route(path, {**(body or {}), **extra_body} if extra_body else body)
        url = build_url(self.base_url, route, query)
        content: bytes | Form | None
        if files is not None:  # multipart: a missing file fails here, before any request
            content = build_form(body, extra_body, files)
        else:
            content = encode_json(body, extra_body)
        base = self._base_headers
        if isinstance(content, bytes):
            base = {**base, "Content-Type": "application/json"}
        loop = asyncio.get_running_loop()
        deadline = None if limits.total is None else loop.time() + limits.total
        attempt = 0
        while True:
            auth = await self._auth_headers()
            headers = merge_headers({**base, **auth} if auth else base, extra_headers)
            request = PreparedRequest(method, url, headers, content)
            error: APIError
            try:
                response = await self._transport.send(request, timeout=limits, deadline=deadline)
                if response.status < 400:
                    capture = active_capture()
                    if capture is not None:  # .with_raw_response / .with_streaming_response
                        read = partial(_read_body, response, deadline)
                        return response, await capture.take(
                            response, request, attempt, stream, read
                        )
                    if stream:
                        return response, b""
                    return response, await _read_body(response, deadline)
                error = _status_error(response, await _read_error_body(response, deadline))
                status: int | None = response.status
                headers_in: Mapping[str, str] | None = response.info.headers
            except APIConnectionError as exc:
                error, status, headers_in = exc, None, None
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0 and isinstance(error, APIConnectionError):
                raise APITimeoutError(
                    f"{method} {path}: the total deadline of {limits.total} s ran out"
                    f" after {attempt + 1} attempt(s)"
                ) from error
            delay = retry_delay(
                attempt=attempt,
                max_retries=retries,
                policy=self.retry_policy,
                status=status,
                headers=headers_in,
                error_code=error.code,
            )
            if delay is None:
                raise error
            if remaining is not None and delay >= remaining:
                # Retryable, but the next attempt could not finish in time: never sleep past it.
                raise APITimeoutError(
                    f"{method} {path}: the total deadline of {limits.total} s leaves no time"
                    f" to retry after: {error.message}",
                    response_info=error.response_info,
                ) from error
            log.info(
                "retrying %s %s in %.3f s (retry %d of %d) after: %s",
                method,
                path,
                delay,
                attempt + 1,
                retries,
                error,
                extra={"retry_delay": delay, "retry_attempt": attempt + 1},
            )
            await asyncio.sleep(delay)
            attempt += 1


def _check_max_retries(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"max_retries must be an int >= 0, not {value!r}")


def _decode_json(raw: bytes, info: ResponseInfo) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise APIResponseValidationError(
            f"the response is not valid JSON ({exc})",
            raw=raw.decode("utf-8", "replace"),
            response_info=info,
        ) from None


async def _read_body(response: RawResponse, deadline: float | None) -> bytes:
    try:
        async with deadline_scope(deadline):
            return await response.read()
    except asyncio.TimeoutError:
        response.close()
        raise APITimeoutError("reading the response body ran past the total deadline") from None


async def _read_error_body(response: RawResponse, deadline: float | None) -> bytes:
    """The body of an error response; an unreadable one counts as empty."""
    try:
        return await _read_body(response, deadline)
    except APIConnectionError:
        return b""


def _status_error(response: RawResponse, raw: bytes) -> APIStatusError:
    text = raw.decode("utf-8", "replace")
    body: object
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = text
    status = response.status
    fallback = _plain_text(text)[:300] or "no error body"
    message = error_message(body, fallback)
    return status_error_class(status, body)(
        f"Error code: {status} - {message}",
        status_code=status,
        body=body,
        response_info=response.info,
    )


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def _plain_text(text: str) -> str:
    """A one-line summary of a non-JSON error body: an HTML page's title or text, else the text."""
    if text.lstrip().startswith("<"):
        match = _HTML_TITLE.search(text)
        text = match.group(1) if match else _HTML_TAG.sub(" ", text)
    return " ".join(text.split())


def structure_response(
    data: Any, cast_to: type[_T], info: ResponseInfo, *, raw: bytes | None = None
) -> _T:
    """Structure a decoded JSON body into ``cast_to``, attaching the response info.

    ``raw`` (the body as received) is what a validation error keeps; without it the
    decoded data is serialized again.
    """
    try:
        from ._converter import converter  # cattrs loads with the first response

        result: _T = converter.structure(data, cast_to)
    except Exception as exc:
        text = raw.decode("utf-8", "replace") if raw is not None else orjson.dumps(data).decode()
        raise APIResponseValidationError(
            f"the response does not match {getattr(cast_to, '__name__', cast_to)}: {exc!r}",
            raw=text,
            response_info=info,
        ) from None
    if isinstance(result, BaseModel):
        result._response_info = info
    return result
