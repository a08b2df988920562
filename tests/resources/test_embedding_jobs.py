"""`embeddings.create_many` / `iter_many` against the local server: order, packing, limits,
failures, 429 adaptation, checkpoints, cancellation, progress, and the sync facade."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import types
from array import array
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from openai_async import (
    AsyncClient,
    BadRequestError,
    Client,
    EmbeddingJobError,
    InvalidRequestError,
    RateLimitError,
    RequestOptions,
)
from openai_async.lib import JobProgress, embedding_jobs
from openai_async.lib._checkpoint import Checkpoint
from openai_async.lib._limiter import AdaptiveLimiter
from openai_async.testing import Fault, LocalServer
from openai_async.testing._fake import embedding
from tests.conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

MODEL = "text-embedding-3-small"


def expected(text: str, dims: int = 8) -> list[float]:
    """The local server's vector for `text`, as float32 gives it back."""
    return array("f", embedding(text.encode(), dims)).tolist()


def texts(n: int, prefix: str = "input") -> list[str]:
    return [f"{prefix} {i}" for i in range(n)]


def sent_inputs(server: LocalServer) -> list[list[Any]]:
    """The `input` list of every embeddings request the server received."""
    return [r.json()["input"] for r in server.requests if r.path == "/v1/embeddings"]


def acquired(client: AsyncClient) -> int:
    """Connections checked out of the client's pool (in use by a request)."""
    session = client._transport._session
    return 0 if session is None else len(session.connector._acquired)  # type: ignore[union-attr]


def _is_harness_task(task: asyncio.Task[Any]) -> bool:
    """The test runner's task, and the local server's (one per open connection)."""
    name = task.get_coro().__qualname__  # type: ignore[union-attr]
    return "RequestHandler" in name or "TestRunner" in name


async def no_other_tasks() -> bool:
    """Nothing but this test and the server's connection handlers is left running."""
    for _ in range(50):
        others = asyncio.all_tasks() - {asyncio.current_task()}
        if not [t for t in others if not _is_harness_task(t)]:
            return True
        await asyncio.sleep(0.01)
    print("left running:", others)
    return False


# --- order, inputs, packing ----------------------------------------------------------


async def test_vectors_come_back_in_input_order_when_requests_finish_out_of_order(client, server):
    server.set_random_delay(0.0, 0.03, seed=1)
    inputs = texts(300)
    finished: list[int] = []
    async with client.embeddings.iter_many(input=inputs, model=MODEL, batch_size=7) as it:
        async for index, _ in it:
            finished.append(index)
    assert sorted(finished) == list(range(300))
    assert finished != sorted(finished)  # the server really did answer out of order

    vectors = await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=7)
    assert vectors == [expected(t) for t in inputs]
    assert all(len(batch) <= 7 for batch in sent_inputs(server))


async def test_iterables_async_iterables_generators_and_token_lists(client, server):
    inputs = texts(50)

    async def agen() -> AsyncIterator[str]:
        for text in inputs:
            await asyncio.sleep(0)
            yield text

    want = [expected(t) for t in inputs]
    assert await client.embeddings.create_many(input=agen(), model=MODEL, batch_size=8) == want
    assert await client.embeddings.create_many(input=iter(inputs), model=MODEL) == want
    assert await client.embeddings.create_many(input=tuple(inputs), model=MODEL) == want
    tokens = [[i, i + 1, i + 2] for i in range(10)]
    got = await client.embeddings.create_many(input=tokens, model=MODEL, batch_size=4)
    assert got == [array("f", embedding(orjson.dumps(t), 8)).tolist() for t in tokens]
    assert await client.embeddings.create_many(input=[], model=MODEL) == []


async def test_strings_and_token_lists_never_share_a_request(client, server):
    mixed: list[Any] = ["a text", [1, 2, 3], "another", "third", [4, 5]]
    vectors = await client.embeddings.create_many(input=mixed, model=MODEL)
    assert len(vectors) == 5
    assert sent_inputs(server) == [["a text"], [[1, 2, 3]], ["another", "third"], [[4, 5]]]


