"""``hooks={"request": [...], "response": [...]}``: called for every HTTP attempt."""

from __future__ import annotations

from typing import Any

import pytest

from openai_async import (
    AsyncClient,
    Client,
    ConfigurationError,
    HTTPResponse,
    NotFoundError,
    RequestInfo,
)
from openai_async.testing import Fault

from ..conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

MESSAGES: Any = [{"role": "user", "content": "hi"}]


class HookFailed(Exception):
    pass


async def test_hooks_see_every_attempt_sync_and_async(server):
    seen: list[tuple[str, Any]] = []

    def on_request(request: RequestInfo) -> None:
        seen.append(("request", request))

    async def on_response(response: HTTPResponse) -> None:
        seen.append(("response", response))

    server.add_fault(Fault.status(500))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        retry_policy=FAST_RETRIES,
        hooks={"request": [on_request], "response": [on_response]},
    ) as client:
        await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert [kind for kind, _ in seen] == ["request", "response", "request", "response"]
    request = seen[0][1]
    assert isinstance(request, RequestInfo)
    assert request.method == "POST"
    assert request.url == f"{server.base_url}/chat/completions"
    assert request.headers["Authorization"] == "<redacted>"  # never the key
    assert [r.status_code for k, r in seen if k == "response"] == [500, 200]
    assert seen[3][1].request is seen[2][1]
    assert seen[3][1].headers["x-request-id"] == "req_2"


async def test_hooks_see_streams_and_errors(server):
    statuses: list[int] = []
    server.add_fault(Fault.status(404))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        hooks={"response": [lambda r: statuses.append(r.status_code)]},
    ) as client:
        with pytest.raises(NotFoundError):
            await client.models.retrieve("nope")
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        async for _ in stream:
            pass
    assert statuses == [404, 200]


async def test_a_hook_that_raises_fails_the_call(client):
    def refuse(request: RequestInfo) -> None:
        raise HookFailed(request.url)

    with pytest.raises(HookFailed):
        await client.with_options(hooks={"request": [refuse]}).models.list()
    assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"  # its own hooks: none


async def test_with_options_replaces_the_hooks(server):
    first: list[str] = []
    second: list[str] = []
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        hooks={"request": [lambda r: first.append(r.url)]},
    ) as client:
        copy = client.with_options(hooks={"request": [lambda r: second.append(r.url)]})
        await copy.models.retrieve("gpt-4o")
        await client.with_options(timeout=5).models.retrieve("gpt-4o")  # keeps them
        await client.with_options(hooks=None).models.retrieve("gpt-4o")
    assert len(first) == 1
    assert len(second) == 1


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        ([print], "must be a mapping"),
        ({"requests": [print]}, "unknown event 'requests'"),
        ({"request": print}, "must be a list of callables"),
        ({"response": ["print"]}, "is not callable"),
    ],
)
def test_bad_hooks_are_refused(hooks, message):
    with pytest.raises(ConfigurationError, match=message):
        AsyncClient(api_key=API_KEY, hooks=hooks)


def test_sync_client_hooks(threaded_server):
    seen: list[int] = []

    async def on_response(response: HTTPResponse) -> None:
        seen.append(response.status_code)

    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, hooks={"response": [on_response]}
    ) as client:
        client.models.retrieve("gpt-4o")
    assert seen == [200]
