"""openai_async: an async-first client for the OpenAI API and compatible servers."""

import typing

from ._azure import AsyncAzureClient
from ._binary import BinaryResponse
from ._client import AsyncClient, DefaultAioHttpClient
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    AwaitRequiredError,
    BadRequestError,
    BatchJobError,
    BatchTimeoutError,
    ConfigurationError,
    ConflictError,
    ContentFilterError,
    ContentFilterFinishReasonError,
    EmbeddingJobError,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    InvalidWebhookSignatureError,
    LengthFinishReasonError,
    NotFoundError,
    OAuthError,
    OpenAIError,
    PermissionDeniedError,
    PollTimeoutError,
    RateLimitError,
    ResponseFailedError,
    ResponseIncompleteError,
    ResponseNotCompletedError,
    SyncInAsyncContextError,
    UnprocessableEntityError,
    WebSocketConnectionClosedError,
    WebSocketQueueFullError,
)
from ._hooks import Hooks
from ._logs import setup_logging as _setup_logging
from ._models import BaseModel, UnknownVariant
from ._options import RetryPolicy, Timeout
from ._pagination import AsyncPage, AsyncPaginator, PageInfo
from ._raw import (
    APIResponse,
    AsyncAPIResponse,
    AsyncResponseContextManager,
    RawAPIResponse,
    ResponseContextManager,
)
from ._request_options import RequestOptions
from ._response import HTTPResponse, RateLimitInfo, RequestInfo, ResponseInfo
from ._streaming import AsyncStream
from ._tracing import Telemetry
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

_setup_logging()  # OPENAI_LOG=info|debug, as the official SDK reads it

# The official SDK's names for the async clients (the sync ones: _LAZY below).
AsyncOpenAI = AsyncClient
AsyncAzureOpenAI = AsyncAzureClient

if typing.TYPE_CHECKING:
    from ._sync.azure import AzureClient
    from ._sync.client import Client
    from ._syncbase import Stream, SyncBinaryResponse, SyncPage

    OpenAI = Client
    AzureOpenAI = AzureClient
    from .lib.assistant_stream import (
        AssistantStream,
        AssistantStreamAccumulator,
        AsyncAssistantStream,
        MessageTextDeltaEvent,
        RunStepToolCallDeltaEvent,
    )
    from .lib.chat_parsed import ParsedChatCompletion
    from .lib.chat_stream import (
        AsyncChatCompletionStream,
        ChatCompletionAccumulator,
        ChatCompletionStream,
    )
    from .lib.realtime import (
        AsyncRealtimeConnection,
        AsyncRealtimeConnectionManager,
        RealtimeConnection,
        RealtimeConnectionManager,
        ReconnectingEvent,
    )
    from .lib.response_stream import AsyncResponseStream, ResponseAccumulator, ResponseStream
    from .lib.responses import ParsedResponse
    from .lib.structured import (
        FunctionTool,
        function_tool,
        json_schema,
        pydantic_function_tool,
        to_strict_json_schema,
    )

# The sync facade and the helpers of the lib layer load on first use: `import
# openai_async` stays fast. Name -> (module, its name there).
_LAZY_SYNC = {
    "AzureClient": ("._sync.azure", "AzureClient"),
    "AzureOpenAI": ("._sync.azure", "AzureClient"),
    "Client": ("._sync.client", "Client"),
    "OpenAI": ("._sync.client", "Client"),
    "Stream": ("._syncbase", "Stream"),
    "SyncBinaryResponse": ("._syncbase", "SyncBinaryResponse"),
    "SyncPage": ("._syncbase", "SyncPage"),
}
_LAZY = {
    "AsyncChatCompletionStream": "chat_stream",
    "ChatCompletionAccumulator": "chat_stream",
    "ChatCompletionStream": "chat_stream",
    "ParsedChatCompletion": "chat_parsed",
    "ParsedResponse": "responses",
    "AsyncRealtimeConnection": "realtime",
    "AsyncRealtimeConnectionManager": "realtime",
    "RealtimeConnection": "realtime",
    "RealtimeConnectionManager": "realtime",
    "ReconnectingEvent": "realtime",
    "AssistantStreamAccumulator": "assistant_stream",
    "AsyncAssistantStream": "assistant_stream",
    "AssistantStream": "assistant_stream",
    "MessageTextDeltaEvent": "assistant_stream",
    "RunStepToolCallDeltaEvent": "assistant_stream",
    "AsyncResponseStream": "response_stream",
    "ResponseAccumulator": "response_stream",
    "ResponseStream": "response_stream",
    "FunctionTool": "structured",
    "function_tool": "structured",
    "json_schema": "structured",
    "pydantic_function_tool": "structured",
    "to_strict_json_schema": "structured",
}


def __getattr__(name: str) -> typing.Any:
    if name in _LAZY_SYNC:
        module, attribute = _LAZY_SYNC[name]
    elif name in _LAZY:
        module, attribute = f".lib.{_LAZY[name]}", name
    else:
        raise AttributeError(f"module 'openai_async' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value
    return value


__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AssistantStream",
    "AssistantStreamAccumulator",
    "AsyncAPIResponse",
    "AsyncAssistantStream",
    "AsyncAzureClient",
    "AsyncAzureOpenAI",
    "AsyncChatCompletionStream",
    "AsyncClient",
    "AsyncOpenAI",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncRealtimeConnection",
    "AsyncRealtimeConnectionManager",
    "AsyncResponseContextManager",
    "AsyncResponseStream",
    "AsyncStream",
    "AuthenticationError",
    "AwaitRequiredError",
    "AzureClient",
    "AzureOpenAI",
    "BadRequestError",
    "BaseModel",
    "BatchJobError",
    "BatchTimeoutError",
    "BinaryResponse",
    "ChatCompletionAccumulator",
    "ChatCompletionStream",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "ContentFilterError",
    "ContentFilterFinishReasonError",
    "DefaultAioHttpClient",
    "EmbeddingJobError",
    "FunctionTool",
    "HTTPResponse",
    "Hooks",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidRequestError",
    "InvalidWebhookSignatureError",
    "LengthFinishReasonError",
    "MessageTextDeltaEvent",
    "NotFoundError",
    "NotGiven",
    "OAuthError",
    "OpenAI",
    "OpenAIError",
    "PageInfo",
    "ParsedChatCompletion",
    "ParsedResponse",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "RateLimitInfo",
    "RawAPIResponse",
    "RealtimeConnection",
    "RealtimeConnectionManager",
    "ReconnectingEvent",
    "RequestInfo",
    "RequestOptions",
    "ResponseAccumulator",
    "ResponseContextManager",
    "ResponseFailedError",
    "ResponseIncompleteError",
    "ResponseInfo",
    "ResponseNotCompletedError",
    "ResponseStream",
    "RetryPolicy",
    "RunStepToolCallDeltaEvent",
    "Stream",
    "SyncBinaryResponse",
    "SyncInAsyncContextError",
    "SyncPage",
    "Telemetry",
    "Timeout",
    "UnknownVariant",
    "UnprocessableEntityError",
    "WebSocketConnectionClosedError",
    "WebSocketQueueFullError",
    "__version__",
    "function_tool",
    "json_schema",
    "pydantic_function_tool",
    "to_strict_json_schema",
]
