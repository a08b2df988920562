"""AsyncClient: settings, lazily created resources, the request loop, aclose / async with."""

from __future__ import annotations

import inspect
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property, partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, Union, cast

import orjson

from ._direct import NeedsLoop, direct_mode
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
from ._hooks import Hooks, check_hooks
from ._models import BaseModel
from ._options import DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT, RetryPolicy, Timeout, TimeoutTypes
from ._raw import active_capture, binary_result
from ._request import (
    PreparedRequest,
    build_url,
    check_api_key,
    encode_json,
    merge_headers,
    normalize_base_url,
    user_agent,
)
from ._response import SECRET_HEADERS, RequestInfo, ResponseInfo
from ._retry import retry_delay
from ._streaming import AsyncStream, ChoicesTracker, StreamTracker
from ._tracing import DEFAULT_TELEMETRY, Call, Telemetry, observed
from ._types import NOT_GIVEN, Headers, NotGiven, Query

if TYPE_CHECKING:
    import aiohttp

    from ._binary import BinaryResponse
    from ._request_options import RequestOptions
    from ._synchttp import SyncResponse
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

__all__ = [
    "ADMIN_PATH_PREFIXES",
    "DATA_RESIDENCY_BASE_URLS",
    "DEFAULT_BASE_URL",
    "ApiKey",
    "AsyncClient",
    "DefaultAioHttpClient",
]

log = logging.getLogger("openai_async")
_T = TypeVar("_T")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MAX_RETRIES = 2

#: An API key, or a callable (sync or async) returning the key to use for each request.
ApiKey = Union[str, Callable[[], str], Callable[[], Awaitable[str]]]

#: The paths of ``client.admin.*``: sent with ``admin_api_key`` when one is set.
ADMIN_PATH_PREFIXES = ("/organization/", "/projects/")

