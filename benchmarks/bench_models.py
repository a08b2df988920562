"""What structuring a response costs, and dumping it back (the model surface).

In one process, no network: typical ``chat.completion`` and ``chat.completion.chunk``
payloads (as decoded JSON, shaped like what the API sends today: some optional fields
left out, some sent as null) are structured into their models, then dumped with
``model_dump()`` and ``to_dict()`` when the models have them. Reported as microseconds
per object, median of several runs, no pass/fail. Run it against two versions of the
package (``PYTHONPATH=...``) to compare them.

    python benchmarks/bench_models.py [--objects 20000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from openai_async._converter import structure
from openai_async.models import ChatCompletion, ChatCompletionChunk

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "The image shows a wooden boardwalk path running through a field.",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 1117,
        "completion_tokens": 46,
        "total_tokens": 1163,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}

CHUNK: dict[str, Any] = {
    "id": "chatcmpl-123",
    "object": "chat.completion.chunk",
    "created": 1694268190,
    "model": "gpt-4o-mini",
    "service_tier": "default",
    "system_fingerprint": "fp_44709d6fcb",
    "choices": [
        {"index": 0, "delta": {"content": " word"}, "logprobs": None, "finish_reason": None}
    ],
}


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds of ``run`` (other processes on a shared machine count less)."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    n = args.objects
    rows: list[tuple[str, Callable[[], object]]] = []
    for name, data, cls in (
        ("ChatCompletion", COMPLETION, ChatCompletion),
        ("ChatCompletionChunk", CHUNK, ChatCompletionChunk),
    ):
        obj = structure(data, cls)

        def build(data: dict[str, Any] = data, cls: type = cls) -> None:
            for _ in range(n):
                structure(data, cls)

        rows.append((f"structure {name}", build))
        for method in ("model_dump", "to_dict"):
            dump = getattr(obj, method, None)
            if dump is not None:

                def run(dump: Callable[[], object] = dump) -> None:
                    for _ in range(n):
                        dump()

                rows.append((f"{method} {name}", run))
    print(f"{n:,} objects each, median of {args.repeat}")
    for name, run in rows:
        run()  # warm: generated functions, lazy imports
        print(f"{name:36}{timed(run, args.repeat) / n * 1e6:8.3f} us")


if __name__ == "__main__":
    main()
