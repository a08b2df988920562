"""Every error the SDK raises.

::

    OpenAIError                         base of everything raised on purpose
    ├── ConfigurationError (ValueError) bad client settings (no API key, bad timeout)
    ├── InvalidRequestError (ValueError) arguments that cannot be sent (body not encodable)
    ├── SyncInAsyncContextError (RuntimeError) sync facade called from a running event loop
    ├── AwaitRequiredError (TypeError)  sync use of an async result that must be awaited first
    ├── EmbeddingJobError               inputs of an embedding job that failed for good
    ├── InvalidWebhookSignatureError (ValueError) a webhook whose signature does not match
    ├── LengthFinishReasonError         a parse was asked for but the output hit its token limit
    ├── ContentFilterFinishReasonError  a parse was asked for but a content filter cut the output
    ├── WebSocketConnectionClosedError  a WebSocket closed abnormally, or with messages unsent
    ├── WebSocketQueueFullError         a WebSocket's outgoing queue is over its byte limit
    ├── BatchJobError                   a Batch API job that failed (ids kept for resume)
    │   └── BatchTimeoutError (TimeoutError) ``batches.run`` / ``resume`` ran out of time
    ├── PollTimeoutError (TimeoutError) a poller's ``timeout`` ran out (the last state kept)
    ├── ResponseNotCompletedError       a Responses API stream ended without ``response.completed``
    │   ├── ResponseFailedError             ... with ``response.failed`` (its error kept)
    │   └── ResponseIncompleteError         ... with ``response.incomplete`` (its reason kept)
    └── APIError                        the server, or the way to it, failed
        ├── APIStatusError              HTTP status >= 400 (status_code, code, type, param, ...)
        │   ├── BadRequestError             400
        │   │   └── ContentFilterError          a content filter blocked the request (Azure)
        │   ├── AuthenticationError         401
        │   │   └── OAuthError                  an OAuth token exchange was refused (none yet)
        │   ├── PermissionDeniedError       403
        │   ├── NotFoundError               404
        │   ├── ConflictError               409
        │   ├── UnprocessableEntityError    422
        │   ├── RateLimitError              429
        │   └── InternalServerError         >= 500
        ├── APIConnectionError          no response: refused, reset, DNS, TLS
        │   └── APITimeoutError             a connect, read, idle or total limit ran out
        ├── APIResponseValidationError  a response body we cannot decode (raw text kept)
        ├── APIStreamError              an error delivered inside a stream (``event: error``)
        └── IncompleteStreamError       a stream that ended before its terminal marker

Every :class:`APIError` raised for an HTTP call carries ``request`` (method, URL and
headers, credentials redacted) and, when a response arrived, its request id, headers and
rate-limit info; :class:`APIStatusError` and :class:`APIResponseValidationError` also
carry ``response`` (status, headers, the body as ``content``, ``text`` and ``json()``).
``body`` is the ``error`` object of a JSON error body, else the whole decoded body (the
text when it is not JSON), else ``None``. Messages never contain credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._response import HTTPResponse, RateLimitInfo, RequestInfo, ResponseInfo
    from .lib.azure import ContentFilterResults

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AuthenticationError",
    "AwaitRequiredError",
    "BadRequestError",
    "BatchJobError",
    "BatchTimeoutError",
    "ConfigurationError",
    "ConflictError",
    "ContentFilterError",
    "ContentFilterFinishReasonError",
    "EmbeddingJobError",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidWebhookSignatureError",
    "LengthFinishReasonError",
    "NotFoundError",
    "OAuthError",
    "OpenAIError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "ResponseFailedError",
    "ResponseIncompleteError",
    "ResponseNotCompletedError",
    "SyncInAsyncContextError",
    "UnprocessableEntityError",
    "WebSocketConnectionClosedError",
    "WebSocketQueueFullError",
]


class OpenAIError(Exception):
    """Base class of every error raised by openai_async."""


class ConfigurationError(OpenAIError, ValueError):
    """The client was configured in a way that cannot work (missing key, bad option)."""


class InvalidRequestError(OpenAIError, ValueError):
    """The arguments of a call cannot be turned into a request."""


class SyncInAsyncContextError(OpenAIError, RuntimeError):
    """A method of the sync :class:`Client` was called from a thread running an event loop."""


class AwaitRequiredError(OpenAIError, TypeError):
    """A sync operation on an async result that needs ``await`` first: ``for`` over an
    ``AsyncPage`` (``async for``), ``.content`` of a ``BinaryResponse`` not yet read."""


class EmbeddingJobError(OpenAIError):
    """Inputs of ``embeddings.create_many`` / ``iter_many`` failed for good (after retries).

    ``errors`` pairs each failed index range with its error; ``results`` maps the index
    of every input that succeeded to its vector (empty for ``iter_many``, which yielded
    them); ``stopped`` is true when an error no input could avoid (a refused key, an
    unknown model, no quota) ended the job early, leaving later inputs unattempted.
    """

    def __init__(
        self,
        errors: list[tuple[range, Exception]],
        *,
        results: dict[int, Any] | None = None,
        stopped: bool = False,
    ) -> None:
        self.errors = sorted(errors, key=lambda pair: pair[0].start)
        self.results: dict[int, Any] = results if results is not None else {}
        self.stopped = stopped
        failed = self.failed_indices
        shown = ", ".join(map(str, failed[:20])) + (
            f" and {len(failed) - 20} more" if len(failed) > 20 else ""
        )
        first = self.errors[0][1] if self.errors else None
        super().__init__(
            f"{len(failed)} input(s) failed (indices {shown})"
            + (" and the job stopped early" if stopped else "")
            + (f"; first error: {type(first).__name__}: {first}" if first is not None else "")
        )

    @property
    def failed_indices(self) -> list[int]:
        """Every failed input index, in order."""
        return [i for span, _ in self.errors for i in span]


class BatchJobError(OpenAIError):
    """A Batch API job did not finish; ``batch_ids`` are the batches created so far, to
    pass to ``batches.resume`` or to inspect."""

    def __init__(self, message: str, batch_ids: list[str]) -> None:
        self.batch_ids = list(batch_ids)
        ids = ", ".join(self.batch_ids) or "none created yet"
        super().__init__(f"{message} (batches: {ids})")


class BatchTimeoutError(BatchJobError, TimeoutError):
    """The ``timeout`` of ``batches.run`` / ``resume`` ran out; the batches keep running."""


class PollTimeoutError(OpenAIError, TimeoutError):
    """A poller (``create_and_poll``, ``batches.wait`` ...) ran out of its ``timeout``.

    ``last`` is the object as last seen (``None`` when it was never created); the work
    keeps going on the server: poll it again with its id, or cancel it.
    """

    def __init__(self, message: str, last: Any = None) -> None:
        self.last = last
        super().__init__(message)


class ResponseNotCompletedError(OpenAIError):
    """A Responses API stream ended without ``response.completed``; ``response`` is the
    last snapshot of the response (``None`` when no event carried one)."""

    def __init__(self, message: str, response: Any = None) -> None:
        self.response = response
        super().__init__(message)


class ResponseFailedError(ResponseNotCompletedError):
    """The stream ended with ``response.failed``; ``code`` and ``error_message`` say why."""

    def __init__(self, response: Any, code: str | None, error_message: str | None) -> None:
        self.code = code
        self.error_message = error_message
        detail = f"{code}: {error_message}" if code else (error_message or "no reason given")
        super().__init__(f"the response failed ({detail})", response)


class ResponseIncompleteError(ResponseNotCompletedError):
    """The stream ended with ``response.incomplete``; ``reason`` is the server's
    (``max_output_tokens``, ``content_filter`` ...)."""

    def __init__(self, response: Any, reason: str | None) -> None:
        self.reason = reason
        super().__init__(f"the response is incomplete ({reason or 'no reason given'})", response)


class LengthFinishReasonError(OpenAIError):
    """A structured output was asked for but a choice stopped at ``finish_reason="length"``:
    its JSON is cut short. ``completion`` is what arrived (``None`` mid-stream)."""

    def __init__(self, completion: Any = None) -> None:
        self.completion = completion
        super().__init__(
            "the model stopped at its token limit (finish_reason='length') before finishing "
            "the structured output; raise max_completion_tokens or shorten the request"
        )


class ContentFilterFinishReasonError(OpenAIError):
    """A structured output was asked for but a choice stopped at
    ``finish_reason="content_filter"`` (a Responses API response incomplete for
    ``content_filter``): there is nothing whole to parse. ``completion`` is what arrived
    (``None`` mid-stream)."""

    def __init__(self, completion: Any = None) -> None:
        self.completion = completion
        super().__init__(
            "a content filter stopped the output (finish_reason='content_filter') before "
            "the structured output was complete"
        )


class InvalidWebhookSignatureError(OpenAIError, ValueError):
    """A webhook delivery failed verification: a missing header, a timestamp outside the
    tolerance, or no signature made with the secret (the body may have been changed)."""


class WebSocketConnectionClosedError(OpenAIError):
    """A WebSocket connection closed: by the server, abnormally, or with messages still
    unsent. ``code`` and ``reason`` are the close frame's (1006 and the cause when the
    connection broke without one); ``unsent_messages`` the JSON messages not sent."""

    def __init__(
        self,
        message: str,
        *,
        unsent_messages: list[str] | None = None,
        code: int | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.unsent_messages = list(unsent_messages or ())
        self.code = code
        self.reason = reason


class WebSocketQueueFullError(OpenAIError):
    """The outgoing WebSocket message queue is over its byte-size limit."""


class APIError(OpenAIError):
    """The API, or the connection to it, failed.

    ``body`` is the ``error`` object of a JSON error body when it has one, else the whole
    decoded body (or the text when it was not JSON), else ``None``; ``code``, ``type`` and
    ``param`` come from that error object. ``request`` is the request that failed
    (credentials redacted); ``None`` only for errors not raised by an HTTP call.
    """

    message: str
    body: object | None
    code: str | None
    type: str | None
    param: str | None
    response_info: ResponseInfo | None

    def __init__(
        self,
        message: str,
        *,
        body: object | None = None,
        response_info: ResponseInfo | None = None,
        request: RequestInfo | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.response_info = response_info
        self._request = request
        err = _error_object(body)
        self.code = _str_or_none(err.get("code"))
        self.type = _str_or_none(err.get("type"))
        self.param = _str_or_none(err.get("param"))

    @property
    def request(self) -> RequestInfo | None:
        """The request that failed: method, URL and headers (credentials redacted)."""
        if self._request is not None:
            return self._request
        return self.response_info.request if self.response_info is not None else None

    @request.setter
    def request(self, value: RequestInfo | None) -> None:
        self._request = value

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response, to quote when reporting a problem."""
        return self.response_info.request_id if self.response_info else None

    @property
    def headers(self) -> Mapping[str, str]:
        """Response headers (empty when no response arrived)."""
        return self.response_info.headers if self.response_info else {}

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """Typed ``x-ratelimit-*`` headers of the response, when it had any."""
        return self.response_info.rate_limit if self.response_info else None

    def __str__(self) -> str:
        rid = self.request_id
        return f"{self.message} (request id: {rid})" if rid else self.message


