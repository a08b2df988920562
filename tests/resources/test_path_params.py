"""Path parameters in the official SDK's order, through the local server: the resource's own
id by position, its parents' ids by keyword (``runs.retrieve(run_id, thread_id=...)``); a
parent id given by position is a TypeError, an empty or non-string id an
InvalidRequestError (a ValueError) naming it, before any request. Async and sync."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from openai_async import AsyncClient, Client, InvalidRequestError
from openai_async.models.assistants import RunObject, RunStepObject
from openai_async.testing import LocalServer, Scripted
from tests.conftest import API_KEY, FAST_RETRIES

RUN = {
    "id": "run_1",
    "object": "thread.run",
    "created_at": 1,
    "thread_id": "thread_1",
    "assistant_id": "asst_1",
    "status": "completed",
    "model": "gpt-4o",
    "instructions": "",
    "tools": [],
    "truncation_strategy": {"type": "auto"},
    "tool_choice": "auto",
    "parallel_tool_calls": True,
}
STEP = {
    "id": "step_1",
    "object": "thread.run.step",
    "created_at": 1,
    "assistant_id": "asst_1",
    "thread_id": "thread_1",
    "run_id": "run_1",
    "type": "message_creation",
    "status": "completed",
    "step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_1"}},
}


def add_routes(server: LocalServer) -> None:
    server.add_route("GET", "/threads/thread_1/runs/run_1", lambda r: Scripted(json=RUN))
    server.add_route(
        "GET", "/threads/thread_1/runs/run_1/steps/step_1", lambda r: Scripted(json=STEP)
    )


@pytest.fixture
def sync_client(threaded_server: LocalServer) -> Iterator[Client]:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        yield c


# The calls that must not reach the server, and the parameter each error names.
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("", {"thread_id": "thread_1"}, "run_id"),
    ("run_1", {"thread_id": ""}, "thread_id"),
    (5, {"thread_id": "thread_1"}, "run_id"),
    ("run_1", {"thread_id": None}, "thread_id"),
    ("..", {"thread_id": "thread_1"}, "run_id"),
]


@pytest.mark.anyio
async def test_own_id_by_position_parents_by_keyword(client: AsyncClient, server: LocalServer):
    add_routes(server)
    run = await client.beta.threads.runs.retrieve("run_1", thread_id="thread_1")
    step = await client.beta.threads.runs.steps.retrieve(
        "step_1", thread_id="thread_1", run_id="run_1"
    )
    assert isinstance(run, RunObject) and run.id == "run_1"
    assert isinstance(step, RunStepObject) and step.id == "step_1"
    assert [r.path for r in server.requests] == [
        "/v1/threads/thread_1/runs/run_1",
        "/v1/threads/thread_1/runs/run_1/steps/step_1",
    ]


@pytest.mark.anyio
async def test_a_parent_id_by_position_is_a_type_error(client: AsyncClient, server: LocalServer):
    runs: Any = client.beta.threads.runs  # the calls below are wrong on purpose
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3 were given"):
        await runs.retrieve("thread_1", "run_1")
    with pytest.raises(TypeError, match="takes 2 positional arguments but 4 were given"):
        await runs.steps.retrieve("thread_1", "run_1", "step_1")
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'thread_id'"):
        await runs.retrieve("run_1")  # the parent id is required
    assert server.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize(("run_id", "parents", "named"), BAD)
async def test_a_bad_id_is_refused_before_any_request(
    client: AsyncClient, server: LocalServer, run_id: Any, parents: dict[str, Any], named: str
):
    with pytest.raises(InvalidRequestError, match=f"`{named}`") as caught:
        await client.beta.threads.runs.retrieve(run_id, **parents)
    assert isinstance(caught.value, ValueError)
    assert server.requests == []


@pytest.mark.anyio
async def test_an_empty_id_message(client: AsyncClient, server: LocalServer):
    with pytest.raises(
        InvalidRequestError, match=r"^Expected a non-empty value for `thread_id` but received ''$"
    ):
        await client.beta.threads.runs.steps.list("run_1", thread_id="")
    assert server.requests == []


def test_sync_order(sync_client: Client, threaded_server: LocalServer):
    add_routes(threaded_server)
    runs = sync_client.beta.threads.runs
    assert runs.retrieve("run_1", thread_id="thread_1").id == "run_1"
    assert runs.steps.retrieve("step_1", thread_id="thread_1", run_id="run_1").id == "step_1"
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3 were given"):
        runs.retrieve("thread_1", "run_1")  # type: ignore[call-arg]
    for run_id, parents, named in BAD:
        with pytest.raises(InvalidRequestError, match=f"`{named}`"):
            runs.retrieve(run_id, **parents)
    assert [r.path for r in threaded_server.requests] == [
        "/v1/threads/thread_1/runs/run_1",
        "/v1/threads/thread_1/runs/run_1/steps/step_1",
    ]
