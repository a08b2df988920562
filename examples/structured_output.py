"""Ask for a structured answer as an attrs class and get an instance back."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum

import attrs
from _local import async_client

from openai_async import json_schema
from openai_async.testing import Reply


class Priority(enum.Enum):
    LOW = "low"
    HIGH = "high"


@attrs.define
class Task:
    title: str
    priority: Priority
    due: dt.datetime | None


@attrs.define
class Plan:
    goal: str
    tasks: list[Task]


# What the local server answers when no OPENAI_API_KEY is set.
LOCAL = Reply(
    '{"goal": "Ship v1", "tasks": [{"title": "Write docs", "priority": "high", '
    '"due": "2026-12-01T09:00:00+00:00"}, {"title": "Celebrate", "priority": "low", "due": null}]}'
)


async def main() -> None:
    print("schema sent (strict):", json_schema(Plan)["required"])
    async with async_client(local_replies=[LOCAL]) as client:
        result = await client.chat.completions.parse(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Plan the release of v1 in two tasks."}],
            response_format=Plan,
        )
        message = result.choices[0].message
        if message.parsed is None:
            print("the model refused:", message.refusal)
            return
        for task in message.parsed.tasks:
            due = task.due.date().isoformat() if task.due else "whenever"
            print(f"- {task.title} [{task.priority.value}] due {due}")


if __name__ == "__main__":
    asyncio.run(main())
