"""An assistant run with a function tool: stream its text, run the tool it asks for, and
go on streaming the same run after submitting the output, all in one loop.

OpenAI has deprecated the Assistants API: the SDK warns when assistants are created or
deleted, and this example silences that one warning.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import orjson
from _local import async_client

from openai_async import MessageTextDeltaEvent
from openai_async.models.assistants import (
    AssistantToolsFunctionParam,
    SubmitToolOutputsRunRequestToolOutputsItem,
)
from openai_async.testing import LocalServer, RecordedRequest, Scripted

WEATHER_TOOL: AssistantToolsFunctionParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


warnings.filterwarnings("ignore", r"beta\.assistants\.\w+ is deprecated", DeprecationWarning)


def get_weather(city: str) -> str:
    return f"18 degrees and sunny in {city}"


async def main() -> None:
    async with async_client(local_setup=script) as client:
        assistant = await client.beta.assistants.create(
            model="gpt-4o-mini",
            instructions="Answer weather questions with the get_weather tool.",
            tools=[WEATHER_TOOL],
        )
        thread = await client.beta.threads.create(
            messages=[{"role": "user", "content": "What's the weather in Lisbon?"}]
        )
        try:
            async with await client.beta.threads.runs.stream(
                thread_id=thread.id, assistant_id=assistant.id
            ) as stream:
                async for event in stream.events():
                    if isinstance(event, MessageTextDeltaEvent):
                        print(event.delta, end="", flush=True)
                    elif calls := stream.required_tool_calls:  # the run waits for these
                        outputs: list[SubmitToolOutputsRunRequestToolOutputsItem] = []
                        for call in calls:
                            args = orjson.loads(call.function.arguments)
                            print(f"[calling {call.function.name}({args})]")
                            outputs.append({"tool_call_id": call.id, "output": get_weather(**args)})
                        await stream.submit_tool_outputs(outputs)  # the loop goes on
                run = await stream.final_run()
            why = f" ({run.last_error.message})" if run.last_error else ""
            print(f"\nrun {run.status}{why}")
        finally:
            await client.beta.threads.delete(thread.id)
            await client.beta.assistants.delete(assistant.id)


# --- without OPENAI_API_KEY: routes that make the local server play the Assistants API ---


def script(server: LocalServer) -> None:
    ids = {"assistant_id": "asst_local", "thread_id": "thread_local"}
    base = {
        "object": "thread.run",
        "created_at": 0,
        "model": "gpt-4o-mini",
        "tools": [WEATHER_TOOL],
    }
    run: dict[str, Any] = {"id": "run_local", **ids, **base, "instructions": ""}
    call = {"id": "call_1", "type": "function"}
    message = {"id": "msg_1", "object": "thread.message", "created_at": 0, "role": "assistant"}
    message.update(thread_id="thread_local", run_id="run_local")

    def sse(name: str, data: Any, **changes: Any) -> tuple[str, str]:
        return name, orjson.dumps({**data, **changes}).decode()

    def delta(text: str) -> tuple[str, str]:
        content = [{"index": 0, "type": "text", "text": {"value": text}}]
        return sse("thread.message.delta", {"id": "msg_1", "delta": {"content": content}})

    def args_delta(arguments: str, **head: Any) -> tuple[str, str]:
        tool_call = {"index": 0, "type": "function", "function": {"arguments": arguments, **head}}
        details = {"type": "tool_calls", "tool_calls": [tool_call]}
        return sse("thread.run.step.delta", {"id": "step_1", "delta": {"step_details": details}})

    arguments = '{"city": "Lisbon"}'
    action = {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {
            "tool_calls": [{**call, "function": {"name": "get_weather", "arguments": arguments}}]
        },
    }
    first_part = [
        sse("thread.run.created", run, status="queued"),
        sse("thread.run.in_progress", run, status="in_progress"),
        args_delta("", name="get_weather"),
        args_delta('{"city": '),
        args_delta('"Lisbon"}'),
        sse("thread.run.requires_action", run, status="requires_action", required_action=action),
        ("done", "[DONE]"),
    ]

    def second_part(request: RecordedRequest) -> Scripted:
        (output,) = request.json()["tool_outputs"]
        words = ["It is ", output["output"].split(" in ")[0], "."]
        return Scripted(
            events=[
                sse("thread.run.in_progress", run, status="in_progress"),
                sse("thread.message.created", message, status="in_progress", content=[]),
                *[delta(w) for w in words],
                sse("thread.run.completed", run, status="completed"),
                ("done", "[DONE]"),
            ]
        )

    assistant = {"id": "asst_local", "object": "assistant", "created_at": 0, "tools": []}
    thread = {"id": "thread_local", "object": "thread", "created_at": 0}
    server.add_route("POST", "/assistants", lambda r: Scripted(json=assistant))
    server.add_route("POST", "/threads", lambda r: Scripted(json=thread))
    server.add_route("POST", "/threads/thread_local/runs", lambda r: Scripted(events=first_part))
    server.add_route(
        "POST", "/threads/thread_local/runs/run_local/submit_tool_outputs", second_part
    )
    deleted = {"deleted": True}
    server.add_route("DELETE", "/threads/thread_local", lambda r: Scripted(json=deleted))
    server.add_route("DELETE", "/assistants/asst_local", lambda r: Scripted(json=deleted))


if __name__ == "__main__":
    asyncio.run(main())