async def test_requests_are_packed_up_to_2048_inputs_and_the_token_budget(client, server):
    await client.embeddings.create_many(input=texts(4100, "x"), model=MODEL, batch_size=5000)
    assert [len(b) for b in sent_inputs(server)] == [2048, 2048, 4]

    server.reset()
    long = ["y" * 24_000 + str(i) for i in range(80)]  # ~8,001 estimated tokens each
    await client.embeddings.create_many(input=long, model=MODEL)
    sizes = [len(b) for b in sent_inputs(server)]
    assert sum(sizes) == 80 and max(sizes) == 37  # 37 * 8,001 <= 300,000 < 38 * 8,001


async def test_dimensions_and_the_float_fallback(client, server):
    inputs = texts(10)
    got = await client.embeddings.create_many(input=inputs, model=MODEL, dimensions=4)
    assert got == [expected(t, 4) for t in inputs]
    assert server.requests[-1].json()["encoding_format"] == "base64"
    # A server that answers floats whatever was asked (here: told to through extra_body)
    # works the same.
    floats = await client.embeddings.create_many(
        input=inputs, model=MODEL, extra_body={"encoding_format": "float"}
    )
    assert server.requests[-1].json()["encoding_format"] == "float"
    assert floats == [expected(t) for t in inputs]
    # options= applies to every request of the job.
    await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=5, options=RequestOptions(headers={"X-Job": "7"})
    )
    assert [r.headers.get("X-Job") for r in server.requests[-2:]] == ["7", "7"]


async def test_encoding_format_float_for_a_server_that_refuses_base64(client, server):
    server.set_embedding_formats("float")
    inputs = texts(30)
    with pytest.raises(EmbeddingJobError) as caught:  # base64 by default: a 400 for all
        await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=10)
    error = caught.value.errors[0][1]
    assert isinstance(error, BadRequestError) and error.param == "encoding_format"
    assert caught.value.results == {}

    server.reset()
    got = await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=10, encoding_format="float"
    )
    assert {r.json()["encoding_format"] for r in server.requests} == {"float"}
    assert len(server.requests) == 3
    matrix = await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=10, encoding_format="float", as_numpy=True
    )
    pairs = [
        pair
        async for pair in client.embeddings.iter_many(
            input=inputs, model=MODEL, batch_size=10, encoding_format="float"
        )
    ]

    server.set_embedding_formats("float", "base64")
    from_base64 = await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=10)
    assert server.requests[-1].json()["encoding_format"] == "base64"
    assert got == from_base64 == [expected(t) for t in inputs]
    assert matrix.tolist() == from_base64
    assert sorted(pairs) == list(enumerate(from_base64))


async def test_as_numpy_returns_one_float32_matrix(client, server):
    inputs = texts(100)
    matrix = await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=9, as_numpy=True
    )
    assert isinstance(matrix, np.ndarray)
    assert matrix.dtype == np.float32 and matrix.shape == (100, 8)
    assert matrix.tolist() == [expected(t) for t in inputs]
    rows = {}
    async with client.embeddings.iter_many(input=inputs, model=MODEL, as_numpy=True) as it:
        async for index, row in it:
            rows[index] = row
    assert all(
        rows[i].dtype == np.float32 and rows[i].tolist() == expected(inputs[i]) for i in rows
    )
    empty = await client.embeddings.create_many(input=[], model=MODEL, as_numpy=True, dimensions=4)
    assert empty.shape == (0, 4)


# --- bad input -----------------------------------------------------------------------


async def test_bad_inputs_are_clear_errors_naming_the_index(client, server):
    with pytest.raises(InvalidRequestError, match="not a single string"):
        await client.embeddings.create_many(input="oops", model=MODEL)
    with pytest.raises(InvalidRequestError, match="input 2 is an empty string"):
        await client.embeddings.create_many(input=["a", "b", ""], model=MODEL)
    with pytest.raises(InvalidRequestError, match="input 1 is int"):
        await client.embeddings.create_many(input=["a", 5], model=MODEL)  # type: ignore[list-item]
    with pytest.raises(InvalidRequestError, match="batch_size must be an int >= 1"):
        await client.embeddings.create_many(input=["a"], model=MODEL, batch_size=0)
    assert await no_other_tasks()


