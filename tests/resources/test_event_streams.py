"""Image, transcription and speech streams through the local server: each kind's terminal
event (IMAGE_END, TRANSCRIPTION_END, SPEECH_END in `_streaming.py`) decides completeness.

These streams have no `[DONE]`: a stream that ends right after its terminal event is whole,
one cut before it raises IncompleteStreamError after the events that did arrive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from openai_async import AsyncClient, AsyncStream, IncompleteStreamError
from openai_async.testing import LocalServer, Scripted

pytestmark = pytest.mark.anyio

IMAGE = {
    "b64_json": "iVBORw0KGgo=",
    "created_at": 1,
    "size": "1024x1024",
    "quality": "low",
    "background": "opaque",
    "output_format": "png",
}
IMAGE_USAGE = {
    "total_tokens": 3,
    "input_tokens": 1,
    "output_tokens": 2,
    "input_tokens_details": {"text_tokens": 1, "image_tokens": 0},
}
SPEECH_USAGE = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}


def image_events(kind: str) -> list[dict[str, Any]]:
    partials = [
        {"type": f"{kind}.partial_image", **IMAGE, "partial_image_index": i} for i in (0, 1)
    ]
    return [*partials, {"type": f"{kind}.completed", **IMAGE, "usage": IMAGE_USAGE}]


Call = Callable[[AsyncClient], Awaitable[AsyncStream[Any]]]

# (path, call, events: the last is the kind's terminal event)
KINDS: dict[str, tuple[str, Call, list[dict[str, Any]]]] = {
    "image_generation": (
        "/v1/images/generations",
        lambda c: c.images.generate(prompt="a cat", model="gpt-image-1", stream=True),
        image_events("image_generation"),
    ),
    "image_edit": (
        "/v1/images/edits",
        lambda c: c.images.edit(
            image=("cat.png", b"png"), prompt="a hat", model="gpt-image-1", stream=True
        ),
        image_events("image_edit"),
    ),
    "transcription": (
        "/v1/audio/transcriptions",
        lambda c: c.audio.transcriptions.create(
            file=("hi.wav", b"RIFF"), model="gpt-4o-transcribe", stream=True
        ),
        [
            {"type": "transcript.text.delta", "delta": "Hel"},
            {"type": "transcript.text.delta", "delta": "lo"},
            {
                "type": "transcript.text.segment",
                "id": "seg_1",
                "start": 0.0,
                "end": 1.0,
                "text": "Hello",
                "speaker": "A",
            },
            {"type": "transcript.text.done", "text": "Hello"},
        ],
    ),
    "speech": (
        "/v1/audio/speech",
        lambda c: c.audio.speech.create(
            input="hi", model="gpt-4o-mini-tts", voice="alloy", stream_format="sse"
        ),
        [
            {"type": "speech.audio.delta", "audio": "AAA="},
            {"type": "speech.audio.delta", "audio": "AAE="},
            {"type": "speech.audio.done", "usage": SPEECH_USAGE},
        ],
    ),
}


def serve(server: LocalServer, path: str, events: list[dict[str, Any]]) -> None:
    """Answer `path` with these events as SSE (no `[DONE]`), then end the body."""
    scripted = Scripted(events=[(None, orjson.dumps(e).decode()) for e in events])
    server.add_route("POST", path, lambda request: scripted)


async def read_all(stream: AsyncStream[Any]) -> tuple[list[str], IncompleteStreamError | None]:
    """The types of the events the stream yields, and the IncompleteStreamError ending it."""
    types: list[str] = []
    try:
        async for event in stream:
            types.append(event.type)
    except IncompleteStreamError as exc:
        return types, exc
    return types, None


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_stream_ending_with_its_terminal_event_is_complete(client, server, kind):
    path, call, events = KINDS[kind]
    serve(server, path, events)
    stream = await call(client)
    types, error = await read_all(stream)
    assert error is None
    assert types == [e["type"] for e in events]
    assert stream._response.closed


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_stream_cut_before_its_terminal_event_is_incomplete(client, server, kind):
    path, call, events = KINDS[kind]
    serve(server, path, events[:-1])
    types, error = await read_all(await call(client))
    assert types == [e["type"] for e in events[:-1]]  # what arrived was delivered first
    assert isinstance(error, IncompleteStreamError)
    assert events[-1]["type"] in str(error)  # the error names the event that never came
