"""The Ray Data integration on a real local Ray cluster (``nox -s distributed``), against
the local server with a rate limit: every row answered once, with its own input; few
429s; the budget used as it refills. Skipped where Ray is not installed."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="needs the ray extra (nox -s distributed)")

from openai_async import AsyncClient, Client, InvalidRequestError, RetryPolicy  # noqa: E402
from openai_async.integrations.ray import (  # noqa: E402
    SharedLimiter,
    complete_dataset,
    embed_dataset,
)
from openai_async.testing import LocalServer, RecordedRequest, Scripted  # noqa: E402

pytestmark = [
    # Ray warns about its own settings as it starts (deprecations inside ray.data).
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"),
    # Ray Data leaves its per-dataset log file to the garbage collector.
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <_io.FileIO name='.*/logs/ray-data/"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
    # A local cluster starts in seconds, more on a busy 2-core machine: no per-test minute.
    pytest.mark.timeout(600),
]

API_KEY = "sk-test-ray"
GREETING = "Hello from the openai_async local server."
RETRIES = RetryPolicy(base_delay=0.05, max_delay=0.5)


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def server(cluster: None) -> Iterator[LocalServer]:
    with LocalServer.threaded(api_key=API_KEY) as srv:
        yield srv


def factory(server: LocalServer) -> functools.partial[AsyncClient]:
    return functools.partial(
        AsyncClient, api_key=API_KEY, base_url=server.base_url, retry_policy=RETRIES
    )


def posts(server: LocalServer, path: str) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path == path)


def settled(limiter: SharedLimiter):  # type: ignore[no-untyped-def]
    """The limiter's stats once the last reports (sent without waiting) have arrived."""
    for _ in range(100):
        stats = limiter.stats()
        if stats.in_flight == 0:
            return stats
        ray.get(ray.put(None))  # a round trip
    return stats


def test_embed_dataset_keeps_near_the_rate_limit_and_answers_every_row_once(
    server: LocalServer,
) -> None:
    rows = [{"id": i, "text": f"document number {i}"} for i in range(1200)]
    server.fail_inputs("document number 7")  # refused for good: its row gets the error
    # 10 requests a second. The bucket holds 3 s: utilization (the share of the budget
    # refilled that was used) then forgives a busy machine's stalls shorter than that,
    # while a client too slow for the limit still leaves the full bucket's refill unused.
    server.set_rate_limit(600, 10_000_000, burst_seconds=3.0)
    limiter = SharedLimiter(concurrency=4)
    ds = ray.data.from_items(rows, override_num_blocks=8)
    out = embed_dataset(
        ds,
        column="text",
        model="text-embedding-3-small",
        client_factory=factory(server),
        limiter=limiter,
        batch_size=150,
        inputs_per_request=8,
        num_actors=2,
    ).take_all()

    requests = posts(server, "/v1/embeddings")
    stats = settled(limiter)
    assert sorted(row["id"] for row in out) == list(range(1200))
    failed = [row for row in out if row["error"] is not None]
    assert [row["id"] for row in failed] == [7]
    assert failed[0]["error"].startswith("BadRequestError: ")
    assert failed[0]["embedding"] is None
    assert server.rate_limited < 0.05 * requests, (server.rate_limited, requests)
    assert server.rate_limiter is not None
    assert server.rate_limiter.requests.utilization >= 0.9
    # Every request the server saw was admitted once by the shared limiter, and freed.
    assert stats.requests == requests
    assert stats.in_flight == 0
    assert stats.rate_limited == server.rate_limited

    by_id = {row["id"]: row for row in out}
    sample = [0, 1, 599, 1199]
    with Client(api_key=API_KEY, base_url=server.base_url) as client:
        server.set_rate_limit(10_000, 10_000_000)
        expected = client.embeddings.create_many(
            input=[rows[i]["text"] for i in sample], model="text-embedding-3-small"
        )
    for i, vector in zip(sample, expected, strict=True):
        assert list(by_id[i]["embedding"]) == pytest.approx(vector)


def test_complete_dataset_keeps_near_the_rate_limit_and_answers_every_row_once(
    server: LocalServer,
) -> None:
    rows = [{"id": i, "prompt": f"question {i}"} for i in range(300)]
    rows[5]["prompt"] = ""  # not a prompt: its row gets the error, the rest goes on
    server.set_rate_limit(1200, 10_000_000, burst_seconds=3.0)  # 20 a second (see above)
    limiter = SharedLimiter(concurrency=4)
    out = complete_dataset(
        ray.data.from_items(rows, override_num_blocks=6),
        model="gpt-4o-mini",
        prompt_column="prompt",
        client_factory=factory(server),
        limiter=limiter,
        batch_size=50,
        num_actors=2,
    ).take_all()

    requests = posts(server, "/v1/chat/completions")
    stats = settled(limiter)
    assert sorted(row["id"] for row in out) == list(range(300))
    assert requests == stats.requests == 299 + server.rate_limited
    for row in out:
        if row["id"] == 5:
            assert row["response"] is None
            assert row["error"].startswith("InvalidRequestError: expected a non-empty prompt")
        else:
            assert row["error"] is None
            assert row["response"] == f"{GREETING} You said: question {row['id']}"
    assert server.rate_limited < 0.05 * requests, (server.rate_limited, requests)
    assert server.rate_limiter is not None
    assert server.rate_limiter.requests.utilization >= 0.9
    assert stats.in_flight == 0


