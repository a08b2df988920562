"""Every example in examples/ runs to completion against the bundled local server (no
OPENAI_API_KEY), with warnings as errors, in a scratch directory."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from array import array
from pathlib import Path

import pytest

from openai_async.testing._fake import embedding

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# What each example must print, in this order (substrings of successive lines): its result,
# not only that it ran. Every example has an entry (a test checks), so a new one must say
# what it produces.
EXPECTED: dict[str, list[str]] = {
    "assistant_run_tools.py": [
        "[calling get_weather({'city': 'Lisbon'})]",
        "It is 18 degrees and sunny.",
        "run completed",
    ],
    "batch_job.py": [
        "embeddings: 100 succeeded, 0 failed",
        "  first vector: 8 dimensions",
        "answers: 3 succeeded, 0 failed",
        "  question-0: Hello from the openai_async local server. You said: What is a batch?",
        "  question-1: Hello from the openai_async local server. You said: Why are batches cheaper?",
        "  question-2: Hello from the openai_async local server. You said: How long can one take?",
    ],
    "chat_tools_stream.py": [
        "[calling get_weather(get_weather_arguments(city='Lisbon', unit='celsius'))]",
        "It is 18 degrees and sunny in Lisbon.",
    ],
    "concurrent_embeddings.py": ["1000 vectors of 8 dimensions"],
    "embed_corpus.py": ["20,000 vectors written to vectors.f32 (float32, one row per line)"],
    "partitioned_embeddings.py": ["40,000 vectors of 8 dimensions"],
    "responses_stream.py": ["Packets drift through the port", "[resp_local1: 18 tokens]"],
    "stream_chat.py": [
        "Hello from the openai_async local server. You said: Write a haiku about sockets.",
        "[30 tokens, request req_1]",
    ],
    "structured_output.py": [
        "schema sent (strict): ['goal', 'tasks']",
        "- Write docs [high] due 2026-12-01",
        "- Celebrate [low] due whenever",
    ],
    "sync_chat.py": [
        "Hello from the openai_async local server. You said: Say hello in French.",
        "requests left this window: 9999",
        "model: gpt-4o-mini",
        "model: text-embedding-3-small",
    ],
    "tracing_console.py": [
        "span 'chat gpt-4o-mini' UNSET",
        "span 'chat gpt-4o-mini' UNSET: {'gen_ai.response.time_to_first_chunk'",
        "span 'embeddings text-embedding-3-small' UNSET",
        "metric gen_ai.client.token.usage chat input count=2",
        "metric gen_ai.client.operation.duration chat  count=2",
        "metric gen_ai.client.operation.time_to_first_chunk chat  count=1",
    ],
    "webhook_receiver.py": [
        "response.completed: fetch resp_demo",
        "response.completed -> HTTP 200",
        "batch.completed: batch_demo",
        "unknown event type agent.session.idle",
        "refused a delivery: no webhook signature matches",
        "forged -> HTTP 400",
    ],
    "ray_dataset_jobs.py": [
        "200 rows embedded (8 dims), 0 failed",
        "What is 0 + 0? -> Hello from the openai_async local server. You said: What is 0 + 0?",
        " rate-limited",
    ],
    "realtime_tool_call.py": [
        'tool call: weather({"city": "Paris"}) -> {"city": "Paris", "sky": "clear"',
        "It is clear and 21 C in Paris.",
        "[response completed]",
    ],
    "realtime_audio.py": [
        "heard: What does a sine wave sound like?",
        "answer: Like a steady beep.",
        "wrote answer.wav (0.50 s of audio)",
    ],
}
NAMES = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def test_every_example_says_what_it_must_print() -> None:
    assert sorted(EXPECTED) == NAMES


def check_files(example: str, cwd: Path) -> None:
    """Results an example writes rather than prints."""
    if example == "embed_corpus.py":
        rows = array("f")
        rows.frombytes((cwd / "vectors.f32").read_bytes())
        assert len(rows) == 20_000 * 8
        for i in (0, 12_345, 19_999):  # each line's vector at its line's place
            wanted = array("f", embedding(f"generated line number {i}".encode(), 8)).tolist()
            assert rows[i * 8 : (i + 1) * 8].tolist() == wanted


# Examples that need an optional extra, skipped where it is missing (nox -s distributed runs
# the Ray one).
NEEDS = {"ray_dataset_jobs.py": "ray"}


@pytest.mark.parametrize("example", NAMES)
def test_example_runs_against_the_local_server(example: str, tmp_path: Path) -> None:
    extra = NEEDS.get(example)
    if extra is not None and importlib.util.find_spec(extra) is None:
        pytest.skip(f"needs the {extra} extra: pip install 'openai_async[{extra}]'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES.parent), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / example)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    # Some examples report on stderr (their output file is the result): stdout, then stderr.
    lines = iter(done.stdout.splitlines() + done.stderr.splitlines())
    for expected in EXPECTED[example]:
        assert any(expected in line for line in lines), (expected, done.stdout, done.stderr)
    check_files(example, tmp_path)