#: ``data_residency=``: the regional endpoints of the OpenAI API.
DATA_RESIDENCY_BASE_URLS = {
    region: f"https://{'' if region == 'global' else region + '.'}api.openai.com/v1"
    for region in ("global", "us", "eu", "ae", "au", "in", "jp")
}

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

    Reads ``OPENAI_API_KEY``, ``OPENAI_ADMIN_KEY``, ``OPENAI_BASE_URL``,
    ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``, ``OPENAI_WEBHOOK_SECRET`` and
    ``OPENAI_CUSTOM_HEADERS`` (``Name: value`` lines, under ``default_headers``) for
    settings left out. ``admin_api_key`` is sent instead of the API key on
    ``client.admin.*`` calls. Close it with ``await client.aclose()`` or ``async with``;
    a client dropped unclosed is cleaned up by its event loop.

    ``http_client`` (but for :class:`DefaultAioHttpClient`, our transport anyway),
    ``workload_identity``, ``provider`` and ``_strict_response_validation=True``
    (keywords of the official SDK) are refused with a :class:`ConfigurationError` saying
    what to use instead.
    """

    def __init__(
        self,
        *,
        api_key: ApiKey | None = None,
        admin_api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        data_residency: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
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
        hooks: Hooks | None = None,
        telemetry: Telemetry | None = None,
        http_client: object = None,
        workload_identity: object = None,
        provider: object = None,
        _strict_response_validation: bool = False,
    ) -> None:
        _refuse_unsupported(http_client, workload_identity, provider, _strict_response_validation)
        if api_key is None:
            api_key = os.environ.get("OPENAI_API_KEY") or None
        if admin_api_key is None:
            admin_api_key = os.environ.get("OPENAI_ADMIN_KEY") or None
        if api_key is None and admin_api_key is None:
            raise ConfigurationError(
                "no API key: pass api_key=... (a string, or a callable returning one) "
                "or set the OPENAI_API_KEY environment variable (or, for client.admin.* "
                "calls only, admin_api_key=... / OPENAI_ADMIN_KEY)"
            )
        if data_residency is not None:
            if base_url is not None or websocket_base_url is not None:
                raise ConfigurationError(
                    "pass data_residency or base_url / websocket_base_url, not both"
                )
            if data_residency not in DATA_RESIDENCY_BASE_URLS:
                raise ConfigurationError(
                    f"data_residency must be one of {', '.join(DATA_RESIDENCY_BASE_URLS)}, "
                    f"not {data_residency!r}"
                )
            base_url = DATA_RESIDENCY_BASE_URLS[data_residency]
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
            admin_api_key=admin_api_key,
            organization=organization
            if organization is not None
            else os.environ.get("OPENAI_ORG_ID"),
            project=project if project is not None else os.environ.get("OPENAI_PROJECT_ID"),
            webhook_secret=webhook_secret
            if webhook_secret is not None
            else os.environ.get("OPENAI_WEBHOOK_SECRET"),
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            websocket_base_url=websocket_base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=_with_env_headers(default_headers or {}),
            default_query=default_query or {},
        )
        self._hooks = check_hooks(hooks)
        self._telemetry = _check_telemetry(telemetry)

    def _configure(
        self,
        *,
        api_key: ApiKey | None,
        admin_api_key: str | None,
        organization: str | None,
        project: str | None,
        webhook_secret: str | None,
        base_url: str,
        websocket_base_url: str | None,
        timeout: TimeoutTypes,
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
        elif api_key is not None and not callable(api_key):
            raise ConfigurationError("api_key must be a string or a callable returning one")
        if admin_api_key is not None:
            check_api_key(admin_api_key)
        if webhook_secret is not None and (
            not isinstance(webhook_secret, str) or not webhook_secret
        ):
            raise ConfigurationError("webhook_secret must be a non-empty string")
        if websocket_base_url is not None and (
            not isinstance(websocket_base_url, str)
            or not websocket_base_url.startswith(("ws://", "wss://", "http://", "https://"))
        ):
            raise ConfigurationError("websocket_base_url must be a ws(s):// or http(s):// URL")
        self._api_key = api_key
        self._admin_api_key = admin_api_key
        self._webhook_secret = webhook_secret
        self.organization = organization
        self.project = project
        self.base_url = normalize_base_url(base_url)
        self.websocket_base_url = websocket_base_url
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
        # Kept out of errors' ``request.headers``: every header a credential can travel in.
        self._secret_headers = SECRET_HEADERS | {
            name.lower() for name in self._credential_headers("-")
        }

    @property
    def admin_api_key(self) -> str | None:
        """The admin key sent on ``client.admin.*`` calls (``OPENAI_ADMIN_KEY``)."""
        return self._admin_api_key

    @property
    def webhook_secret(self) -> str | None:
        """The secret webhook signatures are checked with (``OPENAI_WEBHOOK_SECRET``)."""
        return self._webhook_secret

    @webhook_secret.setter
    def webhook_secret(self, value: str | None) -> None:
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigurationError("webhook_secret must be a non-empty string")
        self._webhook_secret = value

    def with_options(
        self,
        *,
        api_key: ApiKey | NotGiven = NOT_GIVEN,
        admin_api_key: str | None | NotGiven = NOT_GIVEN,
        organization: str | None | NotGiven = NOT_GIVEN,
        project: str | None | NotGiven = NOT_GIVEN,
        webhook_secret: str | None | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        websocket_base_url: str | None | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        set_default_headers: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        default_query: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        set_default_query: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        hooks: Hooks | None | NotGiven = NOT_GIVEN,
        telemetry: Telemetry | None | NotGiven = NOT_GIVEN,
        http_client: object = None,
    ) -> AsyncClient:
        """A copy with some settings changed that shares this client's connections.

        ``default_headers`` / ``default_query`` are merged over the current ones;
        ``set_default_headers`` / ``set_default_query`` replace them, as ``hooks`` and
        ``telemetry`` replace the current ones. ``copy()`` is the
        same method. Cheap enough to call per request. Closing either closes the shared
        connections.
        """
        _refuse_unsupported(http_client)
        new = object.__new__(type(self))
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in _RESOURCES})
        new._configure(
            api_key=self._api_key if isinstance(api_key, NotGiven) else api_key,
            admin_api_key=_given(admin_api_key, self._admin_api_key),
            organization=_given(organization, self.organization),
            project=_given(project, self.project),
            webhook_secret=_given(webhook_secret, self._webhook_secret),
            base_url=_given(base_url, self.base_url),
            websocket_base_url=_given(websocket_base_url, self.websocket_base_url),
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=_given(max_retries, self.max_retries),
            retry_policy=_given(retry_policy, self.retry_policy),
            default_headers=_merged(
                self.default_headers, default_headers, set_default_headers, "default_headers"
            ),
            default_query=_merged(
                self.default_query, default_query, set_default_query, "default_query"
            ),
        )
        if not isinstance(hooks, NotGiven):
            new._hooks = check_hooks(hooks)
        if not isinstance(telemetry, NotGiven):
            new._telemetry = _check_telemetry(telemetry)
        return new

    copy = with_options

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

    def _send_for_body(
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
    ) -> Awaitable[tuple[RawResponse, bytes]]:
        """What ``request`` and ``request_json`` share: per-call options, then the send (the
        send's own coroutine: no frame of its own on the hot path)."""
        client, extra_headers, extra_query = self._for_call(options, extra_headers, extra_query)
        return client._send(
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
        if direct_mode():
            raise NeedsLoop  # a binary body is read through aiohttp, on the event loop
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
        return await binary_result(response)

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
        if key is None:
            raise ConfigurationError(
                "no API key: this client has only admin_api_key, which is sent on "
                "client.admin.* calls; pass api_key=... or set OPENAI_API_KEY for the others"
            )
        value = key()
        if inspect.isawaitable(value):
            value = await value
        return self._credential_headers(check_api_key(value))

    @observed  # hooks, spans and metrics: a Call passed in as ``call`` when they want one
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
        call: Call | None = None,
    ) -> tuple[RawResponse, bytes]:
        """The retry loop: returns a successful response (and its body unless streaming)."""
        transport = self._transport
        if direct_mode():  # the sync facade's direct path: no event loop to await on
            twin = transport.direct()
            if twin is None or files is not None or active_capture() is not None:
                raise NeedsLoop
            if not isinstance(self._api_key, str) and not (
                self._admin_api_key is not None and path.startswith(ADMIN_PATH_PREFIXES)
            ):
                raise NeedsLoop  # a key provider may await
            # The same surface for all a plain call or a stream uses (send, clock, sleep; a
            # response's status, info, read_by, read_chunk_by and close); hooks and
            # captures never get here.
            transport = cast("Transport", twin)
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
        admin = self._admin_api_key is not None and path.startswith(ADMIN_PATH_PREFIXES)
        if admin:  # the admin key replaces the credential the API key would have sent
            drop: dict[str, str | NotGiven] = dict.fromkeys(
                self._credential_headers("-"), NOT_GIVEN
            )
            base = merge_headers(base, {**drop, "Authorization": f"Bearer {self._admin_api_key}"})
        clock = transport.clock
        deadline = None if limits.total is None else clock() + limits.total
        attempt = 0
        while True:
            # A key given as a string is in the base headers already: no await for it.
            if admin or isinstance(self._api_key, str):
                auth = {}
            else:
                auth = await self._auth_headers()
            headers = merge_headers({**base, **auth} if auth else base, extra_headers)
            request = PreparedRequest(method, url, headers, content)
            sent = RequestInfo(method, url, headers, self._secret_headers)
            error: APIError
            try:
                if call is not None:
                    await call.attempt(sent, attempt)
                response = await transport.send(request, timeout=limits, deadline=deadline)
                response.info.request = sent
                if call is not None:
                    await call.attempt_response(response)
                if response.status < 400:
                    capture = active_capture()
                    if capture is not None:  # .with_raw_response / .with_streaming_response
                        read = partial(response.read_by, deadline)
                        return response, await capture.take(response, attempt, stream, read)
                    if stream:
                        return response, b""
                    return response, await response.read_by(deadline)
                error = _status_error(response, await _read_error_body(response, deadline))
                status: int | None = response.status
                headers_in: Mapping[str, str] | None = response.info.headers
            except APIConnectionError as exc:
                if exc.request is None:
                    exc.request = sent
                error, status, headers_in = exc, None, None
            remaining = None if deadline is None else deadline - clock()
            if remaining is not None and remaining <= 0 and isinstance(error, APIConnectionError):
                raise APITimeoutError(
                    f"{method} {path}: the total deadline of {limits.total} s ran out"
                    f" after {attempt + 1} attempt(s)",
                    request=sent,
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
                    request=sent,
                ) from error
            if call is not None:
                call.retrying(attempt + 1, delay, error)
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
            await transport.sleep(delay)
            attempt += 1


class DefaultAioHttpClient:
    """The official SDK's ``http_client=`` that sends with aiohttp. This SDK always sends
    with aiohttp, so ``http_client=DefaultAioHttpClient()`` keeps the default transport.

    It takes none of httpx's options: pass ``proxy=``, ``verify=``, ``trust_env=``,
    ``max_connections=`` or ``session=`` (an ``aiohttp.ClientSession``) to the client.
    """

    def __init__(self, **options: object) -> None:
        if options:
            raise ConfigurationError(
                f"DefaultAioHttpClient({'=..., '.join(options)}=...): httpx options have no "
                "meaning here; pass proxy=, verify=, trust_env=, max_connections= or "
                "session= (an aiohttp.ClientSession) to the client instead"
            )

    def __repr__(self) -> str:
        return "DefaultAioHttpClient()"


def _refuse_unsupported(
    http_client: object,
    workload_identity: object = None,
    provider: object = None,
    strict_response_validation: bool = False,
) -> None:
    """Official SDK keywords this client cannot honour: a clear error, not a TypeError."""
    if http_client is not None and not isinstance(http_client, DefaultAioHttpClient):
        raise ConfigurationError(
            "http_client= (an httpx client) is not supported: this SDK sends with aiohttp. "
            "Pass session= (an aiohttp.ClientSession), or proxy=, verify=, trust_env=, "
            "max_connections="
        )
    if workload_identity is not None or provider is not None:
        raise ConfigurationError(
            "workload_identity= and provider= are not supported: pass api_key= (a string, "
            "or a callable returning a fresh token for each request)"
        )
    if strict_response_validation:
        raise ConfigurationError(
            "_strict_response_validation=True is not supported: responses are decoded "
            "leniently by design (unknown fields and enum values are kept)"
        )


_N = TypeVar("_N")


def _given(value: _N | NotGiven, current: _N) -> _N:
    return current if isinstance(value, NotGiven) else value


def _merged(
    current: Mapping[str, _N],
    merge: Mapping[str, _N] | None | NotGiven,
    replace: Mapping[str, _N] | None | NotGiven,
    name: str,
) -> Mapping[str, _N]:
    """``current`` with ``merge`` over it, or ``replace``; header names are compared
    case-insensitively."""
    if merge is not None and not isinstance(merge, NotGiven):
        if replace is not None and not isinstance(replace, NotGiven):
            raise ConfigurationError(f"pass {name} (merged) or set_{name} (replaces), not both")
        if name != "default_headers":
            return {**current, **merge}
        lower = {k.lower() for k in merge}
        return {**{k: v for k, v in current.items() if k.lower() not in lower}, **merge}
    if replace is not None and not isinstance(replace, NotGiven):
        return replace
    return current


def _with_env_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """``headers`` over those of ``OPENAI_CUSTOM_HEADERS`` (one ``Name: value`` per line)."""
    env = os.environ.get("OPENAI_CUSTOM_HEADERS")
    if not env:
        return headers
    parsed = {}
    for line in env.split("\n"):
        name, colon, value = line.partition(":")
        if colon and name.strip():
            parsed[name.strip()] = value.strip()
    return _merged(parsed, headers, NOT_GIVEN, "default_headers")


def _check_telemetry(value: object) -> Telemetry:
    if value is None:
        return DEFAULT_TELEMETRY
    if not isinstance(value, Telemetry):
        raise ConfigurationError("telemetry must be an openai_async.Telemetry")
    return value


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


async def _read_error_body(response: RawResponse | SyncResponse, deadline: float | None) -> bytes:
    """The body of an error response; an unreadable one counts as empty."""
    try:
        return await response.read_by(deadline)
    except APIConnectionError:
        return b""


def _status_error(response: RawResponse | SyncResponse, raw: bytes) -> APIStatusError:
    """The error for a response of status >= 400; ``body`` is the ``error`` object of a JSON
    body (as the official SDK has it), else the decoded body or the text."""
    text = raw.decode("utf-8", "replace")
    decoded: object
    try:
        decoded = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        decoded = text
    status = response.status
    fallback = _plain_text(text)[:300] or "no error body"
    message = error_message(decoded, fallback)
    return status_error_class(status, decoded)(
        f"Error code: {status} - {message}",
        status_code=status,
        body=decoded.get("error", decoded) if isinstance(decoded, Mapping) else decoded,
        response_info=response.info,
        content=raw,
    )


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def _plain_text(text: str) -> str:
    """A one-line summary of a non-JSON error body: an HTML page's title or text, else the text."""
    if text.lstrip().startswith("<"):
        match = _HTML_TITLE.search(text)
        text = match.group(1) if match else _HTML_TAG.sub(" ", text)
    return " ".join(text.split())


_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {}


def _structure_hook(cast_to: Any) -> Callable[[Any, Any], Any]:
    """The converter's hook for ``cast_to``, looked up once per type (cattrs loads then)."""
    hook = _HOOKS.get(cast_to)
    if hook is None:
        from ._converter import converter

        hook = _HOOKS[cast_to] = converter.get_structure_hook(cast_to)
    return hook


def structure_response(
    data: Any, cast_to: type[_T], info: ResponseInfo, *, raw: bytes | None = None
) -> _T:
    """Structure a decoded JSON body into ``cast_to``, attaching the response info.

    ``raw`` (the body as received) is what a validation error keeps; without it the
    decoded data is serialized again.
    """
    try:
        result: _T = _structure_hook(cast_to)(data, cast_to)
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
