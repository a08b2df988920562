"""A text conversation over the Realtime API with a function call answered in between."""

from __future__ import annotations

import asyncio
import json

from _local import async_client

from openai_async.models.realtime import (
    RealtimeServerEventError,
    RealtimeServerEventResponseDone,
    RealtimeServerEventResponseFunctionCallArgumentsDone,
    RealtimeServerEventResponseTextDelta,
)
from openai_async.testing import LocalServer, RealtimeReply, ToolCall


def weather(city: str) -> dict[str, str]:
    return {"city": city, "sky": "clear", "temperature": "21 C"}


def script(server: LocalServer) -> None:
    """What the local server answers (the real API ignores it)."""
    server.realtime.add_reply(RealtimeReply(tool_calls=[ToolCall("weather", '{"city": "Paris"}')]))
    server.realtime.add_reply(RealtimeReply(text="It is clear and 21 C in Paris."))


async def main() -> None:
    async with (
        async_client(local_setup=script) as client,
        client.realtime.connect(model="gpt-realtime") as connection,
    ):
        await connection.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["text"],
                "tools": [
                    {
                        "type": "function",
                        "name": "weather",
                        "description": "The weather in a city.",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    }
                ],
            }
        )
        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What is the weather in Paris?"}],
            }
        )
        await connection.response.create()
        async for event in connection:
            # isinstance narrows the union for type checkers (event.type == ... works too)
            if isinstance(event, RealtimeServerEventResponseFunctionCallArgumentsDone):
                result = weather(**json.loads(event.arguments))
                print(f"tool call: {event.name}({event.arguments}) -> {json.dumps(result)}")
                await connection.conversation.item.create(
                    item={
                        "type": "function_call_output",
                        "call_id": event.call_id,
                        "output": json.dumps(result),
                    }
                )
            elif isinstance(event, RealtimeServerEventResponseTextDelta):
                print(event.delta, end="", flush=True)
            elif isinstance(event, RealtimeServerEventError):
                print(f"error: {event.error.message}")
            elif isinstance(event, RealtimeServerEventResponseDone):
                calls = [
                    item for item in event.response.output or [] if item.type == "function_call"
                ]
                if not calls:  # the answer after the tool's output: done
                    print(f"\n[response {event.response.status}]")
                    break
                await connection.response.create()  # answer with the tool's output


if __name__ == "__main__":
    asyncio.run(main())