class APIStatusError(APIError):
    """The server answered with an HTTP status of 400 or more; ``response`` is that response
    (``content`` is the error body as received)."""

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object | None = None,
        response_info: ResponseInfo | None = None,
        content: bytes = b"",
    ) -> None:
        super().__init__(message, body=body, response_info=response_info)
        self.status_code = status_code
        self._content = content

    @property
    def response(self) -> HTTPResponse:
        """The response: ``status_code``, ``headers``, ``content``, ``text``, ``json()``,
        ``url`` and ``request``."""
        from ._response import HTTPResponse, ResponseInfo

        info = self.response_info or ResponseInfo(
            status_code=self.status_code, headers={}, method="", url="", request=self._request
        )
        return HTTPResponse(info, self._content)


class BadRequestError(APIStatusError):
    """HTTP 400."""


class ContentFilterError(BadRequestError):
    """HTTP 400 with code ``content_filter``: a content filter (Azure OpenAI) blocked the request.

    ``inner_error`` is the raw ``innererror`` object; ``content_filter_results`` its typed
    per-category verdicts.
    """

    @property
    def inner_error(self) -> Mapping[str, Any]:
        inner = _error_object(self.body).get("innererror")
        return inner if isinstance(inner, Mapping) else {}

    @property
    def content_filter_results(self) -> ContentFilterResults | None:
        """Which categories (hate, violence, jailbreak, ...) were filtered, and how severe."""
        from .lib.azure import ContentFilterResults, _structure

        inner = self.inner_error
        results = inner.get("content_filter_result", inner.get("content_filter_results"))
        return None if results is None else _structure(results, ContentFilterResults)


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key or token was refused."""


class OAuthError(AuthenticationError):
    """An OAuth token exchange was refused; ``error`` is its ``error`` code.

    No call of this SDK exchanges tokens yet: the class exists so that ``except``
    clauses written for the official SDK resolve."""

    @property
    def error(self) -> str | None:
        body = self.body
        value = body.get("error") if isinstance(body, Mapping) else None
        return value if isinstance(value, str) else None


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests or tokens, or (``code == "insufficient_quota"``) no quota."""