async def test_an_input_over_the_context_is_an_error_unless_truncate(client, server):
    inputs = ["short", "z" * 30_000, "short too"]  # 10,000 estimated tokens > 8,191
    with pytest.raises(InvalidRequestError, match=r"input 1 has 10000 tokens \(estimated\)"):
        await client.embeddings.create_many(input=inputs, model=MODEL)

    got = await client.embeddings.create_many(input=inputs, model=MODEL, truncate=True)
    assert got[1] == expected("z" * 8191 * 3)
    assert max(len(x) for batch in sent_inputs(server) for x in batch) == 8191 * 3

    server.reset()
    await client.embeddings.create_many(
        input=[list(range(50))], model=MODEL, max_input_tokens=20, truncate=True
    )
    assert sent_inputs(server) == [[list(range(20))]]
    with pytest.raises(InvalidRequestError, match="input 0 has 50 tokens, more than the 20"):
        await client.embeddings.create_many(
            input=[list(range(50))], model=MODEL, max_input_tokens=20
        )


# --- failures --------------------------------------------------------------------------


async def test_a_permanent_failure_names_the_failed_indices_and_keeps_the_rest(client, server):
    inputs = texts(100)
    inputs[17], inputs[50] = "poison A", "poison B"
    server.fail_inputs("poison A", "poison B")
    with pytest.raises(EmbeddingJobError) as caught:
        await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=16)
    error = caught.value
    assert error.failed_indices == [17, 50]  # the refused batches were split to find them
    assert "indices 17, 50" in str(error) and "BadRequestError" in str(error)
    assert not error.stopped
    assert sorted(error.results) == [i for i in range(100) if i not in (17, 50)]
    assert all(error.results[i] == expected(inputs[i]) for i in error.results)

    with pytest.raises(EmbeddingJobError) as caught:
        await client.embeddings.create_many(input=inputs, model=MODEL, as_numpy=True)
    assert caught.value.failed_indices == [17, 50]
    assert caught.value.results[3].tolist() == expected(inputs[3])

    seen: list[int] = []
    with pytest.raises(EmbeddingJobError) as caught:
        async for index, _ in client.embeddings.iter_many(input=inputs, model=MODEL):
            seen.append(index)
    assert sorted(seen) == sorted(error.results)  # every success first, then the error
    assert caught.value.failed_indices == [17, 50]


async def test_transient_failures_are_retried_under_the_client_policy(client, server):
    server.add_fault(Fault.status(500))
    server.add_fault(Fault.drop())
    inputs = texts(20)
    assert await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=5) == [
        expected(t) for t in inputs
    ]
    server.reset()
    for _ in range(3):
        server.add_fault(Fault.status(503))
    with pytest.raises(EmbeddingJobError) as caught:
        await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=20, max_retries=2)
    assert caught.value.failed_indices == list(range(20))
    assert len(server.requests) == 3


async def test_an_error_no_input_can_avoid_stops_the_job(server):
    async with AsyncClient(api_key="sk-wrong", base_url=server.base_url) as bad:
        with pytest.raises(EmbeddingJobError) as caught:
            await bad.embeddings.create_many(
                input=texts(5000), model=MODEL, batch_size=10, concurrency=2
            )
    assert caught.value.stopped
    assert len(server.requests) <= 6  # not one request per batch of the whole input
    assert "AuthenticationError" in str(caught.value)


# --- rate limits -----------------------------------------------------------------------


async def test_the_job_paces_itself_under_the_rate_limit_and_naive_gather_does_not(client, server):
    server.set_rate_limit(3000, 10_000_000, burst_seconds=0.4)  # 50 requests/s, 20 at once
    inputs = texts(100)
    states: list[JobProgress] = []
    got = await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=1, progress=states.append
    )
    assert got == [expected(t) for t in inputs]
    assert server.rate_limited <= 2
    assert states[-1].done == 100 and states[-1].waits > 0

    # The same burst of 20, refilled at 1 request per 3 s: however slow this machine, the
    # 100 requests of a naive gather find at most a few more than 20 slots.
    server.set_rate_limit(20, 10_000_000)
    server.rate_limited = 0

    async def naive(text: str) -> None:
        with contextlib.suppress(RateLimitError):
            await client.embeddings.create(input=[text], model=MODEL, max_retries=0)

    await asyncio.gather(*(naive(t) for t in inputs))
    assert server.rate_limited > 70  # what the limiter saved us from


