"""`batches.run` / `resume` against the local server's files, uploads and batches: order,
failures, splitting, uploads in parts, timeouts and resume, cancellation, the sync facade."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest

from openai_async import (
    AsyncClient,
    BadRequestError,
    BatchJobError,
    BatchTimeoutError,
    Client,
    InvalidRequestError,
    NotFoundError,
)
from openai_async.lib.batch_jobs import BatchRequest
from openai_async.models import ChatCompletion, CreateEmbeddingResponse
from openai_async.testing import LocalServer
from openai_async.testing._fake import embedding
from tests.conftest import API_KEY

pytestmark = pytest.mark.anyio

MODEL = "text-embedding-3-small"


def embed(text: str) -> dict[str, Any]:
    return {"model": MODEL, "input": text, "dimensions": 4}


def paths(server: LocalServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests]


async def test_run_embeddings_returns_typed_results_in_input_order(client, server, tmp_path):
    server.batch_api.fail_custom_ids = {"request-3", "request-5"}
    texts = [f"text {i}" for i in range(8)]
    out = await client.batches.run(
        [embed(t) for t in texts], endpoint="/v1/embeddings", poll_interval=0.01, directory=tmp_path
    )
    create = next(r for r in server.requests if r.path == "/v1/batches").json()
    assert "metadata" not in create
    assert len(out) == 8
    assert [r.index for r in out.results] == [0, 1, 2, 4, 6, 7]
    assert [r.custom_id for r in out.results] == [f"request-{i}" for i in (0, 1, 2, 4, 6, 7)]
    first = out.results[0].response
    assert isinstance(first, CreateEmbeddingResponse)
    assert first.data[0].embedding == pytest.approx(embedding(b"text 0", 4))
    assert [(f.index, f.status_code) for f in out.failed] == [(3, 400), (5, 400)]
    assert "refused" in out.failed[0].message
    assert list(tmp_path.iterdir()) == []  # the request files are gone
    assert paths(server).count("POST /v1/files") == 1
    assert paths(server).count("POST /v1/batches") == 1
    # The input file names the custom ids the results come back under.
    batch = next(iter(server.batch_api.batches.values()))
    lines = server.batch_api.contents[batch["input_file_id"]].splitlines()
    assert orjson.loads(lines[3])["custom_id"] == "request-3"


async def test_run_chat_with_custom_ids(client, server):
    requests = [
        BatchRequest({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": q}]}, q)
        for q in ("one", "two", "three")
    ]
    out = await client.batches.run(
        requests, endpoint="/v1/chat/completions", poll_interval=0.01, metadata={"job": "q"}
    )
    assert server.batch_api.batches["batch_2"]["metadata"] == {"job": "q"}
    assert [r.custom_id for r in out.results] == ["one", "two", "three"]
    assert all(isinstance(r.response, ChatCompletion) for r in out.results)
    assert out.results[0].response.choices[0].message.content
    assert out.results[0].request_id == "req_batch_batch_2_0"
    assert out.failed == []


async def test_run_splits_across_batches_and_keeps_the_order(client, server):
    texts = [f"t{i}" for i in range(7)]
    out = await client.batches.run(
        [embed(t) for t in texts], endpoint="/v1/embeddings", poll_interval=0.01, max_requests=3
    )
    assert paths(server).count("POST /v1/batches") == 3
    assert [r.index for r in out.results] == list(range(7))
    got = [r.response.data[0].embedding for r in out.results]
    assert got == [pytest.approx(embedding(t.encode(), 4)) for t in texts]


async def test_progress_sees_each_batch_created_then_every_polling_round(client, server):
    seen: list[list[tuple[str, str]]] = []
    out = await client.batches.run(
        [embed(f"p{i}") for i in range(4)],
        endpoint="/v1/embeddings",
        poll_interval=0.01,
        max_requests=2,
        progress=lambda batches: seen.append([(b.id, b.status) for b in batches]),
    )
    assert len(out.results) == 4
    ids = [i for i, _ in seen[-1]]
    assert len(ids) == 2
    assert seen[0] == [(ids[0], "validating")]  # the first batch, as created
    assert [i for i, _ in seen[1]] == ids  # the second one joins it
    assert all(status == "completed" for _, status in seen[-1])
    resumed: list[list[str]] = []
    await client.batches.resume(
        ids, poll_interval=0.01, progress=lambda b: resumed.append([x.status for x in b])
    )
    assert resumed == [["completed", "completed"]]


async def test_run_uploads_large_files_in_parts(client, server):
    out = await client.batches.run(
        [embed(f"x{i}") for i in range(5)],
        endpoint="/v1/embeddings",
        poll_interval=0.01,
        upload_limit=100,
        part_size=64,
    )
    assert len(out.results) == 5
    sent = paths(server)
    assert "POST /v1/files" not in sent
    assert sent.count("POST /v1/uploads") == 1
    assert sent.count("POST /v1/uploads/upload_1/parts") > 2
    assert "POST /v1/uploads/upload_1/complete" in sent


async def test_poll_interval_follows_the_poll_after_header(client, server):
    server.batch_api.delay = 0.3
    server.batch_api.poll_after_ms = 50
    out = await client.batches.run(
        [embed("a")], endpoint="/v1/embeddings", poll_interval=60, timeout=5
    )
    assert len(out.results) == 1  # a 60 s interval would have hit the test timeout
    assert paths(server).count("GET /v1/batches/batch_2") >= 3


async def test_timeout_names_the_batches_and_resume_finishes_them(client, server):
    server.batch_api.hold()  # the batches cannot finish before the timeout, however slow
    with pytest.raises(BatchTimeoutError) as caught:
        await client.batches.run(
            [embed(f"r{i}") for i in range(4)],
            endpoint="/v1/embeddings",
            max_requests=2,
            poll_interval=0.01,
            timeout=1,
        )
    ids = caught.value.batch_ids
    assert len(ids) == 2 and all(i in str(caught.value) for i in ids)
    assert isinstance(caught.value, TimeoutError)
    server.batch_api.release()
    out = await client.batches.resume(ids, poll_interval=0.05)
    assert [r.custom_id for r in out.results] == [f"request-{i}" for i in range(4)]
    assert isinstance(out.results[0].response, CreateEmbeddingResponse)


async def test_expired_batch_lists_unfinished_requests_as_failed(client, server):
    server.batch_api.outcome = "expired"
    out = await client.batches.run(
        [embed(f"e{i}") for i in range(4)], endpoint="/v1/embeddings", poll_interval=0.01
    )
    assert [r.index for r in out.results] == [0, 1]
    assert [(f.index, f.code) for f in out.failed] == [(2, "batch_expired"), (3, "batch_expired")]


async def test_failed_batch_raises_naming_it(client, server):
    server.batch_api.outcome = "failed"
    with pytest.raises(BatchJobError, match=r"batch batch_2 failed: The batch was refused"):
        await client.batches.run([embed("a")], endpoint="/v1/embeddings", poll_interval=0.01)


async def test_bad_input_is_refused_and_stops_the_batches_started(client, server):
    with pytest.raises(InvalidRequestError, match="request 1 has no model"):
        await client.batches.run([embed("a"), {"input": "b"}], endpoint="/v1/embeddings")
    server.batch_api.delay = 1
    with pytest.raises(InvalidRequestError, match="request 2 has no model"):
        await client.batches.run(
            [embed("a"), embed("b"), {"input": "c"}], endpoint="/v1/embeddings", max_requests=1
        )
    assert server.batch_api.batches["batch_2"]["status"] == "cancelling"
    with pytest.raises(InvalidRequestError, match="at least one"):
        await client.batches.run([], endpoint="/v1/embeddings")
    with pytest.raises(InvalidRequestError, match="timeout"):
        await client.batches.resume("batch_1", timeout=0)
    assert paths(server).count("POST /v1/batches") == 1


def _is_harness_task(task: asyncio.Task[Any]) -> bool:
    name = task.get_coro().__qualname__  # type: ignore[union-attr]
    return any(part in name for part in ("RequestHandler", "TestRunner", "BatchApi._run"))


async def test_cancelling_run_leaves_no_task_and_no_file(client, server, tmp_path):
    server.batch_api.delay = 10
    job = asyncio.ensure_future(
        client.batches.run(
            [embed("a"), embed("b")],
            endpoint="/v1/embeddings",
            poll_interval=0.01,
            directory=tmp_path,
        )
    )
    for _ in range(500):
        if "GET /v1/batches/batch_2" in paths(server):
            break
        await asyncio.sleep(0.01)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    await asyncio.sleep(0.05)
    others = asyncio.all_tasks() - {asyncio.current_task()}
    assert [t for t in others if not _is_harness_task(t)] == []
    assert list(tmp_path.iterdir()) == []


def test_sync_facade_runs_a_batch(threaded_server: LocalServer, tmp_path: Path) -> None:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        out = client.batches.run(
            [embed("s0"), embed("s1")], endpoint="/v1/embeddings", poll_interval=0.01
        )
        assert [r.index for r in out.results] == [0, 1]
        again = client.batches.resume("batch_2", poll_interval=0.01)
        assert [r.custom_id for r in again.results] == ["request-0", "request-1"]


async def test_resume_rejects_batches_of_other_endpoints(server):
    server.batch_api.add_file("in.jsonl", b"", "batch")
    async with AsyncClient(api_key=API_KEY, base_url=server.base_url) as client:
        batch = await client.batches.create(
            input_file_id="file_1", endpoint="/v1/moderations", completion_window="24h"
        )
        with pytest.raises(InvalidRequestError, match="moderations"):
            await client.batches.resume(batch.id, poll_interval=0.01)


async def test_local_server_files_and_batches(client, server):
    file = await client.files.create(file=("in.jsonl", b'{"custom_id": "a"}\n'), purpose="batch")
    assert (await client.files.retrieve(file.id)).bytes == 19
    assert await (await client.files.content(file.id)).read() == b'{"custom_id": "a"}\n'
    server.batch_api.delay = 0.2
    batch = await client.batches.create(
        input_file_id=file.id, endpoint="/v1/embeddings", completion_window="24h"
    )
    assert batch.status == "validating"
    assert (await client.batches.cancel(batch.id)).status == "cancelling"
    assert [b.id async for b in client.batches.list()] == [batch.id]
    out = await client.batches.resume(batch.id, poll_interval=0.05)
    assert (await client.batches.retrieve(batch.id)).status == "cancelled"
    assert [(f.custom_id, f.code) for f in out.failed] == [("a", "missing")]
    assert (await client.files.delete(file.id)).deleted


async def test_files_over_a_mebibyte_go_up_in_one_request(client, server):
    big = ["x" * 400_000 + str(i) for i in range(3)]  # past aiohttp's default 1 MiB body limit
    out = await client.batches.run(
        [embed(t) for t in big], endpoint="/v1/embeddings", poll_interval=0.01
    )
    assert [r.index for r in out.results] == [0, 1, 2]
    assert server.batch_api.files["file_1"]["bytes"] > 1_200_000


async def test_local_server_checks_uploads(client, server):
    upload = await client.uploads.create(
        filename="in.jsonl", purpose="batch", bytes=10, mime_type="application/jsonl"
    )
    part = await client.uploads.parts.create(upload.id, data=b"12345")
    with pytest.raises(BadRequestError, match="5 bytes, not 10"):
        await client.uploads.complete(upload.id, part_ids=[part.id])
    with pytest.raises(NotFoundError):
        await client.files.retrieve("file_404")


async def test_local_server_fails_a_batch_with_a_bad_line(client, server):
    server.batch_api.add_file("in.jsonl", b'{"custom_id": "a"}\n', "batch")
    batch = await client.batches.create(
        input_file_id="file_1", endpoint="/v1/embeddings", completion_window="24h"
    )
    with pytest.raises(BatchJobError, match="Line 1 needs a custom_id, a url and a body"):
        await client.batches.resume(batch.id, poll_interval=0.01)
