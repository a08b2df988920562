"""Errors, timeouts and client options in the official SDK's shapes, through a real socket.

Async and sync: ``error.request`` / ``error.response`` / ``error.body``, per-attempt
timeouts and httpx-style timeout objects, ``admin_api_key``, ``copy()``, merged default
headers and query, and the official names of the clients.
"""

from __future__ import annotations

import logging
import socket

import orjson
import pytest

import openai_async
from openai_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    AsyncAzureClient,
    AsyncClient,
    AuthenticationError,
    AzureClient,
    Client,
    ConfigurationError,
    ContentFilterFinishReasonError,
    HTTPResponse,
    InternalServerError,
    NotFoundError,
    RequestInfo,
    RequestOptions,
    RetryPolicy,
    Timeout,
)
from openai_async.testing import Fault, LocalServer, Reply, Scripted

pytestmark = pytest.mark.anyio

API_KEY = "sk-test-0123456789"
ADMIN_KEY = "sk-admin-secret-4242"
WEBHOOK_SECRET = "whsec_do_not_leak_0001"
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0)
MESSAGES = [{"role": "user", "content": "Hi"}]
PROJECT = {"id": "proj_1", "object": "organization.project", "name": "p", "created_at": 1}


def make(server: LocalServer, **options: object) -> AsyncClient:
    options.setdefault("api_key", API_KEY)
    options.setdefault("retry_policy", FAST_RETRIES)
    return AsyncClient(base_url=server.base_url, **options)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HttpxStyleTimeout:
    """An ``httpx.Timeout`` as we read it: four attributes (httpx is not imported)."""

    def __init__(self, connect: float | None, read: float | None) -> None:
        self.connect, self.read, self.write, self.pool = connect, read, 5.0, 5.0


def assert_no_secret(*texts: object, secrets: tuple[str, ...] = (API_KEY,)) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in str(text), text


@pytest.fixture
async def open_server():
    """A server that accepts any key (the admin tests send two)."""
    async with LocalServer() as srv:
        srv.add_route("GET", "/organization/projects/proj_1", lambda _: Scripted(json=PROJECT))
        yield srv


# -- errors: request, response, body ----------------------------------------------------------


async def test_a_status_error_has_the_request_and_the_response(client, server):
    body = {"error": {"message": "no such model", "type": "invalid_request_error", "code": "x"}}
    server.add_fault(Fault.status(404, body=orjson.dumps(body), content_type="application/json"))
    with pytest.raises(NotFoundError) as info:
        await client.models.retrieve("nope", extra_query={"q": "1"})
    error = info.value
    assert error.body == body["error"]  # the error object, as the official SDK has it
    request = error.request
    assert isinstance(request, RequestInfo)
    assert (request.method, request.url) == ("GET", f"{server.base_url}/models/nope?q=1")
    assert request.headers["Authorization"] == "<redacted>"
    assert request.headers["User-Agent"].startswith("openai_async/")
    response = error.response
    assert isinstance(response, HTTPResponse)
    assert (response.status_code, response.reason_phrase) == (404, "Not Found")
    assert response.headers["x-request-id"] == error.request_id
    assert response.json() == body and response.content == orjson.dumps(body)
    assert response.text == response.content.decode()
    assert response.url == f"{server.base_url}/models/nope"
    assert response.request is request
    assert_no_secret(error, repr(error), request, repr(request), dict(request.headers), response)


async def test_a_non_json_error_body_is_the_text(client, server):
    server.add_fault(Fault.html(502))
    with pytest.raises(InternalServerError) as info:
        await client.models.retrieve("gpt-4o", max_retries=0)
    assert isinstance(info.value.body, str) and "<html" in info.value.body
    assert info.value.response.text == info.value.body


