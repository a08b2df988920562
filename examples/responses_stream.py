"""Stream a Responses API reply: print the text as it arrives, then the completed response."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from openai_async import AsyncClient, ResponseNotCompletedError
from openai_async.testing import LocalServer, RecordedRequest, Scripted


async def main() -> None:
    async with client() as c:
        async with await c.responses.stream(
            model="gpt-4o-mini", input="Write a haiku about sockets."
        ) as stream:  # releases the connection even if we stop early
            async for delta in stream.text_deltas():
                print(delta, end="", flush=True)
            try:
                response = await stream.final_response()
            except ResponseNotCompletedError as exc:  # failed, or incomplete (with its reason)
                print(f"\n[no complete response: {exc}]")
                return
        print(f"\n[{response.id}: {response.usage.total_tokens if response.usage else '?'} tokens]")


@asynccontextmanager
async def client() -> AsyncIterator[AsyncClient]:
    """The real API when OPENAI_API_KEY is set, else the local server with a scripted stream."""
    if os.environ.get("OPENAI_API_KEY"):
        async with AsyncClient() as c:
            yield c
        return
    async with LocalServer() as server:
        server.add_route("POST", "/v1/responses", scripted_stream)
        print(f"(no OPENAI_API_KEY: using the local server at {server.base_url})", file=sys.stderr)
        async with AsyncClient(api_key="local", base_url=server.base_url) as c:
            yield c


def scripted_stream(request: RecordedRequest) -> Scripted:
    """What the local server streams back: a few of the events the API sends."""
    pieces = ["Packets ", "drift through ", "the port"]
    text = {"type": "output_text", "text": "".join(pieces), "annotations": []}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": [text]}
    usage = {"input_tokens": 9, "output_tokens": 6, "total_tokens": 15}

    def response(status: str, output: list[Any]) -> dict[str, Any]:
        return {
            "id": "resp_1",
            "object": "response",
            "created_at": 1741476777,
            "status": status,
            "model": request.json()["model"],
            "output": output,
            "tools": [],
            "tool_choice": "auto",
            "parallel_tool_calls": True,
            "usage": usage if status == "completed" else None,
        }

    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": response("in_progress", [])}
    ]
    events += [{"type": "response.output_text.delta", **where, "delta": p} for p in pieces]
    events.append({"type": "response.completed", "response": response("completed", [message])})
    return Scripted(
        events=[(e["type"], json.dumps({**e, "sequence_number": n})) for n, e in enumerate(events)]
    )


if __name__ == "__main__":
    asyncio.run(main())
