"""A pre-rendered OpenAI-compatible HTTP/1.1 server on a raw asyncio protocol.

It answers from bytes rendered at start-up, so the client is what a benchmark measures:

* ``POST /v1/chat/completions``: a chat completion; with ``"stream": true`` an SSE stream
  of ``?chunks=N`` chunks (default 200) ending in ``[DONE]``;
* ``POST /v1/embeddings``: 16 vectors of 1,536 dimensions, as floats or base64;
* ``POST /v1/responses`` with ``"stream": true``: a Responses API event stream of
  ``?events=N`` text deltas (default 200) between its opening and closing events, each
  named in an ``event:`` line as the API does.

Run it as ``python benchmarks/fast_server.py PORT``; uvloop is used when installed.
"""

from __future__ import annotations

import asyncio
import base64
import random
import struct
import sys
from functools import lru_cache

import orjson

MODEL = "gpt-4o-mini"
EMBED_INPUTS = 16
EMBED_DIMS = 1536


def _head(status: str, content_type: str, length: int) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n"
        "x-request-id: req_bench\r\nx-ratelimit-remaining-requests: 9999\r\n"
        "x-ratelimit-reset-requests: 6ms\r\n\r\n"
    ).encode()


def _json_response(payload: object) -> bytes:
    body = orjson.dumps(payload)
    return _head("200 OK", "application/json", len(body)) + body


CHAT = _json_response(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello! How can I help you today?",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18},
        "system_fingerprint": "fp_bench",
    }
)


def _chunk(delta: dict[str, object], finish: str | None) -> bytes:
    payload = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(payload) + b"\n\n"


@lru_cache(maxsize=16)
def stream_response(chunks: int) -> bytes:
    words = _chunk({"content": " word"}, None)
    body = (
        _chunk({"role": "assistant", "content": ""}, None)
        + words * chunks
        + _chunk({}, "stop")
        + b"data: [DONE]\n\n"
    )
    return _head("200 OK", "text/event-stream", len(body)) + body


def _response(status: str, text: str | None) -> dict[str, object]:
    content = [{"type": "output_text", "text": text, "annotations": []}] if text else []
    message = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": content,
    }
    return {
        "id": "resp_bench",
        "object": "response",
        "created_at": 1700000000,
        "model": MODEL,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "output": [message] if text else [],
        "usage": {"input_tokens": 9, "output_tokens": 9, "total_tokens": 18} if text else None,
    }


@lru_cache(maxsize=16)
def responses_stream(deltas: int) -> bytes:
    events: list[bytes] = []

    def add(kind: str, **fields: object) -> None:
        payload = {"type": kind, **fields, "sequence_number": len(events)}
        events.append(f"event: {kind}\ndata: ".encode() + orjson.dumps(payload) + b"\n\n")

    at = {"item_id": "msg_bench", "output_index": 0, "content_index": 0}
    text = " word" * deltas
    add("response.created", response=_response("in_progress", None))
    add("response.in_progress", response=_response("in_progress", None))
    item = {"id": "msg_bench", "type": "message", "role": "assistant", "status": "in_progress"}
    add("response.output_item.added", output_index=0, item={**item, "content": []})
    add("response.content_part.added", **at, part={"type": "output_text", "text": ""})
    for _ in range(deltas):
        add("response.output_text.delta", **at, delta=" word", logprobs=[])
    add("response.output_text.done", **at, text=text, logprobs=[])
    add("response.content_part.done", **at, part={"type": "output_text", "text": text})
    done = _response("completed", text)
    add("response.output_item.done", output_index=0, item=done["output"][0])  # type: ignore[index]
    add("response.completed", response=done)
    body = b"".join(events)
    return _head("200 OK", "text/event-stream", len(body)) + body


def _vectors() -> list[list[float]]:
    rng = random.Random(7)
    # Values that survive float32 exactly, as the API's are float32.
    return [
        [struct.unpack("f", struct.pack("f", rng.uniform(-0.1, 0.1)))[0] for _ in range(EMBED_DIMS)]
        for _ in range(EMBED_INPUTS)
    ]


def _embeddings(b64: bool) -> bytes:
    data = []
    for i, vec in enumerate(_vectors()):
        value: object = (
            base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode() if b64 else vec
        )
        data.append({"object": "embedding", "index": i, "embedding": value})
    return _json_response(
        {
            "object": "list",
            "data": data,
            "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 64, "total_tokens": 64},
        }
    )


EMBED_FLOAT = _embeddings(False)
EMBED_B64 = _embeddings(True)
NOT_FOUND = _head("404 Not Found", "application/json", 2) + b"{}"


class Protocol(asyncio.Protocol):
    """Keep-alive HTTP/1.1: parse a request line, headers and a Content-Length body."""

    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4 : end + 4 + length]
            self.buf = self.buf[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(self.answer(head.split(b"\r\n", 1)[0], body))

    @staticmethod
    def answer(request_line: bytes, body: bytes) -> bytes:
        target = request_line.split(b" ")[1]
        path, _, query = target.partition(b"?")
        if path.endswith(b"/chat/completions"):
            if b'"stream":true' in body.replace(b" ", b""):
                chunks = 200
                for pair in query.split(b"&"):
                    key, _, value = pair.partition(b"=")
                    if key == b"chunks":
                        chunks = int(value)
                return stream_response(chunks)
            return CHAT
        if path.endswith(b"/responses"):
            events = 200
            for pair in query.split(b"&"):
                key, _, value = pair.partition(b"=")
                if key == b"events":
                    events = int(value)
            return responses_stream(events)
        if path.endswith(b"/embeddings"):
            return EMBED_B64 if b'"base64"' in body else EMBED_FLOAT
        return NOT_FOUND


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Protocol, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    port = int(sys.argv[1])
    try:
        import uvloop

        uvloop.run(serve(port))
    except ImportError:
        asyncio.run(serve(port))


if __name__ == "__main__":
    main()
