"""Stream a chat answer that calls a tool: print text as it comes, run the tool, answer back."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import attrs
from _local import async_client

from openai_async import AsyncChatCompletionStream, function_tool
from openai_async.lib.chat import chat_tools_param
from openai_async.lib.chat_stream import ContentDeltaEvent, ToolCallArgumentsDoneEvent
from openai_async.models.chat import ChatCompletionMessageToolCall
from openai_async.testing import Reply, ToolCall


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"]) -> str:
    """The current weather in a city."""
    return f"18 degrees {unit} and sunny in {city}"


# What the local server answers when no OPENAI_API_KEY is set: a tool call, then text.
LOCAL = [
    Reply(None, tool_calls=[ToolCall("get_weather", '{"city": "Lisbon", "unit": "celsius"}')]),
    Reply("It is 18 degrees and sunny in Lisbon."),
]


async def main() -> None:
    tool = function_tool(get_weather)
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Lisbon?"}]
    async with async_client(local_replies=LOCAL) as client:
        for _ in range(2):  # a tool round, then the answer
            raw = await client.chat.completions.create(
                model="gpt-4o-mini", messages=messages, tools=chat_tools_param([tool]), stream=True
            )
            async with AsyncChatCompletionStream(raw, tools=[tool]) as stream:
                async for event in stream.events():
                    if isinstance(event, ContentDeltaEvent):
                        print(event.delta, end="", flush=True)
                    elif isinstance(event, ToolCallArgumentsDoneEvent):
                        print(f"[calling {event.name}({event.parsed_arguments})]")
                completion = await stream.final_completion()
            message = completion.choices[0].message
            if not message.tool_calls:
                print()
                return
            messages.append(message.to_dict(exclude_none=True))
            for call in message.tool_calls:
                if not isinstance(call, ChatCompletionMessageToolCall):
                    continue  # custom tools: not used here
                args = tool.parse(call.function.arguments)
                result = get_weather(**attrs.asdict(args))
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


if __name__ == "__main__":
    asyncio.run(main())
