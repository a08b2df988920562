"""OpenTelemetry GenAI spans and metrics, and the hooks, for every call.

Entered from two places only: the client's send loop (:func:`observed` wraps
``AsyncClient._send`` and hands it a :class:`Call`) and :class:`AsyncStream` (a streamed
call's span ends with its stream). Nothing here imports opentelemetry: it is used only
when the application has imported it and set a tracer or meter provider (or passed one in
:class:`Telemetry`), so a program without it pays one dictionary lookup per call.

Spans follow the GenAI semantic conventions (``{operation} {model}``, ``gen_ai.*``,
``server.*``, ``error.type``); the operation comes from the request path
(:data:`OPERATIONS`). The Responses API is ``chat`` with ``openai.api.type=responses``, as
the conventions' OpenAI page has it. Calls to other endpoints get a plain client span
(``GET files``). Retries are span events; HTTP attempts are child spans with
``Telemetry(http_spans=True)``. Message content is recorded only on opt-in
(``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`` or
``Telemetry(capture_content=True)``); headers, and so keys, never.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import attrs
import orjson

from ._direct import NeedsLoop, direct_mode
from ._exceptions import APIStatusError
from ._response import HTTPResponse, RequestInfo

if TYPE_CHECKING:
    from ._client import AsyncClient
    from ._hooks import HookSet
    from ._transport import RawResponse

__all__ = ["CAPTURE_CONTENT_ENV", "OPERATIONS", "Call", "Telemetry", "claim_stream", "observed"]

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_SCOPE = "openai_async"

#: ``(method, path)`` -> ``(gen_ai.operation.name, openai.api.type, gen_ai.output.type)``.
OPERATIONS: Mapping[tuple[str, str], tuple[str, str | None, str | None]] = {
    ("POST", "/chat/completions"): ("chat", "chat_completions", None),
    ("POST", "/responses"): ("chat", "responses", None),
    ("POST", "/completions"): ("text_completion", None, None),
    ("POST", "/embeddings"): ("embeddings", None, None),
    ("POST", "/images/generations"): ("generate_content", None, "image"),
    ("POST", "/images/edits"): ("generate_content", None, "image"),
    ("POST", "/audio/speech"): ("generate_content", None, "speech"),
}

# Bucket boundaries the conventions advise for these histograms.
_SECONDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
_TOKENS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216]

# Request body keys -> span attributes (numbers and strings as they are).
_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "top_p": "gen_ai.request.top_p",
    "top_k": "gen_ai.request.top_k",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_completion_tokens": "gen_ai.request.max_tokens",
    "max_output_tokens": "gen_ai.request.max_tokens",
    "seed": "gen_ai.request.seed",
    "stream": "gen_ai.request.stream",
    "service_tier": "openai.request.service_tier",
    "dimensions": "gen_ai.embeddings.dimension.count",
}


@attrs.frozen
class Telemetry:
    """The ``telemetry=`` of a client: what it reports to OpenTelemetry.

    Spans and metrics go to the global tracer and meter providers once the application
    sets them (nothing is reported, and nothing is spent, before that), or to the
    providers given here. ``capture_content``: record prompts and completions on spans
    (``None``: as ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` says, default
    off). ``http_spans``: a child span for each HTTP attempt. ``enabled=False`` reports
    nothing at all.
    """

    enabled: bool = True
    capture_content: bool | None = None
    http_spans: bool = False
    tracer_provider: Any = None
    meter_provider: Any = None


DEFAULT_TELEMETRY = Telemetry()


class _Otel:
    """A tracer and the GenAI instruments of one pair of providers."""

    __slots__ = ("context", "duration", "first_chunk", "http_spans", "tokens", "trace")
    trace: Any
    context: Any

    def __init__(self, tracer_provider: Any, meter_provider: Any, t: Telemetry) -> None:
        from opentelemetry import context, trace

        from ._version import __version__

        self.trace = (
            trace.get_tracer(_SCOPE, __version__, tracer_provider) if tracer_provider else None
        )
        self.context = context
        self.http_spans = t.http_spans
        self.duration = self.tokens = self.first_chunk = None
        if meter_provider is not None:
            meter = meter_provider.get_meter(_SCOPE, __version__)
            self.duration = meter.create_histogram(
                "gen_ai.client.operation.duration", unit="s",
                description="GenAI operation duration",
                explicit_bucket_boundaries_advisory=_SECONDS,
            )  # fmt: skip
            self.tokens = meter.create_histogram(
                "gen_ai.client.token.usage", unit="{token}",
                description="Number of input and output tokens used",
                explicit_bucket_boundaries_advisory=_TOKENS,
            )  # fmt: skip
            self.first_chunk = meter.create_histogram(
                "gen_ai.client.operation.time_to_first_chunk", unit="s",
                description="Time to receive the first chunk of a streamed response",
                explicit_bucket_boundaries_advisory=_SECONDS,
            )  # fmt: skip


_BUNDLES: dict[tuple[Any, Any, bool], _Otel] = {}


def _capture_content(t: Telemetry) -> bool:
    if t.capture_content is not None:
        return t.capture_content
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() == "true"


def _otel(t: Telemetry) -> _Otel | None:
    """The tracer and instruments to report to, or ``None`` when nobody listens."""
    if not t.enabled:
        return None
    tracer_provider, meter_provider = t.tracer_provider, t.meter_provider
    trace = sys.modules.get("opentelemetry.trace")
    if trace is not None:
        if tracer_provider is None:
            tracer_provider = trace.get_tracer_provider()
        # None set, or one that records nothing: no span is worth building.
        if isinstance(tracer_provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
            tracer_provider = None
    metrics = sys.modules.get("opentelemetry.metrics")
    if metrics is not None:
        if meter_provider is None:
            meter_provider = metrics.get_meter_provider()
        if isinstance(meter_provider, metrics.NoOpMeterProvider) or (
            type(meter_provider).__name__ == "_ProxyMeterProvider"  # none set
        ):
            meter_provider = None
    if tracer_provider is None and meter_provider is None:
        return None
    key = (tracer_provider, meter_provider, t.http_spans)
    otel = _BUNDLES.get(key)
    if otel is None:
        if len(_BUNDLES) > 32:
            _BUNDLES.clear()
        otel = _BUNDLES[key] = _Otel(tracer_provider, meter_provider, t)
    return otel


@functools.lru_cache(maxsize=64)
def _server(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


_Send = TypeVar("_Send", bound=Callable[..., Awaitable[Any]])


def observed(send: _Send) -> _Send:
    """Wrap the client's send loop: one :class:`Call` per call when hooks or telemetry
    want it (passed to the loop as ``call=``), else the loop as it is."""

    @functools.wraps(send)
    def wrapper(client: AsyncClient, method: str, path: str, **kw: Any) -> Awaitable[Any]:
        # Not a coroutine itself: untraced calls await the loop's own coroutine, one frame
        # less on every resumption of the request.
        hooks: HookSet | None = client._hooks
        otel = _otel(client._telemetry)
        if otel is None and hooks is None:
            return send(client, method, path, **kw)
        if direct_mode():  # hooks may await: the sync facade runs this call on its loop
            raise NeedsLoop
        return _traced(send, client, method, path, kw, hooks, otel)

    return cast(_Send, wrapper)


async def _traced(
    send: Callable[..., Awaitable[Any]],
    client: AsyncClient,
    method: str,
    path: str,
    kw: dict[str, Any],
    hooks: HookSet | None,
    otel: _Otel | None,
) -> Any:
    call = Call(client, method, path, kw, hooks, otel)
    return await call.run(send, client, method, path, kw)


# Streamed calls whose span an AsyncStream is about to take over (see claim_stream).
_STREAMS: weakref.WeakKeyDictionary[object, Call] = weakref.WeakKeyDictionary()


def claim_stream(response: object) -> Call | None:
    """The call an event stream's span belongs to (the stream ends it), if any (never a
    direct stream's: a traced call takes the event loop)."""
    return _STREAMS.pop(response, None) if _STREAMS else None


class Call:
    """One call as hooks, spans and metrics see it: from its first attempt to its body,
    or to the end of its stream."""

    def __init__(
        self,
        client: AsyncClient,
        method: str,
        path: str,
        kw: Mapping[str, Any],
        hooks: HookSet | None,
        otel: _Otel | None,
    ) -> None:
        self.hooks = hooks
        self.otel = otel
        self.started = time.perf_counter()
        self.span: Any = None
        self.http_span: Any = None
        self.ended = False
        self.first_chunk: float | None = None
        self.stream: _StreamState | None = None
        self.operation = OPERATIONS.get((method, path))
        self.capture = False
        self.metric_attrs: dict[str, Any] = {}
        self.host, self.port = _server(client.base_url)
        if otel is None:
            return
        body = kw.get("body") or {}
        if kw.get("extra_body"):
            body = {**body, **kw["extra_body"]}
        from ._azure import AsyncAzureClient  # loaded with the package already

        self.capture = _capture_content(client._telemetry)
        provider = "azure.ai.openai" if isinstance(client, AsyncAzureClient) else "openai"
        model = body.get("model") if isinstance(body.get("model"), str) else None
        self.metric_attrs = {
            "gen_ai.provider.name": provider,
            "server.address": self.host,
            "server.port": self.port,
        }
        if self.operation is None:
            name = f"{method} {path.strip('/').split('/', 1)[0]}"
            attributes = {**self.metric_attrs, "http.request.method": method}
        else:
            op, api, output = self.operation
            name = f"{op} {model}" if model else op
            self.metric_attrs["gen_ai.operation.name"] = op
            if model:
                self.metric_attrs["gen_ai.request.model"] = model
            attributes = {**self.metric_attrs, **_request_attributes(body)}
            if api:
                attributes["openai.api.type"] = api
            if output and "gen_ai.output.type" not in attributes:
                attributes["gen_ai.output.type"] = output
        if otel.trace is not None:
            self.span = otel.trace.start_span(
                name, kind=_client_kind(), attributes=attributes, record_exception=False
            )
            if not self.span.is_recording():
                self.span = None
        if self.span is not None and self.capture and self.operation is not None:
            _set_json(self.span, _input_content(path, body))

    async def run(
        self, send: Callable[..., Awaitable[Any]], client: Any, method: str, path: str, kw: Any
    ) -> Any:
        token = None
        if self.span is not None:
            assert self.otel is not None
            token = self.otel.context.attach(_in_context(self.span))
        try:
            response, raw = await send(client, method, path, call=self, **kw)
        except BaseException as exc:
            self.end(exc)
            raise
        finally:
            if token is not None:
                assert self.otel is not None
                self.otel.context.detach(token)
        if not kw.get("stream"):
            if self.otel is not None:
                self._response_data(_decoded(raw))
            self.end(None)
        elif (kw.get("extra_headers") or {}).get("Accept") == "text/event-stream":
            self.stream = _StreamState()
            _STREAMS[response] = self  # the AsyncStream ends the span
        else:
            self.end(None)  # a binary body: the call ends at its headers
        return response, raw

    # -- the send loop ---------------------------------------------------------------

    async def attempt(self, request: RequestInfo, attempt: int) -> None:
        """Before each HTTP attempt: the request hooks, and an HTTP span when asked for."""
        if self.span is not None and self.otel is not None and self.otel.http_spans:
            attributes: dict[str, Any] = {
                "http.request.method": request.method,
                "url.full": request.url.split("?", 1)[0],  # the query may hold a key
                "server.address": self.host,
                "server.port": self.port,
            }
            if attempt:
                attributes["http.request.resend_count"] = attempt
            self.http_span = self.otel.trace.start_span(
                request.method,
                context=_in_context(self.span),
                kind=_client_kind(),
                attributes=attributes,
                record_exception=False,
            )
        if self.hooks is not None:
            await self.hooks.on_request(request)

    async def attempt_response(self, response: RawResponse) -> None:
        """Once an attempt's headers are in: its HTTP span ends, the response hooks run."""
        http_span, self.http_span = self.http_span, None
        if http_span is not None:
            status = response.status
            http_span.set_attribute("http.response.status_code", status)
            if status >= 400:
                _set_error(http_span, str(status), None)
            http_span.end()
        if self.hooks is not None:
            await self.hooks.on_response(HTTPResponse(response.info))

    def retrying(self, attempt: int, delay: float, error: BaseException) -> None:
        """A failed attempt that will be retried after ``delay`` seconds: a span event."""
        self._end_http_span(error)
        if self.span is not None:
            attributes: dict[str, Any] = {
                "openai_async.retry.attempt": attempt,
                "openai_async.retry.delay": delay,
                "error.type": _error_type(error),
                "openai_async.retry.reason": str(error)[:300],
            }
            if isinstance(error, APIStatusError):
                attributes["http.response.status_code"] = error.status_code
            self.span.add_event("openai_async.retry", attributes)

    def _end_http_span(self, error: BaseException | None) -> None:
        http_span, self.http_span = self.http_span, None
        if http_span is not None:
            if error is not None:
                _set_error(http_span, _error_type(error), error)
            http_span.end()

    # -- the response ------------------------------------------------------------------

    def _response_data(self, data: Any) -> None:
        """Attributes and token counts of a response body (or a stream's summary)."""
        if not isinstance(data, dict) or self.otel is None:
            return
        if "response" in data and isinstance(data["response"], dict):
            data = data["response"]  # a Responses API event
        attributes: dict[str, Any] = {}
        for key, name in (
            ("id", "gen_ai.response.id"),
            ("model", "gen_ai.response.model"),
            ("system_fingerprint", "openai.response.system_fingerprint"),
            ("service_tier", "openai.response.service_tier"),
        ):
            value = data.get(key)
            if isinstance(value, str):
                attributes[name] = value
        if "gen_ai.response.model" in attributes:
            self.metric_attrs["gen_ai.response.model"] = attributes["gen_ai.response.model"]
        reasons = _finish_reasons(data)
        if reasons:
            attributes["gen_ai.response.finish_reasons"] = reasons
        usage = data.get("usage")
        tokens = _usage(usage) if isinstance(usage, dict) else {}
        attributes.update(tokens)
        if self.span is not None:
            self.span.set_attributes(attributes)
            if self.capture and self.operation is not None:
                _set_json(self.span, {"gen_ai.output.messages": _output_messages(data)})
        if self.otel.tokens is not None and self.operation is not None:
            for kind, name in (
                ("input", "gen_ai.usage.input_tokens"),
                ("output", "gen_ai.usage.output_tokens"),
            ):
                if name in tokens:
                    self.otel.tokens.record(
                        tokens[name], {**self.metric_attrs, "gen_ai.token.type": kind}
                    )

    # -- streams -----------------------------------------------------------------------

    def chunk(self, data: Any) -> None:
        """One event of the call's stream, as decoded JSON."""
        if self.first_chunk is None:
            self.first_chunk = time.perf_counter() - self.started
            if self.span is not None:
                self.span.set_attribute("gen_ai.response.time_to_first_chunk", self.first_chunk)
            if self.otel is not None and self.otel.first_chunk is not None and self.operation:
                self.otel.first_chunk.record(self.first_chunk, self.metric_attrs)
        if self.stream is not None and self.otel is not None and isinstance(data, dict):
            self.stream.add(data, self.capture)

    def end(self, exc: BaseException | None) -> None:
        """End the call once: with the error it failed with, or ``None`` (a stream closed
        before its end, or a complete non-stream call). ``StopAsyncIteration``: a stream
        that ended."""
        if self.ended:
            return
        self.ended = True
        failed = exc is not None and not isinstance(exc, StopAsyncIteration)
        self._end_http_span(exc if failed else None)
        if self.stream is not None and self.otel is not None:
            self._response_data(self.stream.summary())
            if exc is None and self.span is not None:
                self.span.add_event("openai_async.stream.closed")  # by the caller, early
        otel = self.otel
        if otel is None:
            return
        error_type = _error_type(exc) if failed and exc is not None else None
        if self.span is not None:
            if error_type is not None:
                _set_error(self.span, error_type, exc)
            self.span.end()
        if otel.duration is not None and self.operation is not None:
            attrs_ = self.metric_attrs
            if error_type is not None:
                attrs_ = {**attrs_, "error.type": error_type}
            otel.duration.record(time.perf_counter() - self.started, attrs_)


class _StreamState:
    """What a stream's events say about the call: ids, finish reasons, usage, content."""

    __slots__ = ("choices", "last", "response", "usage")

    def __init__(self) -> None:
        self.last: dict[str, Any] = {}  # id, model, system_fingerprint, service_tier
        self.usage: dict[str, Any] | None = None
        self.response: dict[str, Any] | None = None  # a Responses API stream's latest
        self.choices: dict[int, dict[str, Any]] = {}

    def add(self, data: dict[str, Any], capture: bool) -> None:
        response = data.get("response")
        if isinstance(response, dict):
            self.response = response
            return
        for key in ("id", "model", "system_fingerprint", "service_tier"):
            if key in data and key not in self.last:
                self.last[key] = data[key]
        if isinstance(data.get("usage"), dict):
            self.usage = data["usage"]
        for choice in data.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            state = self.choices.setdefault(choice.get("index", 0), {"text": [], "tools": {}})
            if choice.get("finish_reason"):
                state["finish_reason"] = choice["finish_reason"]
            if not capture:
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if isinstance(delta.get("content"), str):
                    state["text"].append(delta["content"])
                for call in delta.get("tool_calls") or ():
                    tool = state["tools"].setdefault(call.get("index", 0), {"arguments": []})
                    fn = call.get("function") or {}
                    for key in ("id", "name"):
                        value = call.get(key) or fn.get(key)
                        if value:
                            tool[key] = value
                    if fn.get("arguments"):
                        tool["arguments"].append(fn["arguments"])
            elif isinstance(choice.get("text"), str):  # text completions
                state["text"].append(choice["text"])

    def summary(self) -> dict[str, Any]:
        """The stream as one response body would have had it."""
        if self.response is not None:
            return self.response
        choices = []
        for index, state in sorted(self.choices.items()):
            message: dict[str, Any] = {"role": "assistant", "content": "".join(state["text"])}
            if state["tools"]:
                message["tool_calls"] = [
                    {
                        "id": tool.get("id"),
                        "function": {
                            "name": tool.get("name"),
                            "arguments": "".join(tool["arguments"]),
                        },
                    }
                    for _, tool in sorted(state["tools"].items())
                ]
            choices.append(
                {"index": index, "finish_reason": state.get("finish_reason"), "message": message}
            )
        return {**self.last, "usage": self.usage, "choices": choices}


# -- helpers (no I/O) -------------------------------------------------------------------


def _client_kind() -> Any:
    from opentelemetry.trace import SpanKind

    return SpanKind.CLIENT


def _in_context(span: Any) -> Any:
    from opentelemetry.trace import set_span_in_context

    return set_span_in_context(span)


def _set_error(span: Any, error_type: str, exc: BaseException | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    if isinstance(exc, APIStatusError):
        span.set_attribute("http.response.status_code", exc.status_code)
    span.set_status(Status(StatusCode.ERROR, str(exc)[:500] if exc is not None else None))


def _error_type(exc: BaseException) -> str:
    return type(exc).__qualname__


def _decoded(raw: bytes) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None


def _request_attributes(body: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key, name in _REQUEST_PARAMS.items():
        value = body.get(key)
        if isinstance(value, (int, float, str, bool)) and not (
            isinstance(value, bool) and key != "stream"
        ):
            attributes[name] = value
    stop = body.get("stop")
    if isinstance(stop, str):
        attributes["gen_ai.request.stop_sequences"] = [stop]
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = stop
    n = body.get("n")
    if isinstance(n, int) and n != 1:
        attributes["gen_ai.request.choice.count"] = n
    if isinstance(body.get("encoding_format"), str):
        attributes["gen_ai.request.encoding_formats"] = [body["encoding_format"]]
    form = body.get("response_format")
    if not isinstance(form, dict):
        form = (
            (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
        )
    if isinstance(form, dict) and isinstance(form.get("type"), str):
        attributes["gen_ai.output.type"] = "text" if form["type"] == "text" else "json"
    conversation = body.get("conversation")
    if isinstance(conversation, dict):
        conversation = conversation.get("id")
    if isinstance(conversation, str):
        attributes["gen_ai.conversation.id"] = conversation
    return attributes


def _usage(usage: Mapping[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, keys in (
        ("gen_ai.usage.input_tokens", ("input_tokens", "prompt_tokens")),
        ("gen_ai.usage.output_tokens", ("output_tokens", "completion_tokens")),
    ):
        for key in keys:
            if isinstance(usage.get(key), int):
                found[name] = usage[key]
                break
    for name, details, key in (
        ("gen_ai.usage.cache_read.input_tokens", ("input_tokens_details", "prompt_tokens_details"), "cached_tokens"),
        ("gen_ai.usage.reasoning.output_tokens", ("output_tokens_details", "completion_tokens_details"), "reasoning_tokens"),
    ):  # fmt: skip
        for detail in details:
            value = (usage.get(detail) or {}).get(key)
            if isinstance(value, int):
                found[name] = value
                break
    return found


def _finish_reasons(data: Mapping[str, Any]) -> list[str]:
    choices = data.get("choices")
    if isinstance(choices, list):
        return [
            c["finish_reason"]
            for c in choices
            if isinstance(c, dict) and isinstance(c.get("finish_reason"), str)
        ]
    status = data.get("status")
    if data.get("object") == "response" and isinstance(status, str):
        if status == "completed":
            return ["stop"]
        reason = (data.get("incomplete_details") or {}).get("reason")
        return [reason if status == "incomplete" and isinstance(reason, str) else status]
    return []


# -- message content (opt-in) -----------------------------------------------------------


def _set_json(span: Any, attributes: Mapping[str, Any]) -> None:
    for name, value in attributes.items():
        if value:
            span.set_attribute(name, orjson.dumps(value).decode())


def _text_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts = []
    for part in content if isinstance(content, list) else ():
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append({"type": "text", "content": part["text"]})
        elif isinstance(part, dict):  # images, audio, files: their kind, not their bytes
            parts.append({"type": str(part.get("type", "unknown"))})
    return parts


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    role = message.get("role", "user")
    if role == "tool":
        result = message.get("content")
        parts: list[dict[str, Any]] = [
            {
                "type": "tool_call_response",
                "id": message.get("tool_call_id"),
                "result": result if isinstance(result, str) else _text_parts(result),
            }
        ]
    else:
        parts = _text_parts(message.get("content"))
    for call in message.get("tool_calls") or ():
        fn = call.get("function") or {}
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("id"),
                "name": fn.get("name"),
                "arguments": _arguments(fn.get("arguments")),
            }
        )
    return {"role": role, "parts": parts}


def _response_item(item: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = item.get("type", "message")
    if kind == "message" or "role" in item:
        return {"role": item.get("role", "user"), "parts": _text_parts(item.get("content"))}
    if kind == "function_call":
        part = {
            "type": "tool_call",
            "id": item.get("call_id"),
            "name": item.get("name"),
            "arguments": _arguments(item.get("arguments")),
        }
        return {"role": "assistant", "parts": [part]}
    if kind == "function_call_output":
        part = {
            "type": "tool_call_response",
            "id": item.get("call_id"),
            "result": item.get("output"),
        }
        return {"role": "tool", "parts": [part]}
    return None


def _input_content(path: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """``gen_ai.input.messages`` and ``gen_ai.system_instructions`` of a request body."""
    if path == "/chat/completions":
        messages = body.get("messages") or ()
        return {
            "gen_ai.input.messages": [_chat_message(m) for m in messages if isinstance(m, dict)]
        }
    if path == "/responses":
        given = body.get("input")
        if isinstance(given, str):
            items = [{"role": "user", "parts": _text_parts(given)}]
        else:
            found = (_response_item(i) for i in given or () if isinstance(i, dict))
            items = [i for i in found if i is not None]
        found_system = body.get("instructions")
        return {
            "gen_ai.input.messages": items,
            "gen_ai.system_instructions": _text_parts(found_system) if found_system else None,
        }
    if path == "/completions":
        prompt = body.get("prompt")
        prompts = (
            [prompt] if isinstance(prompt, str) else prompt if isinstance(prompt, list) else []
        )
        return {
            "gen_ai.input.messages": [
                {"role": "user", "parts": _text_parts(p)} for p in prompts if isinstance(p, str)
            ]
        }
    return {}


def _output_messages(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    messages = []
    for choice in data.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        if isinstance(choice.get("message"), dict):
            message = _chat_message(choice["message"])
        else:
            message = {"role": "assistant", "parts": _text_parts(choice.get("text"))}
        message["role"] = "assistant"
        message["finish_reason"] = choice.get("finish_reason")
        messages.append(message)
    if data.get("object") == "response":
        reasons = _finish_reasons(data)
        for item in data.get("output") or ():
            found = _response_item(item) if isinstance(item, dict) else None
            if found is not None:
                found["finish_reason"] = reasons[0] if reasons else None
                messages.append(found)
    return messages
