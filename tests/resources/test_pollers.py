"""Pollers through the local server: runs, vector store files and file batches, batches,
files; state progressions, the poll-after header, timeouts, cancellation, concurrent
uploads, and the sync facade."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

from openai_async import (
    AsyncClient,
    BadRequestError,
    Client,
    InvalidRequestError,
    PollTimeoutError,
)
from openai_async.testing import Fault, LocalServer, RecordedRequest, Scripted
from tests.conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

RUN_PATH = "/v1/threads/thread_1/runs/run_1"
VS_FILE_PATH = "/v1/vector_stores/vs_1/files/file_1"
VS_BATCH_PATH = "/v1/vector_stores/vs_1/file_batches/vsfb_1"


def run_json(status: str) -> dict[str, Any]:
    return {
        "id": "run_1",
        "object": "thread.run",
        "created_at": 1,
        "thread_id": "thread_1",
        "assistant_id": "asst_1",
        "status": status,
        "model": "gpt-4o",
        "instructions": "",
        "tools": [],
        "truncation_strategy": {"type": "auto"},
        "tool_choice": "auto",
        "parallel_tool_calls": True,
    }


def vs_file_json(status: str, file_id: str = "file_1") -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "vector_store.file",
        "usage_bytes": 0,
        "created_at": 1,
        "vector_store_id": "vs_1",
        "status": status,
    }


def vs_batch_json(status: str) -> dict[str, Any]:
    counts = {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0}
    return {
        "id": "vsfb_1",
        "object": "vector_store.files_batch",
        "created_at": 1,
        "vector_store_id": "vs_1",
        "status": status,
        "file_counts": counts,
    }


def file_json(status: str) -> dict[str, Any]:
    return {
        "id": "file_9",
        "object": "file",
        "bytes": 3,
        "created_at": 1,
        "filename": "a.txt",
        "purpose": "assistants",
        "status": status,
    }


def states(
    make: Callable[[str], dict[str, Any]], *statuses: str, headers: dict[str, str] | None = None
) -> Callable[[RecordedRequest], Scripted]:
    """A route answering ``make(status)`` for each status in turn, the last one forever."""
    answers: Iterator[str] = iter(statuses)
    last = [statuses[-1]]

    def handler(request: RecordedRequest) -> Scripted:
        last[0] = next(answers, last[0])
        return Scripted(json=make(last[0]), headers=headers or {})

    return handler


def calls(server: LocalServer, method: str, path: str) -> list[RecordedRequest]:
    return [r for r in server.requests if r.method == method and r.path == path]


def leftover_tasks() -> list[asyncio.Task[Any]]:
    """Tasks of this loop that are not the test's own or the local server's."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    harness = ("RequestHandler", "TestRunner", "BatchApi._run")
    return [
        t
        for t in others
        if not any(part in t.get_coro().__qualname__ for part in harness)  # type: ignore[union-attr]
    ]


# -- runs ---------------------------------------------------------------------------------


async def test_create_and_poll_follows_a_run_to_completed(client, server):
    server.add_route("POST", "/v1/threads/thread_1/runs", states(run_json, "queued"))
    server.add_route("GET", RUN_PATH, states(run_json, "queued", "in_progress", "completed"))
    run = await client.beta.threads.runs.create_and_poll(
        thread_id="thread_1", assistant_id="asst_1", poll_interval=0.01
    )
    assert run.status == "completed"
    assert len(calls(server, "GET", RUN_PATH)) == 3
    (created,) = calls(server, "POST", "/v1/threads/thread_1/runs")
    assert created.json()["assistant_id"] == "asst_1"
    assert all(r.headers["OpenAI-Beta"] == "assistants=v2" for r in server.requests)


@pytest.mark.parametrize("end", ["requires_action", "incomplete", "failed", "a_new_state"])
async def test_a_run_stops_at_any_state_but_queued_in_progress_cancelling(client, server, end):
    server.add_route("POST", "/v1/threads/thread_1/runs", states(run_json, "queued"))
    server.add_route("GET", RUN_PATH, states(run_json, "in_progress", "cancelling", end))
    run = await client.beta.threads.runs.create_and_poll(
        thread_id="thread_1", assistant_id="asst_1", poll_interval=0.01
    )
    assert run.status == end
    assert len(calls(server, "GET", RUN_PATH)) == 3


