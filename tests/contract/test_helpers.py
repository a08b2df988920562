"""The hand-written helpers (pollers, stream wrappers, parse) against Steady: every request
they send must satisfy the spec. Steady answers with generated data, so a poll may end in
any status or run out of time, a parse may find no JSON, and a stream never sends its
terminal event (Steady's limitation, see README.md); what must never happen is a 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from openai_async import (
    APIResponseValidationError,
    AsyncClient,
    BadRequestError,
    ContentFilterFinishReasonError,
    IncompleteStreamError,
    LengthFinishReasonError,
    PollTimeoutError,
    function_tool,
)
from tests.contract._cases import API_KEY

# Steady's generated choices end with a random finish_reason: "length" or "content_filter"
# make a parse raise, as it should; the request was still accepted.
RANDOM_ENDS = (LengthFinishReasonError, ContentFilterFinishReasonError)

pytestmark = pytest.mark.anyio

POLL = {"poll_interval": 0.01, "timeout": 1.0}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(steady_url: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(api_key=API_KEY, base_url=steady_url, max_retries=0) as c:
        yield c


def accepted(obj: Any) -> None:
    info = getattr(obj, "response_info", None)
    assert info is not None and info.headers.get("x-steady-request-valid") == "true"


async def polled(call: Any) -> None:
    """Await a poller; a result must come from accepted requests, a timeout is fine."""
    try:
        result = await call
    except PollTimeoutError as exc:
        if exc.last is not None:
            accepted(exc.last)
        return
    except BadRequestError as exc:
        pytest.fail(f"Steady rejected the request: {exc.body!r}")
    accepted(result)


@attrs.define
class Answer:
    text: str
    confidence: float


def lookup(query: str, limit: int = 3) -> str:
    """Look something up."""
    return query * limit


async def test_run_pollers(client: AsyncClient) -> None:
    runs = client.beta.threads.runs
    await polled(runs.create_and_poll(thread_id="thread_1", assistant_id="asst_1", **POLL))
    await polled(runs.poll("run_1", "thread_1", **POLL))
    await polled(
        runs.submit_tool_outputs_and_poll(
            thread_id="thread_1",
            run_id="run_1",
            tool_outputs=[{"tool_call_id": "call_1", "output": "x"}],
            **POLL,
        )
    )
    await polled(client.beta.threads.create_and_run_poll(assistant_id="asst_1", **POLL))


async def test_vector_store_pollers(client: AsyncClient) -> None:
    files = client.vector_stores.files
    await polled(files.create_and_poll("file_1", vector_store_id="vs_1", **POLL))
    await polled(files.upload_and_poll(vector_store_id="vs_1", file=("a.txt", b"hello"), **POLL))
    batches = client.vector_stores.file_batches
    await polled(batches.create_and_poll("vs_1", file_ids=["file_1"], **POLL))
    await polled(
        batches.upload_and_poll(
            "vs_1", files=[("a.txt", b"a"), ("b.txt", b"b")], file_ids=["file_0"], **POLL
        )
    )


async def test_batch_and_file_waits(client: AsyncClient) -> None:
    await polled(client.batches.wait("batch_1", **POLL))
    await polled(client.files.wait_for_processing("file_1", **POLL))


async def test_parse_requests_are_valid(client: AsyncClient) -> None:
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    calls = [
        client.chat.completions.parse(model="gpt-4o", messages=messages, response_format=Answer),
        client.chat.completions.parse(
            model="gpt-4o", messages=messages, tools=[function_tool(lookup)]
        ),
        client.responses.parse(model="gpt-4o", input="hi", text_format=Answer),
    ]
    for call in calls:
        try:
            result: Any = await call
        except (APIResponseValidationError, *RANDOM_ENDS):
            continue  # generated text is no Answer: the request itself was accepted
        except BadRequestError as exc:
            pytest.fail(f"Steady rejected the request: {exc.body!r}")
        accepted(result)  # a ParsedChatCompletion / ParsedResponse: the result itself


async def test_stream_helpers_send_valid_requests(client: AsyncClient) -> None:
    starts = [
        client.responses.stream(model="gpt-4o", input="hi", text_format=Answer),
        client.beta.threads.runs.stream(thread_id="thread_1", assistant_id="asst_1"),
        client.chat.completions.stream(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}], response_format=Answer
        ),
    ]
    for start in starts:
        try:
            stream: Any = await start
        except BadRequestError as exc:
            pytest.fail(f"Steady rejected the request: {exc.body!r}")
        async with stream:
            assert stream.stream.response_info.headers.get("x-steady-request-valid") == "true"
            try:
                async for _ in stream:
                    pass
            except (IncompleteStreamError, APIResponseValidationError, *RANDOM_ENDS):
                pass  # no terminal event from Steady; generated chunks may not parse
