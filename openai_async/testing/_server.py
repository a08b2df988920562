"""The local OpenAI-compatible server: routing, responses, fault injection and lifecycle."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import attrs
import orjson
from aiohttp import web
from anyio.from_thread import start_blocking_portal
from multidict import CIMultiDict

from ._fake import (
    count_tokens,
    default_chat_text,
    default_completion_text,
    embedding,
    split_text,
    text_of,
    to_base64,
    token_logprob,
)
from ._faults import Fault, Reply
from ._files_batches import BatchApi
from ._legacy import LegacyRoutes
from ._ratelimit import RateLimiter, request_tokens
from ._realtime import RealtimeApi
from ._responses import LocalResponse, default_response_text, error_event
from ._routes import Handler, abort_connection, answer

DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small")
DEFAULT_RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-remaining-tokens": "29999000",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "1m0s",
}
# Served under /openai/deployments/{deployment}/ in Azure mode (the rest under /openai/).
_AZURE_DEPLOYMENT_PATHS = frozenset(
    {
        "/chat/completions",
        "/completions",
        "/embeddings",
        "/audio/transcriptions",
        "/audio/translations",
        "/audio/speech",
        "/images/generations",
        "/images/edits",
    }
)
_KEEPALIVE = b": keep-alive\n\n"
_MALFORMED = b'{"id": "chatcmpl-broken", "choices": ['
_DONE = b"[DONE]"


@attrs.frozen
class RecordedRequest:
    """A request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    body: bytes
    #: When the server had the whole request (`time.monotonic()`): a server-side timestamp
    #: for tests that check pauses between requests.
    received_at: float = attrs.field(default=0.0, kw_only=True, eq=False)

    def json(self) -> Any:
        """The body decoded as JSON."""
        return orjson.loads(self.body)

    def form(self) -> list[tuple[str, str | tuple[str | None, bytes, str]]]:
        """A multipart/form-data body's parts in order: ``(name, text)`` for fields,
        ``(name, (filename, content, content type))`` for files."""
        from email.parser import BytesParser
        from email.policy import HTTP

        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        parts: list[tuple[str, str | tuple[str | None, bytes, str]]] = []
        for part in message.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            content = part.get_payload(decode=True)
            assert isinstance(content, bytes)  # a part of a form is never multipart itself
            filename = part.get_filename()
            if filename is None:
                parts.append((name, content.decode()))
            else:
                parts.append((name, (filename, content, part.get_content_type())))
        return parts


class _ApiError(Exception):
    """Raised by handlers; answered with an OpenAI-shaped error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "error": {"message": message, "type": error_type, "param": param, "code": code}
        }

    @classmethod
    def azure(cls, status: int, code: str, message: str) -> _ApiError:
        """An error in Azure's own shape: a code and a message, no `type`."""
        error = cls(status, message)
        error.body = {"error": {"code": code, "message": message}}
        return error


@attrs.define
class _Exchange:
    """One request being answered."""

    request: web.Request
    number: int
    headers: dict[str, str]
    body: bytes
    stream: bool
    recorded: RecordedRequest
    fault: Fault | None = None

    def json(self, *required: str) -> dict[str, Any]:
        """The JSON object body, checked for `required` parameters."""
        try:
            payload = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            raise _ApiError(
                400,
                "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.",
            ) from None
        if not isinstance(payload, dict):
            raise _ApiError(400, "The request body must be a JSON object.")
        for name in required:
            if name not in payload:
                raise _ApiError(
                    400,
                    f"Missing required parameter: '{name}'.",
                    param=name,
                    code="missing_required_parameter",
                )
        return payload


def _wants_stream(body: bytes) -> bool:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(payload, dict) and payload.get("stream") is True


