"""The local server's Responses API (``POST /v1/responses``): a scripted `Reply` as a
`Response` object, or as the events the API streams (no I/O here)."""

from __future__ import annotations

import time
from typing import Any

from ._fake import GREETING, count_tokens, default_chat_text, split_text, text_of
from ._faults import Fault, Reply

__all__ = ["LocalResponse", "default_response_text", "error_event"]

# Request parameters the API echoes on the response, with what it sends when they are omitted.
_ECHOED: dict[str, Any] = {
    "instructions": None,
    "max_output_tokens": None,
    "metadata": {},
    "parallel_tool_calls": True,
    "previous_response_id": None,
    "reasoning": {"effort": None, "summary": None},
    "store": True,
    "temperature": 1.0,
    "text": {"format": {"type": "text"}},
    "tool_choice": "auto",
    "tools": [],
    "top_p": 1.0,
    "truncation": "disabled",
    "user": None,
}
# The finish reasons that leave a response incomplete, and the reason the API gives.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def default_response_text(input: Any) -> str:
    """The reply used when none is queued: a greeting echoing a string input or the last
    user message of a list of input items."""
    if isinstance(input, str):
        return f"{GREETING} You said: {input}"
    return default_chat_text(input)


def error_event(fault: Fault, sequence_number: int) -> dict[str, Any]:
    """A stream fault's error as the Responses API sends it: a ``"type": "error"`` event
    (which has no error type, so the type stands in for a missing code)."""
    error = fault.error_body()["error"]
    return {
        "type": "error",
        "code": error["code"] if error["code"] is not None else error["type"],
        "message": error["message"],
        "param": None,
        "sequence_number": sequence_number,
    }


def _input_tokens(payload: dict[str, Any]) -> int:
    items = payload["input"]
    if isinstance(items, str):
        items = [{"content": items}]
    tokens = sum(count_tokens(text_of(i.get("content"))) + 3 for i in items if isinstance(i, dict))
    instructions = payload.get("instructions")
    return tokens + (count_tokens(instructions) if isinstance(instructions, str) else 0)


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _part(kind: str, text: str) -> dict[str, Any]:
    if kind == "refusal":
        return {"type": "refusal", "refusal": text}
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


class LocalResponse:
    """One `Reply` as a response: an assistant message (an output_text part, a refusal
    part or both), then a `function_call` item per tool call."""

    def __init__(self, payload: dict[str, Any], reply: Reply, number: int) -> None:
        self.reply = reply
        self.message_id = f"msg_local{number}"
        self.reason = _INCOMPLETE.get(reply.finish_reason or "")
        self.status = "completed" if self.reason is None else "incomplete"
        text, refusal, size = reply.text, reply.refusal, reply.chunk_size
        #: The message's parts as (type, text, streamed pieces); none: no message.
        self.parts: list[tuple[str, str, list[str]]] = []
        if text is not None or (refusal is None and not reply.tool_calls):
            text = text or ""
            pieces = list(reply.chunks) if reply.chunks is not None else split_text(text, size)
            self.parts.append(("output_text", text, pieces))
        if refusal is not None:
            self.parts.append(("refusal", refusal, split_text(refusal, size)))
        #: Each call's (item id, call id, call).
        self.calls = [
            (f"fc_local{number}x{i}", call.id or f"call_local{number}x{i}", call)
            for i, call in enumerate(reply.tool_calls or ())
        ]
        outputs = [p[1] for p in self.parts] + [c.arguments for _, _, c in self.calls]
        self.usage = (
            dict(reply.usage)
            if reply.usage is not None
            else _usage(_input_tokens(payload), sum(map(count_tokens, outputs)))
        )
        self.base: dict[str, Any] = {
            "id": f"resp_local{number}",
            "object": "response",
            "created_at": int(time.time()),
            "model": reply.model or payload["model"],
            **{name: payload.get(name, default) for name, default in _ECHOED.items()},
        }

    def _message(self, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "status": status,
            "content": content,
        }

    def _call(self, index: int, status: str, arguments: str) -> dict[str, Any]:
        item_id, call_id, call = self.calls[index]
        return {
            "id": item_id,
            "type": "function_call",
            "status": status,
            "arguments": arguments,
            "call_id": call_id,
            "name": call.name,
        }

    def _output(self) -> list[dict[str, Any]]:
        content = [_part(kind, text) for kind, text, _ in self.parts]
        message = [self._message(self.status, content)] if self.parts else []
        calls = [self._call(i, self.status, c.arguments) for i, (*_, c) in enumerate(self.calls)]
        return message + calls

    def _response(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        done = status != "in_progress"
        return {
            **self.base,
            "status": status,
            "completed_at": int(time.time()) if status == "completed" else None,
            "error": None,
            "incomplete_details": {"reason": self.reason} if done and self.reason else None,
            "output": output,
            "usage": self.usage if done else None,
            **self.reply.extra_fields,
        }

    def final(self) -> dict[str, Any]:
        """The finished `Response` object: status "completed", or "incomplete" with its reason."""
        return self._response(self.status, self._output())

    def events(self) -> list[dict[str, Any]]:
        """The stream: created, in_progress, each output item from added to done, then
        response.completed (or response.incomplete); numbered by ``sequence_number``."""
        events: list[dict[str, Any]] = []

        def add(kind: str, **fields: Any) -> None:
            events.append({"type": kind, **fields, "sequence_number": len(events)})

        add("response.created", response=self._response("in_progress", []))
        add("response.in_progress", response=self._response("in_progress", []))
        first_call = 0
        if self.parts:
            first_call = 1
            add("response.output_item.added", output_index=0, item=self._message("in_progress", []))
            for index, (kind, text, pieces) in enumerate(self.parts):
                at = {"item_id": self.message_id, "output_index": 0, "content_index": index}
                add("response.content_part.added", **at, part=_part(kind, ""))
                if kind == "output_text":
                    for piece in pieces:
                        add("response.output_text.delta", **at, delta=piece, logprobs=[])
                    add("response.output_text.done", **at, text=text, logprobs=[])
                else:
                    for piece in pieces:
                        add("response.refusal.delta", **at, delta=piece)
                    add("response.refusal.done", **at, refusal=text)
                add("response.content_part.done", **at, part=_part(kind, text))
            add("response.output_item.done", output_index=0, item=self._output()[0])
        for index, (item_id, _, call) in enumerate(self.calls):
            at = {"item_id": item_id, "output_index": first_call + index}
            item = self._call(index, "in_progress", "")
            add("response.output_item.added", output_index=at["output_index"], item=item)
            for piece in split_text(call.arguments, self.reply.chunk_size):
                add("response.function_call_arguments.delta", **at, delta=piece)
            add(
                "response.function_call_arguments.done",
                **at,
                name=call.name,
                arguments=call.arguments,
            )
            item = self._call(index, self.status, call.arguments)
            add("response.output_item.done", output_index=at["output_index"], item=item)
        final = self.final()
        add(f"response.{final['status']}", response=final)
        return events