async def test_poll_after_header_sets_the_pace(client, server):
    # Shorter than poll_interval: without the header the second poll would come an hour later.
    headers = {"openai-poll-after-ms": "10"}
    server.add_route("GET", RUN_PATH, states(run_json, "queued", "completed", headers=headers))
    with anyio.fail_after(10):
        run = await client.beta.threads.runs.poll("run_1", "thread_1", poll_interval=3600)
    assert run.status == "completed"
    assert len(calls(server, "GET", RUN_PATH)) == 2
    # Longer than poll_interval: the server saw the pause it asked for between two polls.
    server.reset()
    headers = {"openai-poll-after-ms": "250"}
    server.add_route("GET", RUN_PATH, states(run_json, "queued", "completed", headers=headers))
    await client.beta.threads.runs.poll("run_1", "thread_1", poll_interval=0.01)
    first, second = calls(server, "GET", RUN_PATH)
    assert second.received_at - first.received_at >= 0.25


async def test_submit_tool_outputs_and_poll(client, server):
    path = "/v1/threads/thread_1/runs/run_1/submit_tool_outputs"
    server.add_route("POST", path, states(run_json, "queued"))
    server.add_route("GET", RUN_PATH, states(run_json, "in_progress", "completed"))
    run = await client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id="thread_1",
        run_id="run_1",
        tool_outputs=[{"tool_call_id": "call_1", "output": "42"}],
        poll_interval=0.01,
    )
    assert run.status == "completed"
    assert calls(server, "POST", path)[0].json()["tool_outputs"][0]["output"] == "42"
    assert len(calls(server, "GET", RUN_PATH)) == 2


async def test_create_and_run_poll(client, server):
    server.add_route("POST", "/v1/threads/runs", states(run_json, "queued"))
    server.add_route("GET", RUN_PATH, states(run_json, "completed"))
    run = await client.beta.threads.create_and_run_poll(assistant_id="asst_1", poll_interval=0.01)
    assert run.status == "completed"
    assert len(calls(server, "GET", RUN_PATH)) == 1


async def test_timeout_names_the_run_and_keeps_its_last_state(client, server):
    # The second poll never gets an answer: only the timeout can end the wait.
    server.add_route("POST", "/v1/threads/thread_1/runs", states(run_json, "queued"))
    server.add_route("GET", RUN_PATH, states(run_json, "in_progress"))
    server.add_fault(Fault.delay(0, path=RUN_PATH))  # the first poll: answered at once
    server.add_fault(Fault.delay(60, path=RUN_PATH))  # the second
    with anyio.fail_after(10), pytest.raises(PollTimeoutError) as caught:
        await client.beta.threads.runs.create_and_poll(
            thread_id="thread_1", assistant_id="asst_1", poll_interval=0.01, timeout=1
        )
    assert str(caught.value) == "run run_1 in thread thread_1 still in_progress after 1 s"
    assert caught.value.last.id == "run_1" and caught.value.last.status == "in_progress"
    assert len(calls(server, "GET", RUN_PATH)) == 2


async def test_timeout_counts_the_creation(client, server):
    server.add_route("POST", "/v1/threads/thread_1/runs", states(run_json, "queued"))
    server.add_fault(Fault.delay(60, path="/v1/threads/thread_1/runs"))  # never answered
    with (
        anyio.fail_after(10),
        pytest.raises(PollTimeoutError, match=r"^the run was not created within 0\.1 s$") as caught,
    ):
        await client.beta.threads.runs.create_and_poll(
            thread_id="thread_1", assistant_id="asst_1", poll_interval=0.01, timeout=0.1
        )
    assert caught.value.last is None
    assert len(server.requests) == 1