async def test_a_429_pauses_the_job_for_retry_after_and_halves_concurrency(client, server):
    server.add_fault(Fault.status(429, retry_after_ms=300))
    states: list[JobProgress] = []
    await client.embeddings.create_many(
        input=texts(40), model=MODEL, batch_size=2, concurrency=8, progress=states.append
    )
    refused, *later = server.requests  # the first request got the 429
    (retried,) = [r for r in later if r.json()["input"] == refused.json()["input"]]
    assert retried.received_at - refused.received_at >= 0.3  # server-side: Retry-After kept
    assert states[-1].rate_limited == 1
    assert min(s.concurrency for s in states) <= 4
    # insufficient_quota is not a pause but the end: nothing can succeed.
    server.add_fault(Fault.status(429, error_code="insufficient_quota"))
    with pytest.raises(EmbeddingJobError) as caught:
        await client.embeddings.create_many(input=texts(40), model=MODEL, batch_size=40)
    assert caught.value.stopped


async def test_the_limiter_waits_for_the_budget_and_grows_when_there_is_room():
    from openai_async import RateLimitInfo

    now = [0.0]
    limiter = AdaptiveLimiter(2, 4, clock=lambda: now[0])
    first = await limiter.acquire(10)
    second = await limiter.acquire(10)
    assert limiter.in_flight == 2
    # 600 requests / minute = 10 / s; the server says 0 left after `first` (and `second`
    # was sent after it, so it is not in that number yet).
    info = RateLimitInfo(600, 60_000, 0, 50_000, 0.1, 1.0)
    limiter.release(first, info, ok=True)
    waiter = asyncio.ensure_future(limiter.acquire(10))
    await asyncio.sleep(0.01)
    assert not waiter.done()  # no request budget left: it waits rather than meet a 429
    now[0] = 0.25  # 2.5 requests refilled, one owed for `second`
    limiter.release(second, None, ok=True)
    third = await asyncio.wait_for(waiter, 1)
    assert limiter.waits == 1 and limiter.concurrency == 2
    roomy = RateLimitInfo(600, 60_000, 500, 50_000, 0.1, 1.0)
    limiter.release(third, roomy, ok=True)
    for _ in range(6):
        limiter.release(await limiter.acquire(1), roomy, ok=True)
    assert limiter.concurrency > 2


# --- checkpoints -----------------------------------------------------------------------


async def _stop_after(it: Any, n: int) -> list[int]:
    done: list[int] = []
    async with it:
        async for index, _ in it:
            done.append(index)
            if len(done) == n:
                break
    return done


async def test_an_interrupted_job_resumes_from_its_checkpoint(client, server, tmp_path):
    path = tmp_path / "job.ckpt"
    inputs = texts(200)
    it = client.embeddings.iter_many(
        input=inputs, model=MODEL, batch_size=10, window=40, checkpoint=path
    )
    await _stop_after(it, 35)
    assert await no_other_tasks()
    sent_before = sum(len(b) for b in sent_inputs(server))
    assert 35 <= sent_before < 200

    server.reset()
    got = await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=10, checkpoint=path
    )
    assert got == [expected(t) for t in inputs]
    redone = sum(len(b) for b in sent_inputs(server))
    assert redone <= 200 - 30  # only what had not finished was sent again

    server.reset()
    again = await client.embeddings.create_many(
        input=inputs, model=MODEL, batch_size=64, checkpoint=path, as_numpy=True
    )
    assert again.tolist() == got and sent_inputs(server) == []


async def test_a_torn_last_record_is_redone_never_used(client, server, tmp_path, caplog):
    path = tmp_path / "job.ckpt"
    inputs = texts(30)
    await client.embeddings.create_many(input=inputs, model=MODEL, batch_size=10, checkpoint=path)
    whole = path.read_bytes()
    for damage in (lambda b: b[:-5], lambda b: b[:-40] + bytes([b[-40] ^ 1]) + b[-39:]):
        path.write_bytes(damage(whole))
        server.reset()
        with caplog.at_level(logging.WARNING, logger="openai_async"):
            got = await client.embeddings.create_many(
                input=inputs, model=MODEL, batch_size=10, checkpoint=path
            )
        assert got == [expected(t) for t in inputs]
        assert sum(len(b) for b in sent_inputs(server)) == 10  # the damaged block only
        assert "torn or damaged record" in caplog.text
        assert path.read_bytes() != damage(whole)  # truncated, then the block appended again


