"""What the local server answers: scripted replies and injected faults."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Literal

import attrs
import orjson

FaultKind = Literal[
    "status",
    "delay",
    "drop",
    "truncate",
    "malformed",
    "error_event",
    "error_payload",
    "stall",
    "empty_events",
    "unterminated",
]


@attrs.frozen
class ToolCall:
    """A function call in a scripted reply; `id` defaults to a generated `call_...`."""

    name: str
    arguments: str = "{}"
    id: str | None = None


def _calls(value: Sequence[ToolCall] | None) -> tuple[ToolCall, ...] | None:
    return None if value is None else tuple(value)


def _chunks(value: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen
class Reply:
    """A scripted answer for the next chat completion, text completion or response.

    `content=None` gives a null message content (useful with `tool_calls`); `chunks` sets the
    exact streamed pieces, otherwise `content` is split word by word or every `chunk_size` chars.
    """

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] | None = attrs.field(
        default=None, converter=_calls, kw_only=True
    )
    finish_reason: str | None = attrs.field(default=None, kw_only=True)
    refusal: str | None = attrs.field(default=None, kw_only=True)
    usage: Mapping[str, Any] | None = attrs.field(default=None, kw_only=True)
    extra_fields: Mapping[str, Any] = attrs.field(factory=dict, kw_only=True)
    model: str | None = attrs.field(default=None, kw_only=True)
    chunks: tuple[str, ...] | None = attrs.field(default=None, converter=_chunks, kw_only=True)
    chunk_size: int | None = attrs.field(default=None, kw_only=True)
    keepalive_comments: bool = attrs.field(default=False, kw_only=True)
    delay_between_chunks: float = attrs.field(default=0.0, kw_only=True)
    #: Stream tool calls as llama.cpp does: every chunk repeats the call's id, type and name.
    repeat_tool_call_ids: bool = attrs.field(default=False, kw_only=True)
    #: Azure content filtering: the prompts' verdicts (top level; a stream sends them first,
    #: in a chunk without choices) and each choice's verdicts (on every streamed choice).
    prompt_filter_results: Sequence[Mapping[str, Any]] | None = attrs.field(
        default=None, kw_only=True
    )
    content_filter_results: Mapping[str, Any] | None = attrs.field(default=None, kw_only=True)

    @property
    def text(self) -> str | None:
        """The full content: `content`, else the joined `chunks`."""
        if self.content is None and self.chunks is not None:
            return "".join(self.chunks)
        return self.content

    @property
    def finish(self) -> str:
        """`finish_reason`, defaulting to "tool_calls" when there are tool calls, else "stop"."""
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


_DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Bad request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to access this resource.", "invalid_request_error", None),
    404: ("The requested resource does not exist.", "invalid_request_error", None),
    409: ("The request conflicts with the current state.", "invalid_request_error", None),
    422: ("The request could not be processed.", "invalid_request_error", None),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@attrs.frozen(kw_only=True)
class Fault:
    """A failure injected into ONE request (the first one whose path matches `path`, if given).

    Build with the classmethods; "events" count the SSE `data:` events of a stream.
    """

    kind: FaultKind
    path: str | None = None
    status_code: int = 500
    message: str | None = None
    error_type: str | None = None
    error_code: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    seconds: float = 0.0
    after_events: int = 0
    count: int = 0
    keepalive_interval: float | None = None

    def matches(self, path: str) -> bool:
        """Whether this fault applies to a request for `path` ("/v1" prefix optional)."""
        return self.path is None or self.path in (path, path.removeprefix("/v1"))

    def error_body(self) -> dict[str, Any]:
        """The OpenAI-shaped `{"error": {...}}` object for this fault."""
        message, error_type, code = _DEFAULT_ERRORS.get(
            self.status_code,
            (
                f"HTTP {self.status_code}",
                "server_error" if self.status_code >= 500 else "invalid_request_error",
                None,
            ),
        )
        return {
            "error": {
                "message": self.message if self.message is not None else message,
                "type": self.error_type if self.error_type is not None else error_type,
                "param": None,
                "code": self.error_code if self.error_code is not None else code,
            }
        }

    @classmethod
    def status(
        cls,
        code: int,
        *,
        message: str | None = None,
        error_type: str | None = None,
        error_code: str | None = None,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        retry_after_date: bool = False,
        should_retry: bool | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """An error response, with an OpenAI-shaped JSON body unless `body` is given.

        `retry_after_date` sends `Retry-After` as an HTTP date `retry_after` seconds from now.
        """
        extra: dict[str, str] = {}
        if retry_after is not None:
            extra["Retry-After"] = (
                email.utils.formatdate(time.time() + retry_after, usegmt=True)
                if retry_after_date
                else _number(retry_after)
            )
        if retry_after_ms is not None:
            extra["retry-after-ms"] = _number(retry_after_ms)
        if should_retry is not None:
            extra["x-should-retry"] = "true" if should_retry else "false"
        extra.update(headers or {})
        return cls(
            kind="status",
            path=path,
            status_code=code,
            message=message,
            error_type=error_type,
            error_code=error_code,
            headers=extra,
            body=body.encode() if isinstance(body, str) else body,
            content_type=content_type,
        )

    @classmethod
    def html(cls, status: int = 502, *, path: str | None = None) -> Fault:
        """An HTML error page, as a reverse proxy in front of the API would send."""
        title = f"{status} {HTTPStatus(status).phrase}"
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return cls.status(status, body=page, content_type="text/html", path=path)

    @classmethod
    def content_filter(
        cls, categories: Sequence[str] = ("violence",), *, path: str | None = None
    ) -> Fault:
        """Azure's 400 for a prompt its content filter blocked: no `type`, an `innererror`
        with a verdict per category (the ones in `categories` filtered, severity "high")."""
        verdicts: dict[str, Any] = {
            name: {
                "filtered": name in categories,
                "severity": "high" if name in categories else "safe",
            }
            for name in ("hate", "self_harm", "sexual", "violence")
        }
        verdicts["jailbreak"] = {
            "filtered": "jailbreak" in categories,
            "detected": "jailbreak" in categories,
        }
        message = (
            "The response was filtered due to the prompt triggering Azure OpenAI's content "
            "management policy. Please modify your prompt and retry."
        )
        body = {
            "error": {
                "message": message,
                "type": None,
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": {
                    "code": "ResponsibleAIPolicyViolation",
                    "content_filter_result": verdicts,
                },
            }
        }
        return cls.status(400, body=orjson.dumps(body), content_type="application/json", path=path)

    @classmethod
    def delay(cls, seconds: float, *, path: str | None = None) -> Fault:
        """Wait `seconds` before sending the response headers, then answer normally."""
        return cls(kind="delay", path=path, seconds=seconds)

    @classmethod
    def drop(cls, after_events: int = 0, *, path: str | None = None) -> Fault:
        """Abort the connection: after `after_events` stream events, or before any response."""
        return cls(kind="drop", path=path, after_events=after_events)

    @classmethod
    def truncate(cls, after_events: int, *, path: str | None = None) -> Fault:
        """End the stream cleanly after `after_events` events: no finish_reason, no [DONE]."""
        return cls(kind="truncate", path=path, after_events=after_events)

    @classmethod
    def unterminated(cls, at_event: int, *, path: str | None = None) -> Fault:
        """End the stream inside the event at `at_event` (a chat stream's `[DONE]` when it is
        the last): its `data:` line is sent without a line end or the closing blank line."""
        return cls(kind="unterminated", path=path, after_events=at_event)

    @classmethod
    def malformed(cls, at_event: int, *, path: str | None = None) -> Fault:
        """Replace the event at `at_event` with invalid JSON (a non-stream body is invalid JSON)."""
        return cls(kind="malformed", path=path, after_events=at_event)

    @classmethod
    def error_event(
        cls,
        after_events: int,
        message: str = "The server had an error while processing your request.",
        error_type: str = "server_error",
        code: str | None = None,
        *,
        path: str | None = None,
    ) -> Fault:
        """Send `event: error` with an error object after `after_events` events, then end."""
        return cls(
            kind="error_event",
            path=path,
            after_events=after_events,
            message=message,
            error_type=error_type,
            error_code=code,
        )

    @classmethod
    def error_payload(
        cls,
        after_events: int,
        message: str = "The server had an error while processing your request.",
        error_type: str = "server_error",
        code: str | None = None,
        *,
        path: str | None = None,
    ) -> Fault:
        """Like `error_event` but as a plain `data:` event without an event name."""
        return attrs.evolve(
            cls.error_event(after_events, message, error_type, code, path=path),
            kind="error_payload",
        )

    @classmethod
    def stall(
        cls,
        after_events: int,
        seconds: float,
        keepalive_interval: float | None = None,
        *,
        path: str | None = None,
    ) -> Fault:
        """Pause the stream for `seconds` (sending keep-alive comments if asked), then go on."""
        return cls(
            kind="stall",
            path=path,
            after_events=after_events,
            seconds=seconds,
            keepalive_interval=keepalive_interval,
        )

    @classmethod
    def empty_events(cls, after_events: int, count: int = 2, *, path: str | None = None) -> Fault:
        """Insert `count` empty `data:` events and bare `retry:` / `id:` blocks, then go on."""
        return cls(kind="empty_events", path=path, after_events=after_events, count=count)
