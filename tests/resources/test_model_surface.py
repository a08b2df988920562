"""The official SDK's model methods on results that came through a real socket."""

from __future__ import annotations

from typing import Any

import pytest

from openai_async import AsyncClient, Client
from openai_async.models import ChatCompletion
from openai_async.testing import LocalServer
from tests.conftest import API_KEY, FAST_RETRIES

MESSAGES: list[Any] = [{"role": "user", "content": "Hi there"}]
# What LocalServer sends for a plain chat completion (refusal as null; no tool_calls,
# audio, function_call; no metadata or moderation).
TOP_LEVEL = {"id", "object", "created", "model", "service_tier", "system_fingerprint"}
SENT = TOP_LEVEL | {"choices", "usage"}


def check(completion: ChatCompletion, request_id: str) -> None:
    assert completion._request_id == request_id == completion.request_id
    assert completion.choices[0]._request_id is None  # only the top-level result has one
    assert completion.model_fields_set == SENT
    message = completion.choices[0].message
    assert message.model_fields_set == {"role", "content", "refusal", "annotations"}
    dumped = completion.model_dump()
    assert dumped["choices"][0]["message"]["tool_calls"] is None
    assert dumped["metadata"] is None
    as_sent = completion.to_dict()
    assert set(as_sent) == SENT
    assert as_sent["choices"][0]["message"]["refusal"] is None
    assert "tool_calls" not in as_sent["choices"][0]["message"]
    assert ChatCompletion.from_dict(as_sent) == completion


@pytest.mark.anyio
async def test_async_result_has_the_official_model_surface(client: AsyncClient) -> None:
    await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    completion = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    check(completion, "req_2")


def test_sync_result_has_the_official_model_surface(threaded_server: LocalServer) -> None:
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES
    ) as client:
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        check(completion, "req_1")
        copied = completion.model_copy()
        assert copied._request_id == "req_1" and copied.to_dict() == completion.to_dict()