async def test_cancelling_stops_polling_at_once_and_leaves_nothing_running(client, server):
    in_progress = states(run_json, "in_progress")

    def poll_then_cancel(request: RecordedRequest) -> Scripted:
        if len(calls(server, "GET", RUN_PATH)) == 3:
            scope.cancel()  # the caller gives up while the third poll is answered
        return in_progress(request)

    server.add_route("POST", "/v1/threads/thread_1/runs", states(run_json, "queued"))
    server.add_route("GET", RUN_PATH, poll_then_cancel)
    with anyio.fail_after(10), anyio.CancelScope() as scope:
        await client.beta.threads.runs.create_and_poll(
            thread_id="thread_1", assistant_id="asst_1", poll_interval=0.01, timeout=30
        )
    assert scope.cancelled_caught  # the caller's cancellation, not a PollTimeoutError
    assert leftover_tasks() == []
    await anyio.sleep(0.1)  # ten poll intervals: a poller still running would poll again
    assert len(calls(server, "GET", RUN_PATH)) == 3


async def test_cancelling_during_a_slow_request_is_prompt(client, server):
    server.add_route("GET", RUN_PATH, states(run_json, "completed"))
    server.add_fault(Fault.delay(60, path=RUN_PATH))  # never answered

    async def cancel_once_the_request_arrived() -> None:
        while not server.requests:  # noqa: ASYNC110 - the server has no event to wait on
            await anyio.sleep(0.005)
        scope.cancel()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(cancel_once_the_request_arrived)
            with anyio.CancelScope() as scope:
                await client.beta.threads.runs.poll("run_1", "thread_1", poll_interval=0.01)
    assert scope.cancelled_caught  # within fail_after: the answer was not awaited
    assert leftover_tasks() == []


@pytest.mark.parametrize(("option", "value"), [("poll_interval", 0), ("timeout", -1)])
async def test_bad_options_are_refused_before_any_request(client, server, option, value):
    with pytest.raises(InvalidRequestError, match=option):
        await client.beta.threads.runs.create_and_poll(
            thread_id="thread_1", assistant_id="asst_1", **{option: value}
        )
    assert server.requests == []


# -- vector store files -------------------------------------------------------------------


async def test_vector_store_file_create_and_poll(client, server):
    server.add_route("POST", "/v1/vector_stores/vs_1/files", states(vs_file_json, "in_progress"))
    server.add_route("GET", VS_FILE_PATH, states(vs_file_json, "in_progress", "failed"))
    file = await client.vector_stores.files.create_and_poll(
        "file_1", vector_store_id="vs_1", poll_interval=0.01
    )
    assert file.status == "failed"
    assert len(calls(server, "GET", VS_FILE_PATH)) == 2


async def test_vector_store_file_poll_times_out_naming_the_file(client, server):
    server.add_route("GET", VS_FILE_PATH, states(vs_file_json, "in_progress"))
    server.add_fault(Fault.delay(0, path=VS_FILE_PATH))  # the first poll: answered at once
    server.add_fault(Fault.delay(60, path=VS_FILE_PATH))  # the second: never in time
    with anyio.fail_after(10), pytest.raises(PollTimeoutError) as caught:
        await client.vector_stores.files.poll(
            "file_1", vector_store_id="vs_1", poll_interval=0.01, timeout=1
        )
    assert str(caught.value) == "file file_1 in vector store vs_1 still in_progress after 1 s"


async def test_vector_store_file_upload_and_poll(client, server):
    def attach(request: RecordedRequest) -> Scripted:
        body = request.json()
        assert body == {"file_id": "file_1", "attributes": {"kind": "doc"}}
        return Scripted(json=vs_file_json("in_progress"))

    server.add_route("POST", "/v1/vector_stores/vs_1/files", attach)
    server.add_route("GET", VS_FILE_PATH, states(vs_file_json, "completed"))
    file = await client.vector_stores.files.upload_and_poll(
        vector_store_id="vs_1",
        file=("a.txt", b"abc"),
        attributes={"kind": "doc"},
        poll_interval=0.01,
    )
    assert file.status == "completed"
    assert server.batch_api.files["file_1"]["purpose"] == "assistants"
    assert server.batch_api.contents["file_1"] == b"abc"


# -- vector store file batches ------------------------------------------------------------