def test_messages_column_and_system_prompt(server: LocalServer) -> None:
    rows = [{"id": i, "messages": [{"role": "user", "content": f"hi {i}"}]} for i in range(4)]
    out = complete_dataset(
        ray.data.from_items(rows),
        model="gpt-4o-mini",
        messages_column="messages",
        output_column="answer",
        params={"temperature": 0},
        client_factory=factory(server),
        num_actors=1,
    ).take_all()
    assert sorted((r["id"], r["answer"]) for r in out) == [
        (i, f"{GREETING} You said: hi {i}") for i in range(4)
    ]
    bodies = [r.json() for r in server.requests if r.path == "/v1/chat/completions"]
    assert all(b["temperature"] == 0 for b in bodies)

    server.requests.clear()
    complete_dataset(
        ray.data.from_items([{"p": "x"}]),
        model="gpt-4o-mini",
        prompt_column="p",
        system_prompt="Be brief.",
        client_factory=factory(server),
        num_actors=1,
    ).take_all()
    (body,) = [r.json() for r in server.requests if r.path == "/v1/chat/completions"]
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "x"},
    ]


def test_batch_mode_sends_each_ray_batch_as_one_batch_job(server: LocalServer) -> None:
    rows = [{"id": i, "text": f"text {i}"} for i in range(20)]
    embedded = embed_dataset(
        ray.data.from_items(rows, override_num_blocks=2),
        column="text",
        model="text-embedding-3-small",
        client_factory=factory(server),
        mode="batch",
        batch_size=10,
        inputs_per_request=4,
        num_actors=1,
        poll_interval=0.05,
    ).take_all()
    completed = complete_dataset(
        ray.data.from_items(rows, override_num_blocks=2),
        model="gpt-4o-mini",
        prompt_column="text",
        client_factory=factory(server),
        mode="batch",
        batch_size=10,
        num_actors=1,
        poll_interval=0.05,
    ).take_all()
    assert posts(server, "/v1/batches") == 4  # 2 Ray batches, each way
    assert sorted(r["id"] for r in embedded) == list(range(20))
    assert all(r["error"] is None and len(r["embedding"]) == 8 for r in embedded)
    assert {r["id"]: r["response"] for r in completed} == {
        i: f"{GREETING} You said: text {i}" for i in range(20)
    }
    with Client(api_key=API_KEY, base_url=server.base_url) as client:
        direct = client.embeddings.create(input="text 3", model="text-embedding-3-small")
    (row,) = [r for r in embedded if r["id"] == 3]
    assert list(row["embedding"]) == pytest.approx(direct.data[0].embedding)


def test_a_refused_key_fills_the_error_column_instead_of_crashing(server: LocalServer) -> None:
    wrong = functools.partial(AsyncClient, api_key="sk-wrong", base_url=server.base_url)
    out = embed_dataset(
        ray.data.from_items([{"text": f"t{i}"} for i in range(5)]),
        column="text",
        model="text-embedding-3-small",
        client_factory=wrong,
        num_actors=1,
    ).take_all()
    assert len(out) == 5
    assert all(r["embedding"] is None for r in out)
    assert all(r["error"].startswith("AuthenticationError: ") for r in out)


def test_bad_arguments_raise_the_sdk_error(cluster: None) -> None:
    ds = ray.data.from_items([{"p": "x"}])
    with pytest.raises(InvalidRequestError, match="exactly one of"):
        complete_dataset(ds, model="m")
    with pytest.raises(InvalidRequestError, match="exactly one of"):
        complete_dataset(ds, model="m", prompt_column="p", messages_column="p")
    with pytest.raises(InvalidRequestError, match="num_actors"):
        embed_dataset(ds, column="p", model="m", num_actors=0)
    with pytest.raises(InvalidRequestError, match="mode"):
        embed_dataset(ds, column="p", model="m", mode="later")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="concurrency"):
        SharedLimiter(concurrency=0)


def map_workers(name: str) -> list[int]:
    """The pids of the Ray actors running ``name`` (Ray titles them ``ray::MapWorker(...)``)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            title = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if proc.name.isdigit() and title.startswith(b"ray::MapWorker") and name.encode() in title:
            pids.append(int(proc.name))
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the actor in /proc")
def test_a_retried_ray_task_does_not_hold_the_dead_actors_budget(server: LocalServer) -> None:
    """An actor dies holding the only request slot of the cluster; Ray restarts it and
    retries its batch. The restarted actor frees the dead one's lease, so the retry runs
    (without that it would wait for the slot forever) and every row is answered once."""
    killed: list[int] = []

    def chat(request: RecordedRequest) -> Scripted:
        prompt = request.json()["messages"][-1]["content"]
        if prompt == "question 10" and not killed:  # the first time only
            (pid,) = map_workers("_Completer")
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        message = {"role": "assistant", "content": f"answer to {prompt}"}
        return Scripted(
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": "gpt-4o-mini",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
        )

    server.add_route("POST", "/chat/completions", chat)
    limiter = SharedLimiter(concurrency=1, max_concurrency=1)
    rows = [{"id": i, "prompt": f"question {i}"} for i in range(30)]
    out = complete_dataset(
        ray.data.from_items(rows, override_num_blocks=3),
        model="gpt-4o-mini",
        prompt_column="prompt",
        client_factory=factory(server),
        limiter=limiter,
        batch_size=10,
        num_actors=1,
    ).take_all()

    assert killed
    assert sorted((r["id"], r["response"]) for r in out) == [
        (i, f"answer to question {i}") for i in range(30)
    ]
    assert all(r["error"] is None for r in out)
    stats = settled(limiter)
    assert stats.abandoned >= 1
    assert stats.in_flight == 0