async def test_a_checkpoint_of_another_job_or_input_is_refused(client, server, tmp_path):
    path = tmp_path / "job.ckpt"
    await client.embeddings.create_many(input=texts(10), model=MODEL, checkpoint=path)
    with pytest.raises(InvalidRequestError, match="belongs to another job"):
        await client.embeddings.create_many(input=texts(10), model="other", checkpoint=path)
    with pytest.raises(InvalidRequestError, match="inputs 0 to 9 differ"):
        await client.embeddings.create_many(
            input=texts(10, "changed"), model=MODEL, checkpoint=path
        )
    precious = tmp_path / "notes.txt"
    precious.write_text("not a checkpoint")
    with pytest.raises(InvalidRequestError, match="not a checkpoint file"):
        await client.embeddings.create_many(input=texts(3), model=MODEL, checkpoint=precious)
    assert precious.read_text() == "not a checkpoint"


def test_checkpoint_records_round_trip(tmp_path: Path):
    path = tmp_path / "c"
    cp = Checkpoint(path, {"model": "m"})
    cp.append(0, 2, 3, b"d" * 16, bytes(range(24)))
    cp.append(2, 1, 3, b"e" * 16, bytes(12))
    cp.close()
    cp = Checkpoint(path, {"model": "m"})
    assert sorted(cp.records) == [0, 2]
    assert cp.read(cp.records[0]) == bytes(range(24)) and cp.next_start(0) == 2
    assert cp.next_start(2) is None
    cp.close()


# --- cancellation and memory -----------------------------------------------------------


async def test_cancelling_a_job_leaves_no_task_and_no_connection(client, server):
    server.set_random_delay(0.05, 0.1)
    job = asyncio.ensure_future(
        client.embeddings.create_many(input=texts(2000), model=MODEL, batch_size=10)
    )
    for _ in range(500):
        if len(server.requests) >= 5:
            break
        await asyncio.sleep(0.01)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert await no_other_tasks()
    assert acquired(client) == 0
    assert len(server.requests) < 200


async def test_leaving_iter_many_early_cancels_its_requests(client, server):
    server.set_random_delay(0.02, 0.05)
    async with client.embeddings.iter_many(input=texts(2000), model=MODEL, batch_size=10) as it:
        async for _ in it:
            break
    assert await no_other_tasks()
    assert acquired(client) == 0

    # Dropped without `async with`: the iterator's finalizer cancels them.
    async for _ in client.embeddings.iter_many(input=texts(2000), model=MODEL, batch_size=10):
        break
    gc.collect()
    assert await no_other_tasks()
    assert acquired(client) == 0


async def test_iter_many_holds_at_most_its_window_of_inputs(client, server):
    server.set_random_delay(0.0, 0.01)
    pulled = 0
    worst = 0
    yielded = 0

    def source() -> Iterator[str]:
        nonlocal pulled, worst
        for i in range(3000):
            pulled += 1
            worst = max(worst, pulled - yielded)
            yield f"line {i}"

    async with client.embeddings.iter_many(
        input=source(), model=MODEL, batch_size=25, window=100
    ) as it:
        async for _ in it:
            yielded += 1
            if yielded % 7 == 0:
                await asyncio.sleep(0.001)  # a consumer slower than the server
    assert yielded == 3000
    assert worst <= 100 + 1  # the window, plus the one input read ahead for packing
    assert worst > 50  # and the window was actually used


# --- progress and token counting --------------------------------------------------------


async def test_progress_callback_and_tqdm_bar(client, server, monkeypatch, capsys):
    states: list[JobProgress] = []
    await client.embeddings.create_many(
        input=texts(50), model=MODEL, batch_size=10, progress=states.append
    )
    assert [s.done for s in states] == [10, 20, 30, 40, 50]
    assert states[-1].total == 50 and states[-1].requests == 5 and states[-1].throughput > 0
    assert capsys.readouterr().err == ""

    # A real tqdm bar on stderr: its last frame shows every input and the job's figures.
    import tqdm

    await client.embeddings.create_many(input=texts(30), model=MODEL, batch_size=10, progress=True)
    frames = capsys.readouterr().err.split("\r")
    assert frames[-1].startswith("embeddings: 100%") and frames[-1].endswith("\n")
    assert "30/30" in frames[-1]
    for figure in ("concurrency=", "waits=0", "rate_limited=0", "failed=0"):
        assert figure in frames[-1]
    assert not tqdm.tqdm._instances  # closed

    # Default: a bar only on a terminal.
    await client.embeddings.create_many(input=texts(5), model=MODEL)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    await client.embeddings.create_many(input=texts(5), model=MODEL)
    assert "5/5" in capsys.readouterr().err.split("\r")[-1]

    monkeypatch.setitem(sys.modules, "tqdm", None)  # not installed
    with pytest.raises(InvalidRequestError, match="progress=True needs tqdm"):
        await client.embeddings.create_many(input=texts(5), model=MODEL, progress=True)