def _int_param(payload: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = payload.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _ApiError(
            400,
            f"Invalid '{name}': expected an integer between {low} and {high}.",
            param=name,
            code="invalid_value",
        )
    return value


def _include_usage(payload: dict[str, Any]) -> bool:
    options = payload.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _prompt_filter(reply: Reply) -> dict[str, Any]:
    if reply.prompt_filter_results is None:
        return {}
    return {"prompt_filter_results": [dict(r) for r in reply.prompt_filter_results]}


def _prompt_filter_chunk(reply: Reply) -> list[bytes]:
    """Azure's first stream chunk: the prompt verdicts, no choices, empty identifiers."""
    if reply.prompt_filter_results is None:
        return []
    chunk = {"id": "", "object": "", "created": 0, "model": "", "choices": []}
    return [orjson.dumps({**chunk, **_prompt_filter(reply)})]


def _choice_filter(reply: Reply) -> dict[str, Any]:
    if reply.content_filter_results is None:
        return {}
    return {"content_filter_results": dict(reply.content_filter_results)}


def _json(ex: _Exchange, payload: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(payload),
        status=status,
        content_type="application/json",
        headers=ex.headers,
    )


async def _stall(response: web.StreamResponse, fault: Fault) -> None:
    interval = fault.keepalive_interval
    if interval is None or interval <= 0:
        await asyncio.sleep(fault.seconds)
        return
    deadline = asyncio.get_running_loop().time() + fault.seconds
    while (remaining := deadline - asyncio.get_running_loop().time()) > interval:
        await asyncio.sleep(interval)
        await response.write(_KEEPALIVE)
    await asyncio.sleep(max(remaining, 0.0))


class LocalServer:
    """An OpenAI-compatible HTTP server on localhost, serving scripted replies and faults.

    Use `async with LocalServer() as server`, or `with LocalServer.threaded() as server` from
    sync code. Routes live under `server.base_url` ("http://127.0.0.1:PORT/v1").
    """

    def __init__(
        self,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[str] = DEFAULT_MODELS,
        *,
        azure: bool = False,
    ) -> None:
        self.api_key = api_key
        #: Azure OpenAI mode: see `azure_endpoint`.
        self.azure = azure
        self.host = host
        self.requests: list[RecordedRequest] = []
        self.rate_limit_headers: dict[str, str] = dict(DEFAULT_RATE_LIMIT_HEADERS)
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._replies: deque[Reply] = deque()
        self._faults: list[Fault] = []
        self._numbers = itertools.count(1)
        self._models = {
            name: {"id": name, "object": "model", "created": 1700000000, "owned_by": "openai"}
            for name in models
        }
        #: 429s sent by the rate-limit mode (see `set_rate_limit`).
        self.rate_limited = 0
        self._rate_limiter: RateLimiter | None = None
        self._failing_inputs: dict[str, int] = {}
        self._embedding_formats: tuple[str, ...] = ("float", "base64")
        self._delay: tuple[float, float] = (0.0, 0.0)
        self._rng = random.Random(0)
        #: The legacy endpoints (edits, engines, fine-tunes, Assistants v1 files) and their state.
        self.legacy = LegacyRoutes(self._models)
        #: Files, uploads and batches (a batch runs its lines through this server's endpoints).
        self.batch_api = BatchApi(self._run_batch_line)
        self._routes: dict[tuple[str, str], Handler] = {}
        #: The Realtime API: a WebSocket at /v1/realtime (scripted replies, recorded events).
        self.realtime = RealtimeApi()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the socket and start serving."""
        if self._runner is not None:
            raise RuntimeError("LocalServer is already started")
        # Files up to the Files API's 512 MB (aiohttp refuses bodies over 1 MiB by default).
        app = web.Application(client_max_size=512 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A short shutdown_timeout: close() must not wait for a stalled or delayed handler.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def close(self) -> None:
        """Stop serving and close every connection (in-flight handlers are cancelled)."""
        runner, self._runner = self._runner, None
        await self.batch_api.close()
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> LocalServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @classmethod
    @contextmanager
    def threaded(
        cls,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[str] = DEFAULT_MODELS,
        *,
        azure: bool = False,
    ) -> Iterator[LocalServer]:
        """Run the server on a background thread with its own event loop, for sync code."""
        server = cls(api_key, host, port, models, azure=azure)
        with start_blocking_portal(backend="asyncio") as portal:
            portal.call(server.start)
            try:
                yield server
            finally:
                portal.call(server.close)

    @property
    def port(self) -> int:
        """The bound port."""
        if self._port is None:
            raise RuntimeError("LocalServer is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """The API root, e.g. "http://127.0.0.1:PORT/v1"."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        """The root an Azure client is given ("http://127.0.0.1:PORT"), in `azure=True` mode.

        Like Azure OpenAI, it serves `/openai/deployments/{deployment}/...` for deployment
        operations and `/openai/...` for the rest, requires `api-version`, takes the key as
        `api-key` or `Authorization: Bearer`, and sends its own errors without a `type`.
        """
        return self.base_url.removesuffix("/v1")

    # -- scripting -----------------------------------------------------------------------

    def add_reply(self, reply: Reply) -> None:
        """Queue the answer to a later chat completion, text completion or response (FIFO)."""
        self._replies.append(reply)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Answer ``method path`` ("/v1" prefix optional) with ``handler(recorded request)``,
        before the built-in endpoints: for endpoints the server does not implement."""
        self._routes[(method.upper(), "/v1" + path.removeprefix("/v1"))] = handler

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault; the first request matching its path consumes it (FIFO)."""
        self._faults.append(fault)

    def set_rate_limit(
        self, requests_per_minute: int, tokens_per_minute: int, *, burst_seconds: float = 60.0
    ) -> None:
        """Enforce requests- and tokens-per-minute budgets on POST requests: real 429s with
        `Retry-After`, and `x-ratelimit-*` headers that show what is left. The budgets hold
        `burst_seconds` of their rate (a whole minute by default)."""
        self._rate_limiter = RateLimiter(
            requests_per_minute, tokens_per_minute, burst_seconds=burst_seconds
        )

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The budgets of `set_rate_limit` (``.requests`` / ``.tokens``: level, utilization)."""
        return self._rate_limiter

    def fail_inputs(self, *inputs: str, status: int = 400) -> None:
        """Answer `status` to every embeddings request containing one of these strings."""
        self._failing_inputs.update(dict.fromkeys(inputs, status))

    def set_embedding_formats(self, *formats: str) -> None:
        """Accept only these embeddings `encoding_format`s, answering 400 to the others (as
        compatible servers that only send floats do: `set_embedding_formats("float")`)."""
        self._embedding_formats = formats

    def set_random_delay(self, low: float, high: float, seed: int = 0) -> None:
        """Delay each embeddings answer by a random time in [low, high]: out-of-order completion."""
        self._delay = (low, high)
        self._rng = random.Random(seed)

    def reset(self) -> None:
        """Forget queued replies and faults and recorded requests."""
        self._replies.clear()
        self._faults.clear()
        self.requests.clear()
        self.realtime.reset()

    def _take_fault(self, path: str) -> Fault | None:
        for i, fault in enumerate(self._faults):
            if fault.matches(path):
                del self._faults[i]
                return fault
        return None

    def _take_reply(self, default_text: str) -> Reply:
        try:
            return self._replies.popleft()
        except IndexError:
            return Reply(default_text)

    # -- dispatch ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        number = next(self._numbers)
        body = await request.read()
        recorded = RecordedRequest(
            request.method,
            request.path,
            dict(request.query),
            CIMultiDict(request.headers),
            body,
            received_at=time.monotonic(),
        )
        self.requests.append(recorded)
        headers = {**self.rate_limit_headers, "x-request-id": f"req_{number}"}
        ex = _Exchange(request, number, headers, body, _wants_stream(body), recorded)
        try:
            return await self._dispatch(ex)
        except _ApiError as error:
            return _json(ex, error.body, error.status)

    def _azure_path(self, request: web.Request) -> str:
        """The OpenAI path ("/v1/...") an Azure-style request maps to; Azure's errors otherwise."""
        path = request.path
        if self.api_key is not None and self.api_key not in (
            request.headers.get("api-key"),
            request.headers.get("Authorization", "").removeprefix("Bearer "),
        ):
            raise _ApiError.azure(
                401,
                "401",
                "Access denied due to invalid subscription key or wrong API endpoint.",
            )
        if path.startswith("/openai/v1/"):  # Azure's v1 API: OpenAI's paths, no api-version
            return path.removeprefix("/openai")
        if not request.query.get("api-version"):
            raise _ApiError.azure(404, "404", "Resource not found (no api-version parameter)")
        parts = request.rel_url.raw_path.split("/")  # "", "openai", "deployments", NAME, ...
        if path.startswith("/openai/deployments/") and len(parts) > 4 and parts[3]:
            rest = "/" + "/".join(parts[4:])
            if rest in _AZURE_DEPLOYMENT_PATHS:
                return "/v1" + rest
        elif path.startswith("/openai/"):
            rest = path.removeprefix("/openai")
            if rest not in _AZURE_DEPLOYMENT_PATHS:
                return "/v1" + rest
        raise _ApiError.azure(404, "404", "Resource not found")

    async def _dispatch(self, ex: _Exchange) -> web.StreamResponse:
        request = ex.request
        azure_path = self._azure_path(request) if self.azure else None
        fault = self._take_fault(azure_path or request.path)
        if fault is not None:
            if fault.kind == "status":
                return self._fault_response(ex, fault)
            if fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
            elif ex.stream:
                ex.fault = fault
            elif fault.kind == "drop":
                await abort_connection(request)
                return web.Response()
            elif fault.kind == "malformed":
                return web.Response(
                    body=_MALFORMED, content_type="application/json", headers=ex.headers
                )
            # Other stream faults do not apply to a non-stream request: it is answered normally.

        if (
            azure_path is None
            and self.api_key is not None
            and (request.headers.get("Authorization") != f"Bearer {self.api_key}")
            and not (
                request.path == "/v1/realtime"
                and self.realtime.accepts(request.headers.get("Authorization"))
            )
        ):
            raise _ApiError(401, "Incorrect API key provided.", code="invalid_api_key")

        method, path = request.method, azure_path or request.path
        if self._rate_limiter is not None and method == "POST":
            wait, limits = self._rate_limiter.admit(request_tokens(ex.body))
            ex.headers.update(limits)
            if wait is not None:
                self.rate_limited += 1
                raise _ApiError(
                    429,
                    "Rate limit reached: please try again later.",
                    error_type="requests",
                    code="rate_limit_exceeded",
                )
        route = self._routes.get((method, path))
        if route is not None:
            return await answer(request, route(ex.recorded), ex.headers)
        if method == "POST" and path == "/v1/chat/completions":
            return await self._chat(ex)
        if method == "POST" and path == "/v1/completions":
            return await self._completions(ex)
        if method == "POST" and path == "/v1/embeddings":
            return await self._embeddings(ex)
        if method == "POST" and path == "/v1/responses":
            return await self._responses(ex)
        if method == "GET" and path == "/v1/realtime":
            return await self.realtime.serve(request, ex.headers)
        if method == "POST" and path == "/v1/realtime/client_secrets":
            return _json(ex, self.realtime.client_secret(ex.json()))
        if method == "GET" and path == "/v1/models":
            return _json(ex, {"object": "list", "data": list(self._models.values())})
        model = path.removeprefix("/v1/models/")
        if model and model != path and method in ("GET", "DELETE"):
            if model not in self._models:
                raise _ApiError(
                    404,
                    f"The model '{model}' does not exist",
                    param="model",
                    code="model_not_found",
                )
            if method == "GET":
                return _json(ex, self._models[model])
            del self._models[model]
            return _json(ex, {"id": model, "object": "model", "deleted": True})
        batch_api = self.batch_api.answer(method, path, ex.recorded, ex.json)
        if batch_api is not None:
            return await answer(request, batch_api, ex.headers)
        legacy = self.legacy.answer(method, path, request.headers, ex.json)
        if legacy is not None:
            return _json(ex, legacy[1], legacy[0])
        raise _ApiError(404, f"Invalid URL ({method} {path})")

    async def _run_batch_line(self, url: str, body: bytes) -> tuple[int, Any]:
        """One line of a batch, answered by the endpoint it names (never streamed)."""
        handlers = {
            "/v1/chat/completions": self._chat,
            "/v1/completions": self._completions,
            "/v1/embeddings": self._embeddings,
            "/v1/responses": self._responses,
        }
        handler = handlers.get(url)
        if handler is None:
            return 404, _ApiError(404, f"Invalid URL (POST {url})").body
        recorded = RecordedRequest("POST", url, {}, CIMultiDict(), body)
        ex = _Exchange(cast(web.Request, None), next(self._numbers), {}, body, False, recorded)
        try:
            response = await handler(ex)
        except _ApiError as error:
            return error.status, error.body
        assert isinstance(response, web.Response) and isinstance(response.body, bytes)
        return response.status, orjson.loads(response.body)

    def _fault_response(self, ex: _Exchange, fault: Fault) -> web.Response:
        headers = CIMultiDict({**ex.headers, **fault.headers})
        if fault.body is None:
            headers.setdefault("Content-Type", "application/json")
            body = orjson.dumps(fault.error_body())
        else:
            headers.setdefault("Content-Type", fault.content_type or "text/plain")
            body = fault.body
        return web.Response(status=fault.status_code, body=body, headers=headers)

    # -- endpoints -----------------------------------------------------------------------

    async def _chat(self, ex: _Exchange) -> web.StreamResponse:
        payload = ex.json("model", "messages")
        messages = payload["messages"]
        if not isinstance(messages, list):
            raise _ApiError(400, "'messages' must be an array.", param="messages")
        n = _int_param(payload, "n", 1, 1, 128)
        top_logprobs = _int_param(payload, "top_logprobs", 0, 0, 20)
        logprobs = payload.get("logprobs") is True
        reply = self._take_reply(default_chat_text(messages))
        text = reply.text
        tool_calls = reply.tool_calls or ()
        call_ids = [call.id or f"call_local{ex.number}x{i}" for i, call in enumerate(tool_calls)]
        pieces = (
            list(reply.chunks)
            if reply.chunks is not None
            else split_text(text or "", reply.chunk_size)
        )
        prompt_tokens = sum(
            count_tokens(text_of(m.get("content"))) + 3 for m in messages if isinstance(m, dict)
        )
        completion_tokens = n * sum(
            map(count_tokens, [text or "", reply.refusal or ""] + [c.arguments for c in tool_calls])
        )
        usage = (
            dict(reply.usage)
            if reply.usage is not None
            else _usage(prompt_tokens, completion_tokens)
        )
        base: dict[str, Any] = {
            "id": f"chatcmpl-local{ex.number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply.model or payload["model"],
            "service_tier": "default",
            "system_fingerprint": "fp_local",
        }

        if not ex.stream:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": text,
                "refusal": reply.refusal,
                "annotations": [],
            }
            if tool_calls:
                message["tool_calls"] = [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call_id, call in zip(call_ids, tool_calls, strict=True)
                ]
            choice_logprobs = (
                {"content": [token_logprob(p, top_logprobs) for p in pieces], "refusal": None}
                if logprobs
                else None
            )
            choices = [
                {
                    "index": i,
                    "message": message,
                    "logprobs": choice_logprobs,
                    "finish_reason": reply.finish,
                    **_choice_filter(reply),
                }
                for i in range(n)
            ]
            return _json(
                ex,
                {
                    **base,
                    "choices": choices,
                    "usage": usage,
                    **_prompt_filter(reply),
                    **reply.extra_fields,
                },
            )

        base["object"] = "chat.completion.chunk"
        include_usage = _include_usage(payload)
        if include_usage:
            base["usage"] = None
        deltas: list[tuple[dict[str, Any], Any]] = [
            ({"role": "assistant", "content": None if text is None else ""}, None)
        ]
        for piece in pieces:
            piece_logprobs = (
                {"content": [token_logprob(piece, top_logprobs)], "refusal": None}
                if logprobs
                else None
            )
            deltas.append(({"content": piece}, piece_logprobs))
        for piece in split_text(reply.refusal or "", reply.chunk_size):
            deltas.append(({"refusal": piece}, None))
        for k, (call_id, call) in enumerate(zip(call_ids, tool_calls, strict=True)):
            first = {"index": k, "id": call_id, "type": "function"}
            deltas.append(
                (
                    {"tool_calls": [{**first, "function": {"name": call.name, "arguments": ""}}]},
                    None,
                )
            )
            for piece in split_text(call.arguments, reply.chunk_size):
                fn = {"name": call.name, "arguments": piece}
                if reply.repeat_tool_call_ids:  # llama.cpp: id, type and name in every chunk
                    head: dict[str, Any] = {**first, "function": fn}
                else:
                    head = {"index": k, "function": {"arguments": piece}}
                deltas.append(({"tool_calls": [head]}, None))

        def chunk(index: int, delta: dict[str, Any], lp: Any, finish: str | None) -> bytes:
            choice = {"index": index, "delta": delta, "logprobs": lp, "finish_reason": finish}
            choice.update(_choice_filter(reply))
            return orjson.dumps({**base, "choices": [choice], **reply.extra_fields})

        events = _prompt_filter_chunk(reply)
        events += [chunk(i, delta, lp, None) for delta, lp in deltas for i in range(n)]
        events += [chunk(i, {}, None, reply.finish) for i in range(n)]
        if include_usage:
            events.append(
                orjson.dumps({**base, "choices": [], "usage": usage, **reply.extra_fields})
            )
        return await self._stream(ex, events, reply)

    async def _completions(self, ex: _Exchange) -> web.StreamResponse:
        payload = ex.json("model", "prompt")
        n = _int_param(payload, "n", 1, 1, 128)
        reply = self._take_reply(default_completion_text(payload["prompt"]))
        text = reply.text or ""
        pieces = (
            list(reply.chunks) if reply.chunks is not None else split_text(text, reply.chunk_size)
        )
        prompt = payload["prompt"]
        prompt_tokens = (
            count_tokens(prompt) if isinstance(prompt, str) else len(orjson.dumps(prompt)) // 4
        )
        usage = (
            dict(reply.usage)
            if reply.usage is not None
            else _usage(prompt_tokens, n * count_tokens(text))
        )
        base: dict[str, Any] = {
            "id": f"cmpl-local{ex.number}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": reply.model or payload["model"],
            "system_fingerprint": "fp_local",
        }

        def choice(index: int, piece: str, finish: str | None) -> dict[str, Any]:
            return {"text": piece, "index": index, "logprobs": None, "finish_reason": finish}

        if not ex.stream:
            choices = [choice(i, text, reply.finish) for i in range(n)]
            return _json(ex, {**base, "choices": choices, "usage": usage, **reply.extra_fields})

        include_usage = _include_usage(payload)
        if include_usage:
            base["usage"] = None

        def chunk(*choices: dict[str, Any]) -> bytes:
            return orjson.dumps({**base, "choices": list(choices), **reply.extra_fields})

        events = [chunk(choice(i, piece, None)) for piece in pieces for i in range(n)]
        events += [chunk(choice(i, "", reply.finish)) for i in range(n)]
        if include_usage:
            events.append(
                orjson.dumps({**base, "choices": [], "usage": usage, **reply.extra_fields})
            )
        return await self._stream(ex, events, reply)

    async def _responses(self, ex: _Exchange) -> web.StreamResponse:
        payload = ex.json("model", "input")
        if not isinstance(payload["input"], str | list):
            raise _ApiError(
                400, "'input' must be a string or an array of input items.", param="input"
            )
        reply = self._take_reply(default_response_text(payload["input"]))
        response = LocalResponse(payload, reply, ex.number)
        if not ex.stream:
            return _json(ex, response.final())
        events = response.events()
        return await self._stream(
            ex,
            [orjson.dumps(event) for event in events],
            reply,
            names=[event["type"] for event in events],
            error=error_event,
        )

    async def _embeddings(self, ex: _Exchange) -> web.Response:
        payload = ex.json("model", "input")
        raw = payload["input"]

        def is_tokens(value: Any) -> bool:
            return (
                isinstance(value, list)
                and bool(value)
                and all(isinstance(t, int) and not isinstance(t, bool) for t in value)
            )

        inputs: list[Any]
        if isinstance(raw, str) or is_tokens(raw):
            inputs = [raw]
        elif isinstance(raw, list) and raw and all(isinstance(x, str) or is_tokens(x) for x in raw):
            inputs = raw
        else:
            raise _ApiError(
                400,
                "'input' must be a string, an array of strings, an array of tokens or an array of token arrays.",
                param="input",
            )
        dimensions = _int_param(payload, "dimensions", 8, 1, 8192)
        encoding = payload.get("encoding_format", "float")
        if encoding not in self._embedding_formats:
            allowed = " or ".join(f"'{name}'" for name in self._embedding_formats)
            raise _ApiError(400, f"'encoding_format' must be {allowed}.", param="encoding_format")
        low, high = self._delay
        if high > 0:
            await asyncio.sleep(self._rng.uniform(low, high))
        for index, item in enumerate(inputs):
            status = self._failing_inputs.get(item) if isinstance(item, str) else None
            if status is not None:
                raise _ApiError(status, f"Input {index} cannot be embedded.", param="input")
        data = []
        for index, item in enumerate(inputs):
            key = item.encode() if isinstance(item, str) else orjson.dumps(item)
            vector = embedding(key, dimensions)
            data.append(
                {
                    "object": "embedding",
                    "index": index,
                    "embedding": to_base64(vector) if encoding == "base64" else vector,
                }
            )
        tokens = sum(count_tokens(x) if isinstance(x, str) else len(x) for x in inputs)
        return _json(
            ex,
            {
                "object": "list",
                "data": data,
                "model": payload["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    # -- streaming -----------------------------------------------------------------------

    async def _stream(
        self,
        ex: _Exchange,
        events: list[bytes],
        reply: Reply,
        *,
        names: Sequence[str] | None = None,
        error: Callable[[Fault, int], Any] | None = None,
    ) -> web.StreamResponse:
        """Write `events` as SSE, applying the exchange's stream fault: data-only events then
        [DONE] (chat, completions), or, given `names` (the Responses API), each event under
        its `event:` name and no [DONE]. `error(fault, position)` shapes an error fault's
        data (by default `fault.error_body()`)."""
        if names is None:
            events = [*events, _DONE]
        response = web.StreamResponse(
            headers={
                **ex.headers,
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
            }
        )
        await response.prepare(ex.request)
        fault = ex.fault
        for i in range(len(events) + 1):
            data = events[i] if i < len(events) else None
            if fault is not None and i == fault.after_events:
                if fault.kind == "drop":
                    await abort_connection(ex.request)
                    return response
                if fault.kind == "truncate":
                    break
                if fault.kind in ("error_event", "error_payload"):
                    name = b"event: error\n" if fault.kind == "error_event" else b""
                    body = fault.error_body() if error is None else error(fault, i)
                    await response.write(name + b"data: " + orjson.dumps(body) + b"\n\n")
                    break
                if fault.kind == "stall":
                    await _stall(response, fault)
                elif fault.kind == "empty_events":
                    await response.write(b"data: \n\n" * fault.count + b"retry: 1000\n\nid: 5\n\n")
                elif fault.kind == "malformed" and data is not None:
                    data = _MALFORMED
            if data is None:
                break
            if i > 0 and reply.delay_between_chunks > 0:
                await asyncio.sleep(reply.delay_between_chunks)
            if i > 0 and reply.keepalive_comments:
                await response.write(_KEEPALIVE)
            head = b"" if names is None else b"event: " + names[i].encode() + b"\n"
            cut = fault is not None and fault.kind == "unterminated" and i == fault.after_events
            await response.write(head + b"data: " + data + (b"" if cut else b"\n\n"))
            if cut:
                break
        await response.write_eof()
        return response