class InternalServerError(APIStatusError):
    """HTTP 500 or above."""


class APIConnectionError(APIError):
    """No usable response arrived: the connection failed or broke."""

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        response_info: ResponseInfo | None = None,
        request: RequestInfo | None = None,
    ) -> None:
        super().__init__(message, response_info=response_info, request=request)


class APITimeoutError(APIConnectionError):
    """A connect, read, stream-idle or total time limit ran out."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        response_info: ResponseInfo | None = None,
        request: RequestInfo | None = None,
    ) -> None:
        super().__init__(message, response_info=response_info, request=request)


class APIResponseValidationError(APIError):
    """The response could not be decoded into the expected type; ``raw`` keeps the text,
    ``body`` its decoded JSON (the text itself when it is not JSON)."""

    raw: str

    def __init__(
        self, message: str, *, raw: str, response_info: ResponseInfo | None = None
    ) -> None:
        super().__init__(message, body=_decoded(raw), response_info=response_info)
        self.raw = raw

    @property
    def status_code(self) -> int | None:
        """The HTTP status of the response (``None`` when no response is behind the error)."""
        return self.response_info.status_code if self.response_info is not None else None

    @property
    def response(self) -> HTTPResponse | None:
        """The response whose body could not be decoded (``None`` as for ``status_code``)."""
        from ._response import HTTPResponse

        info = self.response_info
        return None if info is None else HTTPResponse(info, self.raw.encode())


class APIStreamError(APIError):
    """The server reported an error inside a stream (``event: error`` or an ``error`` object)."""


class IncompleteStreamError(APIError):
    """The stream closed before its terminal marker (``[DONE]`` or a finish reason).

    The chunks that did arrive were delivered before this was raised.
    """


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int, body: object = None) -> type[APIStatusError]:
    """The exception class for an HTTP error status (and its body, for content filters)."""
    if status == 400:
        err = _error_object(body)
        inner = err.get("innererror")
        if err.get("code") == "content_filter" or (
            isinstance(inner, Mapping) and inner.get("code") == "ResponsibleAIPolicyViolation"
        ):
            return ContentFilterError
    if status >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status, APIStatusError)


def error_message(body: object, fallback: str) -> str:
    """The human-readable message from an error body of any of the shapes servers use."""
    err = _error_object(body)
    msg = err.get("message")
    if isinstance(msg, str) and msg:
        return msg
    if isinstance(body, Mapping):
        for key in ("error", "message", "detail"):
            val = body.get(key)
            if isinstance(val, str) and val:
                return val
        detail = body.get("detail")
        if detail is not None:
            return str(detail)
    return fallback


def _error_object(body: object) -> Mapping[str, Any]:
    """The ``{"message", "type", "param", "code"}`` object of an error body, if any."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            return inner
        if "message" in body or "code" in body:
            return body
    return {}


def _decoded(text: str) -> object:
    """``text`` decoded as JSON, or ``text`` itself when it is not JSON."""
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