async def test_file_batch_create_and_poll_and_poll(client, server):
    path = "/v1/vector_stores/vs_1/file_batches"
    server.add_route("POST", path, states(vs_batch_json, "in_progress"))
    server.add_route("GET", VS_BATCH_PATH, states(vs_batch_json, "in_progress", "completed"))
    batches = client.vector_stores.file_batches
    batch = await batches.create_and_poll("vs_1", file_ids=["file_1"], poll_interval=0.01)
    assert batch.status == "completed"
    assert len(calls(server, "GET", VS_BATCH_PATH)) == 2
    again = await batches.poll("vsfb_1", vector_store_id="vs_1", poll_interval=0.01)
    assert again.status == "completed"
    assert len(calls(server, "GET", VS_BATCH_PATH)) == 3


def slow_uploads(server: LocalServer, count: int, seconds: float) -> list[int]:
    """Delay ``count`` uploads and record, at each answer, how many were in flight."""
    for _ in range(count):
        server.add_fault(Fault.delay(seconds, path="/v1/files"))
    in_flight: list[int] = []

    def upload(request: RecordedRequest) -> Scripted:
        # A delayed route sees the latest request, not its own: count only.
        arrived = len(calls(server, "POST", "/v1/files"))
        in_flight.append(arrived - len(in_flight))
        return Scripted(json=server.batch_api.add_file("f.txt", b"x", "assistants"))

    server.add_route("POST", "/v1/files", upload)
    return in_flight


def batch_creations(server: LocalServer) -> list[list[str]]:
    """Answer file batch creations; the ``file_ids`` of each."""
    created: list[list[str]] = []

    def create(request: RecordedRequest) -> Scripted:
        created.append(request.json()["file_ids"])
        return Scripted(json=vs_batch_json("in_progress"))

    server.add_route("POST", "/v1/vector_stores/vs_1/file_batches", create)
    server.add_route("GET", VS_BATCH_PATH, states(vs_batch_json, "completed"))
    return created


async def test_upload_and_poll_honours_max_concurrency(client, server):
    in_flight = slow_uploads(server, 6, 0.05)
    created = batch_creations(server)
    batch = await client.vector_stores.file_batches.upload_and_poll(
        "vs_1", files=[b"x"] * 6, max_concurrency=2, poll_interval=0.01
    )
    assert batch.status == "completed"
    assert len(in_flight) == 6 and max(in_flight) == 2
    assert len(created[0]) == 6


async def test_upload_and_poll_keeps_the_order_of_the_files(client, server):
    refused: list[str] = []

    def upload(request: RecordedRequest) -> Scripted:
        name, content, _ = dict(request.form())["file"]  # type: ignore[misc]
        if name == "f0.txt" and not refused:  # the first file ends last: it is retried
            refused.append(name)
            return Scripted(status=500, json={"error": {"message": "try again"}})
        return Scripted(json=server.batch_api.add_file(name, content, "assistants"))

    server.add_route("POST", "/v1/files", upload)
    created = batch_creations(server)
    files = [(f"f{i}.txt", f"content {i}".encode()) for i in range(3)]
    await client.vector_stores.file_batches.upload_and_poll(
        "vs_1", files=files, file_ids=["file_old"], max_concurrency=3, poll_interval=0.01
    )
    names = {fid: f["filename"] for fid, f in server.batch_api.files.items()}
    assert created[0][0] == "file_old"
    assert [names[fid] for fid in created[0][1:]] == ["f0.txt", "f1.txt", "f2.txt"]
    assert refused == ["f0.txt"]
    assert created[0][1] == "file_3"  # the last one uploaded, yet listed first


async def test_a_failed_upload_cancels_the_others_and_is_raised_as_is(client, server):
    server.add_fault(Fault.delay(60, path="/v1/files"))  # whichever comes first never ends
    server.add_fault(Fault.status(400, message="bad file", path="/v1/files"))
    with anyio.fail_after(10), pytest.raises(BadRequestError, match="bad file"):
        # Within fail_after: the hanging upload was not awaited.
        await client.vector_stores.file_batches.upload_and_poll(
            "vs_1", files=[b"a", b"b", b"c", b"d"], max_concurrency=2, poll_interval=0.01
        )
    assert len(calls(server, "POST", "/v1/files")) == 2  # no upload started after the failure
    assert calls(server, "POST", "/v1/vector_stores/vs_1/file_batches") == []
    assert leftover_tasks() == []


