"""The Realtime API of the local server: a WebSocket at ``/v1/realtime`` answering client
events, with scripted responses (text, audio, function calls), errors, closes and drops."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections import deque
from collections.abc import Sequence
from typing import Any

import attrs
import orjson
from aiohttp import WSMsgType, web

from ._fake import split_text
from ._faults import ToolCall
from ._routes import abort_connection

__all__ = ["RealtimeApi", "RealtimeReply"]


def _seq(value: Sequence[Any] | None) -> tuple[Any, ...] | None:
    return None if value is None else tuple(value)


def _calls(value: Sequence[ToolCall]) -> tuple[ToolCall, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class RealtimeReply:
    """The scripted answer to the next ``response.create``.

    ``text`` is the answer (the transcript of ``audio`` when audio is given: PCM16 bytes,
    sent in ``audio_chunk_size`` pieces as ``response.output_audio.delta``); ``tool_calls``
    become function-call items. ``chunks`` sets the exact text deltas (else word by word).
    ``delay_between_events`` makes a slow server (a ``response.cancel`` can land mid-way).
    ``events`` sends these instead of a response, as they are (a dict as JSON, a string as
    the raw message). ``error`` sends an ``error`` event instead of a response. ``close_code`` closes the
    connection with that code, ``drop`` drops it without a close frame, either after
    ``after_events`` events of the response.
    """

    text: str | None = None
    audio: bytes | None = None
    events: tuple[dict[str, Any] | str, ...] | None = attrs.field(default=None, converter=_seq)
    tool_calls: tuple[ToolCall, ...] = attrs.field(default=(), converter=_calls)
    chunks: tuple[str, ...] | None = attrs.field(default=None, converter=_seq)
    audio_chunk_size: int = 4800
    delay_between_events: float = 0.0
    error: str | None = None
    error_code: str | None = None
    close_code: int | None = None
    drop: bool = False
    after_events: int = 0


class _Closed(Exception):
    """The scripted response closed or dropped the connection."""


class RealtimeApi:
    """The Realtime API state of one :class:`LocalServer` (``server.realtime``)."""

    def __init__(self) -> None:
        self._replies: deque[RealtimeReply] = deque()
        self._on_connect: deque[RealtimeReply] = deque()
        self._transcripts: deque[str] = deque()
        self._ids = itertools.count(1)
        self._secrets: set[str] = set()
        #: Every client event received, decoded, in order (all connections).
        self.events: list[dict[str, Any]] = []
        #: WebSocket connections accepted so far, and those still open.
        self.connections = 0
        self.open = 0
        #: The close code of each connection that has ended (1006: dropped), in order.
        self.close_codes: list[int] = []
        #: ``False``: the server ignores keep-alive pings (a client's pong wait runs out).
        self.answer_pings = True

    def add_reply(self, reply: RealtimeReply) -> None:
        """Queue the answer to a later ``response.create`` (FIFO; default: a short text)."""
        self._replies.append(reply)

    def add_on_connect(self, reply: RealtimeReply) -> None:
        """Play ``reply`` on the next connection right after ``session.created``, unasked:
        server-initiated events (``events=``), or a close or drop at the start."""
        self._on_connect.append(reply)

    def add_transcript(self, text: str) -> None:
        """Queue the transcript of the next committed input audio (default: its length)."""
        self._transcripts.append(text)

    def reset(self) -> None:
        self._replies.clear()
        self._on_connect.clear()
        self._transcripts.clear()
        self.events.clear()

    def accepts(self, authorization: str | None) -> bool:
        """Whether ``Authorization`` carries a client secret this server issued."""
        return authorization is not None and authorization.removeprefix("Bearer ") in self._secrets

    def client_secret(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/realtime/client_secrets``: an ephemeral key for the WebSocket."""
        value = f"ek_local_{next(self._ids)}"
        self._secrets.add(value)
        session = {"type": "realtime", "object": "realtime.session", "id": self._id("sess")}
        session.update(body.get("session") or {})
        return {"value": value, "expires_at": 1900000000, "session": session}

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    async def serve(self, request: web.Request, headers: dict[str, str]) -> web.StreamResponse:
        """Accept the WebSocket and run one session on it."""
        ws = web.WebSocketResponse(autoping=self.answer_pings, max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        self.open += 1
        try:
            await _Session(self, request, ws).run()
        finally:
            self.open -= 1
            self.close_codes.append(ws.close_code or 1006)
        return ws


class _Session:
    """One connection: the conversation, the input buffer, the response in progress."""

    def __init__(self, api: RealtimeApi, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.api = api
        self.request = request
        self.ws = ws
        model = request.query.get("model") or request.query.get("deployment") or "gpt-realtime"
        self.session: dict[str, Any] = {
            "type": "realtime",
            "object": "realtime.session",
            "id": api._id("sess"),
            "model": model,
            "output_modalities": ["audio"],
            "instructions": "",
            "tools": [],
            "tool_choice": "auto",
        }
        self.items: dict[str, dict[str, Any]] = {}
        self.buffer = bytearray()
        self.response: asyncio.Task[None] | None = None

    async def emit(self, event_type: str, **fields: Any) -> None:
        event = {"type": event_type, "event_id": self.api._id("event"), **fields}
        await self.ws.send_str(orjson.dumps(event).decode())

    async def error(self, message: str, *, code: str | None, event_id: Any = None) -> None:
        await self.emit(
            "error",
            error={
                "type": "invalid_request_error",
                "code": code,
                "message": message,
                "param": None,
                "event_id": event_id,
            },
        )

    async def run(self) -> None:
        await self.emit("session.created", session=self.session)
        if self.api._on_connect:
            self.response = asyncio.create_task(self.respond(self.api._on_connect.popleft()))
        try:
            async for msg in self.ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    event = orjson.loads(msg.data)
                except orjson.JSONDecodeError:
                    await self.error("The message is not valid JSON.", code="invalid_json")
                    continue
                if not isinstance(event, dict):
                    await self.error("An event is a JSON object.", code="invalid_event")
                    continue
                self.api.events.append(event)
                await self.handle(event)
        finally:
            if self.response is not None:
                self.response.cancel()
                await asyncio.gather(self.response, return_exceptions=True)

    async def handle(self, event: dict[str, Any]) -> None:
        kind, event_id = event.get("type"), event.get("event_id")
        if kind == "session.update":
            self.session.update(event.get("session") or {})
            await self.emit("session.updated", session=self.session)
        elif kind == "conversation.item.create":
            await self.add_item(dict(event.get("item") or {}), event.get("previous_item_id"))
        elif kind in ("conversation.item.delete", "conversation.item.retrieve"):
            item_id = event.get("item_id")
            item = self.items.get(item_id) if isinstance(item_id, str) else None
            if item is None:
                await self.error(
                    f"Item with item_id not found: {item_id}",
                    code="item_not_found",
                    event_id=event_id,
                )
            elif kind == "conversation.item.delete":
                del self.items[item["id"]]
                await self.emit("conversation.item.deleted", item_id=item["id"])
            else:
                await self.emit("conversation.item.retrieved", item=item)
        elif kind == "conversation.item.truncate":
            await self.emit(
                "conversation.item.truncated",
                item_id=event.get("item_id"),
                content_index=event.get("content_index"),
                audio_end_ms=event.get("audio_end_ms"),
            )
        elif kind == "input_audio_buffer.append":
            self.buffer += base64.b64decode(event.get("audio") or "")
        elif kind == "input_audio_buffer.clear":
            self.buffer.clear()
            await self.emit("input_audio_buffer.cleared")
        elif kind == "input_audio_buffer.commit":
            await self.commit(event_id)
        elif kind == "output_audio_buffer.clear":
            await self.emit("output_audio_buffer.cleared", response_id=None)
        elif kind == "response.create":
            if self.response is not None and not self.response.done():
                await self.error(
                    "Conversation already has an active response in progress.",
                    code="conversation_already_has_active_response",
                    event_id=event_id,
                )
                return
            reply = self.api._replies.popleft() if self.api._replies else RealtimeReply(text="Hi!")
            self.response = asyncio.create_task(self.respond(reply))
        elif kind == "response.cancel":
            if self.response is None or self.response.done():
                await self.error(
                    "Cancellation failed: no active response found",
                    code="response_cancel_not_active",
                    event_id=event_id,
                )
            else:
                self.response.cancel()
        else:
            await self.error(
                f"Invalid value: '{kind}'. Supported values are: session.update, ...",
                code="invalid_value",
                event_id=event_id,
            )

    async def add_item(self, item: dict[str, Any], previous: Any = None) -> dict[str, Any]:
        item.setdefault("id", self.api._id("item"))
        item.setdefault("object", "realtime.item")
        item.setdefault("status", "completed")
        last = next(reversed(self.items), None) if previous is None else previous
        self.items[item["id"]] = item
        await self.emit("conversation.item.added", previous_item_id=last, item=item)
        await self.emit("conversation.item.done", previous_item_id=last, item=item)
        return item

    async def commit(self, event_id: Any) -> None:
        if not self.buffer:
            await self.error(
                "Error committing input audio buffer: buffer too small.",
                code="input_audio_buffer_commit_empty",
                event_id=event_id,
            )
            return
        audio, ms = bytes(self.buffer), len(self.buffer) // 48  # PCM16 at 24 kHz
        self.buffer.clear()
        transcript = (
            self.api._transcripts.popleft() if self.api._transcripts else f"({ms} ms of audio)"
        )
        item_id = self.api._id("item")
        await self.emit("input_audio_buffer.committed", previous_item_id=None, item_id=item_id)
        content = {"type": "input_audio", "audio": base64.b64encode(audio).decode()}
        await self.add_item(
            {"id": item_id, "type": "message", "role": "user", "content": [content]}
        )
        await self.emit(
            "conversation.item.input_audio_transcription.completed",
            item_id=item_id,
            content_index=0,
            transcript=transcript,
            usage={"type": "duration", "seconds": ms / 1000},
        )

    async def respond(self, reply: RealtimeReply) -> None:
        """Stream one response; a cancel ends it with ``status: cancelled``."""
        response_id = self.api._id("resp")
        output: list[dict[str, Any]] = []
        response: dict[str, Any] = {
            "object": "realtime.response",
            "id": response_id,
            "status": "in_progress",
            "output": output,
            "output_modalities": ["audio" if reply.audio is not None else "text"],
        }
        sent = 0

        ends = reply.drop or reply.close_code is not None

        async def end() -> None:
            """The scripted close or drop."""
            if reply.drop:
                await abort_connection(self.request)
            else:
                await self.ws.close(code=reply.close_code or 1000, message=b"scripted close")
            raise _Closed

        async def gate() -> None:
            """Before each event: the scripted close or drop, and the delay."""
            nonlocal sent
            if ends and sent == reply.after_events:
                await end()
            if reply.delay_between_events and sent:
                await asyncio.sleep(reply.delay_between_events)
            sent += 1

        async def emit(event_type: str, **fields: Any) -> None:
            await gate()
            await self.emit(event_type, **fields)

        async def emit_raw(raw: dict[str, Any] | str) -> None:
            await gate()
            await self.ws.send_str(raw if isinstance(raw, str) else orjson.dumps(raw).decode())

        try:
            if reply.events is not None:
                for raw in reply.events:
                    await emit_raw(raw)
                if ends:  # after_events past the last event: at the end
                    await end()
                return
            if reply.error is not None:
                await emit(
                    "error",
                    error={
                        "type": "invalid_request_error",
                        "code": reply.error_code,
                        "message": reply.error,
                        "param": None,
                        "event_id": None,
                    },
                )
                if ends:
                    await end()
                return
            await emit("response.created", response={**response, "output": []})
            if reply.text is not None or reply.audio is not None:
                await self.message(reply, response_id, output, emit)
            for call in reply.tool_calls:
                await self.function_call(call, response_id, output, emit)
            response["status"] = "completed"
            response["usage"] = {"total_tokens": 10, "input_tokens": 5, "output_tokens": 5}
            await emit("response.done", response=response)
            if ends:
                await end()
        except asyncio.CancelledError:
            response["status"] = "cancelled"
            response["status_details"] = {"type": "cancelled", "reason": "client_cancelled"}
            if not self.ws.closed:
                await self.emit("response.done", response=response)
        except (_Closed, ConnectionError):
            pass

    async def message(
        self, reply: RealtimeReply, response_id: str, output: list[dict[str, Any]], emit: Any
    ) -> None:
        text = reply.text or ""
        audio = reply.audio is not None
        item: dict[str, Any] = {
            "id": self.api._id("item"),
            "object": "realtime.item",
            "type": "message",
            "role": "assistant",
            "status": "in_progress",
            "content": [],
        }
        where = {"response_id": response_id, "item_id": item["id"], "output_index": len(output)}
        await emit(
            "response.output_item.added",
            response_id=response_id,
            output_index=len(output),
            item=item,
        )
        await emit("conversation.item.added", previous_item_id=None, item=item)
        part: dict[str, Any] = (
            {"type": "audio", "transcript": ""} if audio else {"type": "text", "text": ""}
        )
        await emit("response.content_part.added", **where, content_index=0, part=part)
        pieces = list(reply.chunks) if reply.chunks is not None else split_text(text)
        if audio:
            assert reply.audio is not None
            size = reply.audio_chunk_size
            for start in range(0, len(reply.audio), size):
                delta = base64.b64encode(reply.audio[start : start + size]).decode()
                await emit("response.output_audio.delta", **where, content_index=0, delta=delta)
            for piece in pieces:
                await emit(
                    "response.output_audio_transcript.delta", **where, content_index=0, delta=piece
                )
            await emit("response.output_audio.done", **where, content_index=0)
            await emit(
                "response.output_audio_transcript.done", **where, content_index=0, transcript=text
            )
            part = {"type": "audio", "transcript": text}
        else:
            for piece in pieces:
                await emit("response.output_text.delta", **where, content_index=0, delta=piece)
            await emit("response.output_text.done", **where, content_index=0, text=text)
            part = {"type": "text", "text": text}
        await emit("response.content_part.done", **where, content_index=0, part=part)
        content = (
            {"type": "output_audio", "transcript": text}
            if audio
            else {"type": "output_text", "text": text}
        )
        item = {**item, "status": "completed", "content": [content]}
        output.append(item)
        self.items[item["id"]] = item
        await emit(
            "response.output_item.done",
            response_id=response_id,
            output_index=len(output) - 1,
            item=item,
        )
        await emit("conversation.item.done", previous_item_id=None, item=item)

    async def function_call(
        self, call: ToolCall, response_id: str, output: list[dict[str, Any]], emit: Any
    ) -> None:
        call_id = call.id or self.api._id("call")
        item: dict[str, Any] = {
            "id": self.api._id("item"),
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "name": call.name,
            "call_id": call_id,
            "arguments": "",
        }
        index = len(output)
        where = {
            "response_id": response_id,
            "item_id": item["id"],
            "output_index": index,
            "call_id": call_id,
        }
        await emit(
            "response.output_item.added", response_id=response_id, output_index=index, item=item
        )
        await emit("conversation.item.added", previous_item_id=None, item=item)
        for piece in split_text(call.arguments) or [call.arguments]:
            await emit("response.function_call_arguments.delta", **where, delta=piece)
        await emit(
            "response.function_call_arguments.done",
            **where,
            name=call.name,
            arguments=call.arguments,
        )
        item = {**item, "status": "completed", "arguments": call.arguments}
        output.append(item)
        self.items[item["id"]] = item
        await emit(
            "response.output_item.done", response_id=response_id, output_index=index, item=item
        )
        await emit("conversation.item.done", previous_item_id=None, item=item)
