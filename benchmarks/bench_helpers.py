"""What the stream helpers cost per event, next to decoding the event itself.

In one process, no network: each stream kind's events (as decoded JSON) are structured
into their typed models (the baseline: what ``AsyncStream`` does per event anyway), then
structured *and* folded into the helper's accumulator. Reported as microseconds per
event and as the ratio baseline / with-helper (1.0 = the helper is free), no pass/fail:

* chat: 20,000 ``chat.completion.chunk`` content deltas -> ``ChatCompletionAccumulator``;
* responses: 20,000 ``response.output_text.delta`` events -> ``ResponseAccumulator``;
* assistants: 20,000 ``thread.message.delta`` events -> ``AssistantStreamAccumulator``;

each ending with the helper's final object (completion, response, messages).

    python benchmarks/bench_helpers.py [--events 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from openai_async._converter import structure
from openai_async.lib.assistant_stream import AssistantStreamAccumulator
from openai_async.lib.chat_stream import ChatCompletionAccumulator
from openai_async.lib.response_stream import ResponseAccumulator
from openai_async.models import AssistantStreamEvent, ChatCompletionChunk, ResponseStreamEvent


def chat_events(n: int) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    return [
        chunk({"role": "assistant", "content": ""}),
        *(chunk({"content": f"tok{i} "}) for i in range(n - 2)),
        chunk({}, "stop"),
    ]


def responses_events(n: int) -> list[dict[str, Any]]:
    def response(status: str, output: list[Any]) -> dict[str, Any]:
        return {
            "id": "resp_1",
            "object": "response",
            "created_at": 1,
            "status": status,
            "model": "gpt-4o-mini",
            "output": output,
            "tools": [],
            "tool_choice": "auto",
            "parallel_tool_calls": True,
        }

    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    text = "".join(f"tok{i} " for i in range(n - 2))
    part = {"type": "output_text", "text": text, "annotations": []}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": [part]}
    message["status"] = "completed"
    return [
        {"type": "response.created", "sequence_number": 0, "response": response("in_progress", [])},
        *(
            {"type": "response.output_text.delta", "sequence_number": i + 1, **where}
            | {"delta": f"tok{i} ", "logprobs": []}
            for i in range(n - 2)
        ),
        {
            "type": "response.completed",
            "sequence_number": n,
            "response": response("completed", [message]),
        },
    ]


def assistants_events(n: int) -> list[dict[str, Any]]:
    message = {
        "id": "msg_1",
        "object": "thread.message",
        "created_at": 1,
        "thread_id": "thread_1",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
        "assistant_id": "asst_1",
        "run_id": "run_1",
        "attachments": [],
        "metadata": {},
    }

    def delta(i: int) -> dict[str, Any]:
        content = [{"index": 0, "type": "text", "text": {"value": f"tok{i} "}}]
        return {"id": "msg_1", "object": "thread.message.delta", "delta": {"content": content}}

    return [
        {"event": "thread.message.created", "data": message},
        *({"event": "thread.message.delta", "data": delta(i)} for i in range(n - 1)),
    ]


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``run``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.events

    def chat_plain() -> None:
        for e in chat:
            structure(e, ChatCompletionChunk)

    def chat_helper() -> None:
        acc = ChatCompletionAccumulator()
        for e in chat:
            acc.add(structure(e, ChatCompletionChunk))
        acc.completion()

    def responses_plain() -> None:
        for e in responses:
            structure(e, ResponseStreamEvent)  # type: ignore[arg-type]

    def responses_helper() -> None:
        acc = ResponseAccumulator()
        for e in responses:
            acc.add(structure(e, ResponseStreamEvent))  # type: ignore[arg-type]
        acc.final_response()

    def assistants_plain() -> None:
        for e in assistants:
            structure(e, AssistantStreamEvent)  # type: ignore[arg-type]

    def assistants_helper() -> None:
        acc = AssistantStreamAccumulator()
        for e in assistants:
            acc.add(structure(e, AssistantStreamEvent))  # type: ignore[arg-type]
        acc.messages()

    chat, responses, assistants = chat_events(n), responses_events(n), assistants_events(n)
    rows = [
        ("chat chunks", chat_plain, chat_helper),
        ("responses text deltas", responses_plain, responses_helper),
        ("assistants message deltas", assistants_plain, assistants_helper),
    ]
    print(f"{n:,} events each, median of {args.repeat}")
    print(f"{'stream kind':28}{'decode us/ev':>14}{'+helper us/ev':>15}{'ratio':>8}")
    for name, plain, helper in rows:
        plain(), helper()  # warm: generated structure functions, lazy imports
        base, full = timed(plain, args.repeat), timed(helper, args.repeat)
        print(f"{name:28}{base / n * 1e6:14.2f}{full / n * 1e6:15.2f}{base / full:8.2f}")


if __name__ == "__main__":
    main()