async def test_upload_and_poll_timeout_covers_the_uploads(client, server):
    server.add_fault(Fault.delay(60, path="/v1/files"))  # never answered
    with anyio.fail_after(10), pytest.raises(PollTimeoutError, match="were not uploaded") as caught:
        await client.vector_stores.file_batches.upload_and_poll(
            "vs_1", files=[b"a"], poll_interval=0.01, timeout=0.1
        )
    assert caught.value.last is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"files": []}, "at least one"),
        ({"files": "a.txt"}, "lists"),
        ({"files": [b"a"], "file_ids": "file_1"}, "lists"),
        ({"files": [b"a"], "max_concurrency": 0}, "max_concurrency"),
    ],
)
async def test_upload_and_poll_checks_its_arguments(client, server, kwargs, message):
    with pytest.raises(InvalidRequestError, match=message):
        await client.vector_stores.file_batches.upload_and_poll("vs_1", **kwargs)
    assert server.requests == []


# -- batches and files --------------------------------------------------------------------


async def new_batch(client: AsyncClient) -> str:
    line = b'{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": "x"}}\n'
    file = await client.files.create(file=("in.jsonl", line), purpose="batch")
    batch = await client.batches.create(
        input_file_id=file.id, endpoint="/v1/embeddings", completion_window="24h"
    )
    return batch.id


async def test_batches_wait_follows_the_server_pace(client, server):
    server.batch_api.delay = 0.1
    server.batch_api.poll_after_ms = 10
    batch_id = await new_batch(client)
    batch = await client.batches.wait(batch_id, poll_interval=30, timeout=5)
    assert batch.status == "completed"
    assert len(calls(server, "GET", f"/v1/batches/{batch_id}")) >= 3


async def test_batches_wait_times_out_naming_the_batch(client, server):
    server.batch_api.hold()  # validating until released: only the timeout ends the wait
    batch_id = await new_batch(client)
    with anyio.fail_after(10), pytest.raises(PollTimeoutError) as caught:
        await client.batches.wait(batch_id, poll_interval=0.01, timeout=1)
    assert str(caught.value) == f"batch {batch_id} still validating after 1 s"
    assert caught.value.last.id == batch_id


@pytest.mark.parametrize("end", ["processed", "error", "deleted"])
async def test_files_wait_for_processing(client, server, end):
    server.add_route("GET", "/v1/files/file_9", states(file_json, "uploaded", "uploaded", end))
    file = await client.files.wait_for_processing("file_9", poll_interval=0.01)
    assert file.status == end
    assert len(calls(server, "GET", "/v1/files/file_9")) == 3


# -- the sync facade ----------------------------------------------------------------------


@pytest.fixture
def sync_client(threaded_server: LocalServer) -> Iterator[Client]:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        yield c


def test_sync_runs_create_and_poll(sync_client, threaded_server):
    threaded_server.add_route("POST", "/v1/threads/thread_1/runs", states(run_json, "queued"))
    threaded_server.add_route("GET", RUN_PATH, states(run_json, "in_progress", "completed"))
    run = sync_client.beta.threads.runs.create_and_poll(
        thread_id="thread_1", assistant_id="asst_1", poll_interval=0.01
    )
    assert run.status == "completed"
    with pytest.raises(PollTimeoutError):
        threaded_server.add_route("GET", RUN_PATH, states(run_json, "queued"))
        sync_client.beta.threads.runs.poll("run_1", "thread_1", poll_interval=0.01, timeout=0.05)


def test_sync_file_batches_upload_and_poll(sync_client, threaded_server):
    threaded_server.add_route(
        "POST", "/v1/vector_stores/vs_1/file_batches", states(vs_batch_json, "in_progress")
    )
    threaded_server.add_route("GET", VS_BATCH_PATH, states(vs_batch_json, "completed"))
    batch = sync_client.vector_stores.file_batches.upload_and_poll(
        "vs_1", files=[b"a", ("b.txt", b"b")], poll_interval=0.01
    )
    assert batch.status == "completed"
    (created,) = calls(threaded_server, "POST", "/v1/vector_stores/vs_1/file_batches")
    assert sorted(created.json()["file_ids"]) == ["file_1", "file_2"]