async def test_connection_errors_and_timeouts_have_the_request():
    async with AsyncClient(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.models.list()
    assert info.value.request is not None and info.value.request.method == "GET"
    assert info.value.request.headers["Authorization"] == "<redacted>"


async def test_a_timeout_has_the_request(client, server):
    server.add_fault(Fault.delay(3.0))
    with pytest.raises(APITimeoutError) as info:
        await client.models.retrieve("gpt-4o", timeout=Timeout(read=0.05), max_retries=0)
    assert info.value.request is not None
    assert info.value.request.url.endswith("/models/gpt-4o")


async def test_a_stream_error_has_the_request_and_the_error_object(client, server):
    server.add_reply(Reply("one two three"))
    server.add_fault(Fault.error_event(after_events=1, code="boom"))
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    with pytest.raises(APIStreamError) as info:
        async for _ in stream:
            pass
    assert info.value.request is not None and info.value.request.method == "POST"
    assert isinstance(info.value.body, dict) and info.value.body["code"] == "boom"
    assert "error" not in info.value.body


async def test_a_response_validation_error_has_status_and_response(client, server):
    server.add_fault(Fault.malformed(at_event=0))
    with pytest.raises(APIResponseValidationError) as info:
        await client.chat.completions.create(model="m", messages=MESSAGES)
    error = info.value
    assert error.status_code == 200
    assert error.response is not None and error.response.text == error.raw
    assert error.request is not None and error.request.method == "POST"


async def test_a_callable_key_and_an_azure_key_are_redacted_too():
    async with LocalServer(azure=True, api_key=API_KEY) as server:
        server.add_fault(Fault.status(500))
        async with AsyncAzureClient(
            azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key=API_KEY
        ) as azure:
            with pytest.raises(InternalServerError) as info:
                await azure.models.list(max_retries=0)
    assert info.value.request is not None
    assert info.value.request.headers["api-key"] == "<redacted>"
    assert_no_secret(dict(info.value.request.headers))
    async with LocalServer() as server:
        server.add_fault(Fault.status(500))
        async with AsyncClient(api_key=lambda: API_KEY, base_url=server.base_url) as client:
            with pytest.raises(InternalServerError) as info:
                await client.models.list(max_retries=0)
    assert info.value.request is not None
    assert info.value.request.headers["Authorization"] == "<redacted>"


def test_official_exception_relations():
    e = openai_async
    assert issubclass(e.APITimeoutError, e.APIConnectionError)
    assert issubclass(e.APIConnectionError, e.APIError)
    for name in ("BadRequestError", "RateLimitError", "InternalServerError", "NotFoundError"):
        assert issubclass(getattr(e, name), e.APIStatusError)
    assert issubclass(e.OAuthError, e.AuthenticationError)
    assert issubclass(e.InvalidWebhookSignatureError, ValueError)
    for name in ("LengthFinishReasonError", "ContentFilterFinishReasonError"):
        assert issubclass(getattr(e, name), e.OpenAIError)
    for name in ("WebSocketConnectionClosedError", "WebSocketQueueFullError"):
        assert issubclass(getattr(e, name), e.OpenAIError)


# -- ContentFilterFinishReasonError ----------------------------------------------------------


async def test_a_parse_cut_by_a_content_filter(client, server):
    import attrs

    @attrs.define
    class Answer:
        text: str

    server.add_reply(Reply('{"text": "a', finish_reason="content_filter"))
    with pytest.raises(ContentFilterFinishReasonError) as info:
        await client.chat.completions.parse(model="m", messages=MESSAGES, response_format=Answer)
    assert info.value.completion.choices[0].finish_reason == "content_filter"
    server.add_reply(Reply('{"text": "a', finish_reason="content_filter"))
    async with await client.chat.completions.stream(
        model="m", messages=MESSAGES, response_format=Answer
    ) as stream:
        with pytest.raises(ContentFilterFinishReasonError):
            await stream.final_parsed()
    server.add_reply(Reply('{"text": "a', finish_reason="content_filter"))
    with pytest.raises(ContentFilterFinishReasonError):
        await client.responses.parse(model="m", input="x", text_format=Answer)
    # Without a parse, a filtered answer is just an answer.
    server.add_reply(Reply("abc", finish_reason="content_filter"))
    reply = await client.chat.completions.create(model="m", messages=MESSAGES)
    assert reply.choices[0].finish_reason == "content_filter"


# -- timeouts ----------------------------------------------------------------------------------


async def test_an_httpx_style_timeout_is_accepted_everywhere(server):
    stalled = HttpxStyleTimeout(connect=5.0, read=0.05)
    async with make(server, timeout=stalled, max_retries=0) as client:
        assert client.timeout == Timeout(connect=5.0, read=0.05, stream_idle=0.05)
        roomy = client.with_options(timeout=HttpxStyleTimeout(connect=5.0, read=30.0))
        calls = [
            lambda: client.models.retrieve("gpt-4o"),
            lambda: roomy.with_options(timeout=stalled).models.retrieve("gpt-4o"),
            lambda: roomy.models.retrieve("gpt-4o", timeout=stalled),
            lambda: roomy.models.retrieve("gpt-4o", options=RequestOptions(timeout=stalled)),
        ]
        for call in calls:
            server.add_fault(Fault.delay(3.0))
            with pytest.raises(APITimeoutError):
                await call()
        assert len(server.requests) == len(calls)
        server.add_fault(Fault.delay(0.2))
        assert (await roomy.models.retrieve("gpt-4o")).id == "gpt-4o"


def test_a_number_is_per_attempt_in_the_sync_client(threaded_server):
    threaded_server.add_fault(Fault.delay(3.0))
    with Client(
        api_key=API_KEY, base_url=threaded_server.base_url, timeout=0.5, max_retries=1
    ) as client:
        assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    assert len(threaded_server.requests) == 2


# -- admin key ---------------------------------------------------------------------------------


async def test_the_admin_key_goes_to_admin_paths_only(open_server, monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", ADMIN_KEY)
    async with make(open_server) as client:
        assert client.admin_api_key == ADMIN_KEY
        project = await client.admin.organization.projects.retrieve("proj_1")
        assert project.id == "proj_1"
        await client.models.retrieve("gpt-4o")
    admin, plain = open_server.requests
    assert admin.headers["Authorization"] == f"Bearer {ADMIN_KEY}"
    assert plain.headers["Authorization"] == f"Bearer {API_KEY}"
    assert_no_secret(repr(client), secrets=(API_KEY, ADMIN_KEY))


async def test_without_an_admin_key_admin_paths_get_the_api_key(open_server):
    async with make(open_server) as client:
        assert client.admin_api_key is None
        await client.admin.organization.projects.retrieve("proj_1")
    assert open_server.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"


async def test_an_admin_key_alone_serves_admin_calls_only(open_server, caplog):
    caplog.set_level(logging.DEBUG, logger="openai_async")
    open_server.add_fault(Fault.status(401, path="/v1/organization/projects/proj_1"))
    async with AsyncClient(admin_api_key=ADMIN_KEY, base_url=open_server.base_url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.admin.organization.projects.retrieve("proj_1")
        with pytest.raises(ConfigurationError, match="admin_api_key") as missing:
            await client.models.retrieve("gpt-4o")
    assert open_server.requests[0].headers["Authorization"] == f"Bearer {ADMIN_KEY}"
    assert info.value.request is not None
    assert info.value.request.headers["Authorization"] == "<redacted>"
    assert_no_secret(
        info.value,
        repr(info.value),
        dict(info.value.request.headers),
        missing.value,
        caplog.text,
        secrets=(ADMIN_KEY,),
    )


def test_the_admin_key_in_the_sync_client(threaded_server):
    with Client(
        api_key=API_KEY, admin_api_key=ADMIN_KEY, base_url=threaded_server.base_url
    ) as client:
        with pytest.raises(AuthenticationError):  # the server wants API_KEY
            client.admin.organization.projects.retrieve("proj_1", max_retries=0)
        assert threaded_server.requests[0].headers["Authorization"] == f"Bearer {ADMIN_KEY}"
        copy = client.copy(admin_api_key=None)
        with pytest.raises(NotFoundError):  # the right key now, but no such route
            copy.admin.organization.projects.retrieve("proj_1", max_retries=0)
        assert threaded_server.requests[1].headers["Authorization"] == f"Bearer {API_KEY}"


# -- other client options -----------------------------------------------------------------------


def test_webhook_secret_and_websocket_base_url_are_stored_not_shown(monkeypatch):
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    client = AsyncClient(api_key=API_KEY, websocket_base_url="wss://example.test/v1")
    assert client.webhook_secret == WEBHOOK_SECRET
    assert client.websocket_base_url == "wss://example.test/v1"
    copy = client.copy(webhook_secret="whsec_other")
    assert (copy.webhook_secret, client.webhook_secret) == ("whsec_other", WEBHOOK_SECRET)
    assert copy.websocket_base_url == "wss://example.test/v1"
    assert_no_secret(repr(client), repr(copy), secrets=(WEBHOOK_SECRET, "whsec_other"))
    with pytest.raises(ConfigurationError, match="websocket_base_url"):
        AsyncClient(api_key=API_KEY, websocket_base_url="ftp://x")


async def test_default_headers_and_query_merge_or_replace(server):
    async with make(server, default_headers={"X-A": "1", "X-B": "1"}, default_query={"a": 1}) as c:
        merged = c.with_options(default_headers={"x-b": "2"}, default_query={"b": 2})
        assert merged.default_headers == {"X-A": "1", "x-b": "2"}
        replaced = c.copy(set_default_headers={"X-C": "3"}, set_default_query={"c": 3})
        await merged.models.retrieve("gpt-4o")
        await replaced.models.retrieve("gpt-4o")
        with pytest.raises(ConfigurationError, match="set_default_headers"):
            c.with_options(default_headers={"X": "1"}, set_default_headers={"Y": "2"})
    first, second = server.requests
    assert (first.headers["X-A"], first.headers["X-B"]) == ("1", "2")
    assert first.query == {"a": "1", "b": "2"}
    assert second.headers["X-C"] == "3" and "X-A" not in second.headers
    assert second.query == {"c": "3"}


async def test_custom_headers_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "X-Team: search\nX-Env: prod\nnot a header")
    async with make(server, default_headers={"x-env": "dev"}) as client:
        await client.models.retrieve("gpt-4o")
    headers = server.requests[0].headers
    assert (headers["X-Team"], headers["X-Env"]) == ("search", "dev")


def test_azure_clients_take_the_new_options(monkeypatch):
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    azure = AsyncAzureClient(
        azure_endpoint="https://x.openai.azure.com",
        api_version="2024-10-21",
        api_key=API_KEY,
        websocket_base_url="wss://x.openai.azure.com/openai",
        timeout=HttpxStyleTimeout(connect=1.0, read=2.0),
        default_query={"a": "1"},
    )
    assert azure.webhook_secret == WEBHOOK_SECRET
    assert azure.timeout == Timeout(connect=1.0, read=2.0, stream_idle=2.0)
    copy = azure.copy(default_query={"b": "2"}, api_version="2025-01-01")
    assert isinstance(copy, AsyncAzureClient)
    assert copy.default_query == {"a": "1", "api-version": "2025-01-01", "b": "2"}
    assert azure.with_options(set_default_query={}).api_version == "2024-10-21"


@pytest.mark.parametrize(
    ("keyword", "match"),
    [
        ("http_client", "session="),
        ("workload_identity", "api_key="),
        ("provider", "api_key="),
        ("_strict_response_validation", "leniently"),
    ],
)
def test_official_keywords_we_cannot_honour_are_refused_clearly(keyword, match):
    with pytest.raises(ConfigurationError, match=match):
        AsyncClient(api_key=API_KEY, **{keyword: True})
    with pytest.raises(ConfigurationError, match=match):
        Client(api_key=API_KEY, **{keyword: True})


def test_http_client_is_refused_by_every_client_and_copy():
    with pytest.raises(ConfigurationError, match="aiohttp"):
        AsyncClient(api_key=API_KEY).with_options(http_client=object())
    with pytest.raises(ConfigurationError, match="aiohttp"):
        AzureClient(
            azure_endpoint="https://x.openai.azure.com",
            api_version="2024-10-21",
            api_key=API_KEY,
            http_client=object(),
        )


def test_data_residency_picks_the_regional_endpoint():
    assert AsyncClient(api_key=API_KEY, data_residency="eu").base_url == (
        "https://eu.api.openai.com/v1"
    )
    with pytest.raises(ConfigurationError, match="data_residency"):
        AsyncClient(api_key=API_KEY, data_residency="mars")
    with pytest.raises(ConfigurationError, match="not both"):
        AsyncClient(api_key=API_KEY, data_residency="eu", base_url="https://x.test/v1")


def test_the_official_client_names():
    assert openai_async.OpenAI is Client
    assert openai_async.AsyncOpenAI is AsyncClient
    assert openai_async.AzureOpenAI is AzureClient
    assert openai_async.AsyncAzureOpenAI is AsyncAzureClient
    assert AsyncClient.copy is AsyncClient.with_options
    assert Client.copy is Client.with_options and AzureClient.copy is AzureClient.with_options


def test_a_sync_status_error_has_the_request_and_the_response(threaded_server):
    threaded_server.add_fault(Fault.status(500, message="down"))
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url, max_retries=0)
    with client, pytest.raises(InternalServerError) as info:
        client.models.list()
    error = info.value
    assert error.request is not None and error.request.headers["Authorization"] == "<redacted>"
    assert error.response.status_code == 500
    assert error.body == error.response.json()["error"]
    assert error.body["message"] == "down"