class FakeEncoding:
    """One token per character."""

    def encode(self, text: str, disallowed_special: Any = ()) -> list[int]:
        return [ord(c) for c in text]

    def decode(self, tokens: list[int]) -> str:
        return "".join(map(chr, tokens))


async def test_tiktoken_counts_when_it_can_load_and_the_estimate_when_not(
    client, server, monkeypatch, caplog
):
    def broken(model: str) -> Any:
        raise OSError("cannot download the encoding")

    fake = types.SimpleNamespace(encoding_for_model=broken, get_encoding=broken)
    monkeypatch.setitem(sys.modules, "tiktoken", fake)
    embedding_jobs._tiktoken_encoding.cache_clear()
    try:
        with (
            caplog.at_level(logging.WARNING, logger="openai_async"),
            pytest.raises(InvalidRequestError, match=r"\(estimated\)"),
        ):
            await client.embeddings.create_many(input=["x" * 90], model=MODEL, max_input_tokens=20)
        assert "tiktoken could not load" in caplog.text

        fake.encoding_for_model = lambda model: FakeEncoding()
        embedding_jobs._tiktoken_encoding.cache_clear()
        with pytest.raises(InvalidRequestError, match="input 0 has 90 tokens, more"):
            await client.embeddings.create_many(input=["x" * 90], model=MODEL, max_input_tokens=20)
        await client.embeddings.create_many(
            input=["x" * 90], model=MODEL, max_input_tokens=20, truncate=True
        )
        assert sent_inputs(server)[-1] == ["x" * 20]
    finally:
        embedding_jobs._tiktoken_encoding.cache_clear()


# --- the sync facade -------------------------------------------------------------------


def test_the_sync_facade_has_create_many_and_iter_many(threaded_server):
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES
    ) as client:
        inputs = texts(60)
        assert client.embeddings.create_many(input=inputs, model=MODEL, batch_size=7) == [
            expected(t) for t in inputs
        ]
        matrix = client.embeddings.create_many(input=inputs, model=MODEL, as_numpy=True)
        assert matrix.shape == (60, 8)
        with client.embeddings.iter_many(input=iter(inputs), model=MODEL, batch_size=7) as it:
            pairs = dict(it)
        assert pairs == {i: expected(t) for i, t in enumerate(inputs)}
        for _ in client.embeddings.iter_many(input=texts(500), model=MODEL, batch_size=5):
            break  # dropping the iterator cancels its requests on the portal
        gc.collect()
        n = len(threaded_server.requests)
        assert client.embeddings.create_many(input=["one more"], model=MODEL) == [
            expected("one more")
        ]
        assert len(threaded_server.requests) <= n + 40


# --- the local server's rate-limit mode --------------------------------------------------


async def test_the_local_servers_rate_limit_mode_sends_real_429s_and_headers(client, server):
    server.set_rate_limit(60, 100_000, burst_seconds=2)  # 1 request/s, 2 at once
    first = await client.embeddings.create(input=["a"], model=MODEL)
    limits = first.response_info.rate_limit
    assert limits is not None
    assert (limits.limit_requests, limits.limit_tokens) == (60, 100_000)
    assert limits.remaining_requests == 1 and limits.reset_requests is not None
    await client.embeddings.create(input=["b"], model=MODEL)
    with pytest.raises(RateLimitError) as caught:
        await client.embeddings.create(input=["c"], model=MODEL, max_retries=0)
    error = caught.value
    assert error.rate_limit is not None and error.rate_limit.remaining_requests == 0
    assert 0 < float(error.headers["retry-after-ms"]) <= 1000
    assert error.headers["Retry-After"] == "1"
    assert server.rate_limited == 1
