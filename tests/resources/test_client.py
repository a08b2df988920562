"""AsyncClient's core behaviours, proved through a real socket against the local server."""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import re
import socket
import subprocess
import sys
import textwrap
import warnings
import weakref

import aiohttp
import orjson
import pytest

import openai_async
from openai_async import (
    NOT_GIVEN,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    Timeout,
    UnprocessableEntityError,
)
from openai_async.testing import Fault, LocalServer

pytestmark = pytest.mark.anyio

# The same values as tests/conftest.py (not importable under --import-mode=importlib).
API_KEY = "sk-test-0123456789"
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0)
MESSAGES = [{"role": "user", "content": "Hi"}]
MODEL = "gpt-4o"


def make(server: LocalServer, **options) -> AsyncClient:
    options.setdefault("api_key", API_KEY)
    options.setdefault("retry_policy", FAST_RETRIES)
    return AsyncClient(base_url=server.base_url, **options)


async def chat(client: AsyncClient, **params):
    return await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, **params)


def retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The waits the client chose, from its retry log records."""
    return [r.retry_delay for r in caplog.records if hasattr(r, "retry_delay")]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def open_server():
    """A server that accepts any API key."""
    async with LocalServer() as srv:
        yield srv


@pytest.fixture
def retry_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="openai_async")
    return caplog


# -- construction --------------------------------------------------------------------------


async def test_settings_come_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    async with AsyncClient() as client:
        await client.models.retrieve(MODEL)
    headers = server.requests[0].headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["OpenAI-Organization"] == "org-env"
    assert headers["OpenAI-Project"] == "proj-env"


async def test_arguments_win_over_the_environment(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    async with make(server, organization="org-arg") as client:
        await client.models.retrieve(MODEL)
    assert server.requests[0].headers["OpenAI-Organization"] == "org-arg"


@pytest.mark.parametrize("env_value", [None, ""])
def test_a_missing_key_fails_at_construction(monkeypatch, env_value):
    if env_value is not None:
        monkeypatch.setenv("OPENAI_API_KEY", env_value)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        AsyncClient()


def test_a_key_with_a_trailing_newline_is_refused_without_echoing_it():
    with pytest.raises(ConfigurationError, match="newline") as info:
        AsyncClient(api_key=API_KEY + "\n")
    assert API_KEY not in str(info.value)


async def test_a_sync_key_provider_is_called_per_request(open_server):
    keys = iter(["sk-one", "sk-two"])
    async with make(open_server, api_key=lambda: next(keys)) as client:
        await client.models.retrieve(MODEL)
        await client.models.retrieve(MODEL)
    sent = [r.headers["Authorization"] for r in open_server.requests]
    assert sent == ["Bearer sk-one", "Bearer sk-two"]


async def test_an_async_key_provider_is_awaited_per_request(open_server):
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return f"sk-async-{calls}"

    async with make(open_server, api_key=provider) as client:
        await client.models.retrieve(MODEL)
        await client.models.retrieve(MODEL)
    sent = [r.headers["Authorization"] for r in open_server.requests]
    assert sent == ["Bearer sk-async-1", "Bearer sk-async-2"]


async def test_a_key_provider_returning_nothing_is_a_configuration_error(open_server):
    async with make(open_server, api_key=lambda: "") as client:
        with pytest.raises(ConfigurationError):
            await client.models.retrieve(MODEL)
    assert open_server.requests == []


@pytest.mark.parametrize("value", [-1, 1.5, True, "2", None])
def test_bad_max_retries_are_refused(value):
    with pytest.raises(ConfigurationError, match="max_retries"):
        AsyncClient(api_key=API_KEY, max_retries=value)


@pytest.mark.parametrize("value", [0, -1, math.nan, "5", True, object()])
def test_bad_timeouts_are_refused(value):
    with pytest.raises(ConfigurationError):
        AsyncClient(api_key=API_KEY, timeout=value)


def test_bad_timeout_fields_are_refused():
    with pytest.raises(ConfigurationError, match=r"Timeout\.read"):
        Timeout(read=-1)


@pytest.mark.parametrize("url", ["ftp://example.com", "example.com/v1", "http://", "http://[::1"])
def test_bad_base_urls_are_refused(url):
    with pytest.raises(ConfigurationError, match="base_url"):
        AsyncClient(api_key=API_KEY, base_url=url)


async def test_with_options_and_per_call_options_are_validated_too(client):
    with pytest.raises(ConfigurationError):
        client.with_options(max_retries=-1)
    with pytest.raises(ConfigurationError):
        await client.models.retrieve(MODEL, max_retries=-1)
    with pytest.raises(ConfigurationError):
        await client.models.retrieve(MODEL, timeout=-1)


def test_the_key_is_not_in_the_repr():
    client = AsyncClient(api_key=API_KEY, organization="org-1")
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(client.with_options(max_retries=1))
    assert API_KEY not in repr(client.chat.completions)
    assert "org-1" in repr(client)


async def test_the_key_is_not_in_errors(server):
    secret = "sk-wrong-secret-9876"
    async with make(server, api_key=secret) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.models.retrieve(MODEL)
    error = info.value
    assert error.status_code == 401
    for text in (str(error), repr(error), repr(error.args), repr(error.body)):
        assert secret not in text


async def test_the_key_is_not_in_debug_logs(server, caplog):
    caplog.set_level(logging.DEBUG, logger="openai_async")
    server.add_fault(Fault.status(500))
    async with make(server) as client:
        await client.models.retrieve(MODEL)
    records = [r for r in caplog.records if r.name.startswith("openai_async")]
    assert len(records) >= 4  # two requests, two responses, one retry
    for record in records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in repr(record.args)


# -- headers, query and body ---------------------------------------------------------------


async def test_standard_headers(client, server):
    await chat(client)
    await client.models.retrieve(MODEL)
    post, get = server.requests
    assert post.headers["Authorization"] == f"Bearer {API_KEY}"
    assert post.headers["User-Agent"].startswith(f"openai_async/{openai_async.__version__}")
    assert post.headers["Content-Type"] == "application/json"
    assert "Content-Type" not in get.headers
    for request in (post, get):
        assert "OpenAI-Organization" not in request.headers
        assert "OpenAI-Project" not in request.headers


async def test_organization_and_project_headers_when_set(server):
    async with make(server, organization="org-1", project="proj-1") as client:
        await client.models.retrieve(MODEL)
    headers = server.requests[0].headers
    assert headers["OpenAI-Organization"] == "org-1"
    assert headers["OpenAI-Project"] == "proj-1"


async def test_default_headers_and_default_query(server):
    async with make(
        server,
        default_headers={"X-Gateway": "gw", "user-agent": "mine/1.0"},
        default_query={"api-version": "2024-10-21"},
    ) as client:
        await client.models.retrieve(MODEL)
    request = server.requests[0]
    assert request.headers["X-Gateway"] == "gw"
    assert request.headers.getall("User-Agent") == ["mine/1.0"]
    assert request.query == {"api-version": "2024-10-21"}


async def test_extra_headers_add_override_and_remove(open_server):
    async with make(open_server, organization="org-1") as client:
        await client.models.retrieve(
            MODEL,
            extra_headers={
                "X-Trace": "t-1",
                "authorization": "Bearer sk-override",
                "OpenAI-Organization": NOT_GIVEN,
            },
        )
    headers = open_server.requests[0].headers
    assert headers["X-Trace"] == "t-1"
    assert headers.getall("Authorization") == ["Bearer sk-override"]
    assert "OpenAI-Organization" not in headers


async def test_extra_query_merges_over_default_query(server):
    async with make(server, default_query={"a": "1", "b": "2"}) as client:
        await client.models.retrieve(MODEL, extra_query={"b": "3", "flag": True, "gone": None})
    assert server.requests[0].query == {"a": "1", "b": "3", "flag": "true"}


async def test_extra_body_is_merged_over_the_body(client, server):
    await chat(client, temperature=0.5, extra_body={"temperature": 0.1, "top_k": 5})
    body = server.requests[0].json()
    assert body["temperature"] == 0.1
    assert body["top_k"] == 5
    assert body["model"] == "gpt-4o-mini"


async def test_omitted_parameters_are_absent_and_none_is_null(client, server):
    await chat(client, temperature=None, top_p=NOT_GIVEN)
    body = server.requests[0].json()
    assert "temperature" in body
    assert body["temperature"] is None
    assert "top_p" not in body
    assert "stream" not in body
    assert set(body) == {"model", "messages", "temperature"}


async def test_an_unsendable_header_is_an_invalid_request(client, server):
    with pytest.raises(InvalidRequestError):
        await client.models.retrieve(MODEL, extra_headers={"X-Bad": "a\r\nInjected: 1"})
    assert server.requests == []


# -- with_options ---------------------------------------------------------------------------


async def test_with_options_shares_one_transport_and_session(client, server, monkeypatch):
    created = []
    real = aiohttp.ClientSession

    def counting(*args, **kwargs):
        created.append(real(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(aiohttp, "ClientSession", counting)
    await client.models.retrieve(MODEL)
    for i in range(20):
        copy = client.with_options(max_retries=i % 3, default_headers={"X-I": str(i)})
        assert copy._transport is client._transport
        await copy.models.retrieve(MODEL)
    assert len(created) == 1
    assert copy._transport._session is client._transport._session
    assert len(server.requests) == 21


async def test_with_options_reuses_pooled_connections(server):
    connections = []

    async def on_connect(session, ctx, params):
        connections.append(params)

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(on_connect)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = make(server, session=session)
        for i in range(10):
            await client.with_options(timeout=5.0 + i).models.retrieve(MODEL)
        await client.aclose()
    assert len(server.requests) == 10
    assert len(connections) == 1


async def test_with_options_overrides_apply_to_the_copy_only(client, server):
    copy = client.with_options(default_headers={"X-Copy": "1"}, max_retries=0)
    await copy.models.retrieve(MODEL)
    await client.models.retrieve(MODEL)
    assert server.requests[0].headers["X-Copy"] == "1"
    assert "X-Copy" not in server.requests[1].headers

    server.add_fault(Fault.status(500))
    with pytest.raises(InternalServerError):
        await copy.models.retrieve(MODEL)
    server.add_fault(Fault.status(500))
    await client.models.retrieve(MODEL)  # the original still retries
    assert len(server.requests) == 5


async def test_with_options_timeout_override(client, server):
    fast = client.with_options(timeout=Timeout(read=0.05), max_retries=0)
    server.add_fault(Fault.delay(0.5))
    with pytest.raises(APITimeoutError):
        await fast.models.retrieve(MODEL)
    assert client.timeout == Timeout()


async def test_with_options_base_url_override(client, server):
    other = client.with_options(base_url=server.base_url.replace("/v1", "/v2/"))
    with pytest.raises(NotFoundError):
        await other.models.retrieve(MODEL)
    assert server.requests[0].path == f"/v2/models/{MODEL}"


# -- retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 408, 409, 500, 502, 503])
async def test_transient_statuses_are_retried(client, server, status):
    server.add_fault(Fault.status(status))
    server.add_fault(Fault.status(status))
    model = await client.models.retrieve(MODEL)
    assert model.id == MODEL
    assert len(server.requests) == 3


def _error_body(status: int) -> bytes:
    return orjson.dumps(
        {
            "error": {
                "message": f"nope {status}",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": f"code_{status}",
            }
        }
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, UnprocessableEntityError),
    ],
)
async def test_client_errors_are_not_retried_and_fully_described(client, server, status, cls):
    server.add_fault(
        Fault.status(status, body=_error_body(status), content_type="application/json")
    )
    with pytest.raises(cls) as info:
        await client.models.retrieve(MODEL)
    error = info.value
    assert len(server.requests) == 1
    assert error.status_code == status
    assert error.message == f"Error code: {status} - nope {status}"
    assert (error.code, error.type, error.param) == (
        f"code_{status}",
        "invalid_request_error",
        "temperature",
    )
    assert error.request_id == "req_1"
    assert error.headers["x-request-id"] == "req_1"
    assert error.body == orjson.loads(_error_body(status))["error"]
    assert error.response.status_code == status
    assert error.response.json() == orjson.loads(_error_body(status))
    assert error.response.content == _error_body(status)
    assert error.rate_limit is not None
    assert error.rate_limit.remaining_requests == 9999
    assert error.rate_limit.reset_tokens == 60.0


async def test_insufficient_quota_is_not_retried(client, server):
    server.add_fault(Fault.status(429, error_code="insufficient_quota"))
    with pytest.raises(RateLimitError) as info:
        await client.models.retrieve(MODEL)
    assert info.value.code == "insufficient_quota"
    assert len(server.requests) == 1


async def test_x_should_retry_true_retries_a_400(client, server):
    server.add_fault(Fault.status(400, should_retry=True))
    await client.models.retrieve(MODEL)
    assert len(server.requests) == 2


async def test_x_should_retry_false_stops_a_500(client, server):
    server.add_fault(Fault.status(500, should_retry=False))
    with pytest.raises(InternalServerError):
        await client.models.retrieve(MODEL)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.status(429, retry_after_ms=30), 0.03),
        (Fault.status(503, retry_after=0.04), 0.04),
        (Fault.status(429, retry_after=0.02, retry_after_ms=50), 0.05),  # the ms header wins
        (Fault.status(429, retry_after=-5, retry_after_date=True), 0.0),  # a date in the past
    ],
)
async def test_the_server_requested_wait_is_used(client, server, retry_log, fault, expected):
    server.add_fault(fault)
    await client.models.retrieve(MODEL)
    assert retry_delays(retry_log) == [pytest.approx(expected)]
    assert len(server.requests) == 2


@pytest.mark.parametrize("as_date", [False, True])
async def test_a_wait_above_max_retry_after_is_not_retried(server, as_date):
    policy = RetryPolicy(base_delay=0.01, max_delay=0.05, max_retry_after=5)
    server.add_fault(Fault.status(429, retry_after=30, retry_after_date=as_date))
    async with make(server, retry_policy=policy) as client:
        with pytest.raises(RateLimitError) as info:
            await client.models.retrieve(MODEL)
    assert len(server.requests) == 1
    assert "Retry-After" in info.value.headers


async def test_max_retries_zero_per_call(client, server):
    server.add_fault(Fault.status(503))
    with pytest.raises(InternalServerError):
        await client.models.retrieve(MODEL, max_retries=0)
    assert len(server.requests) == 1


# POST: aiohttp itself resends an idempotent request (GET) once on a dropped connection.


async def test_a_dropped_connection_is_retried(client, server):
    server.add_fault(Fault.drop())
    result = await chat(client)
    assert result.choices[0].message.content
    assert len(server.requests) == 2


async def test_a_connection_that_keeps_dropping_gives_up_after_max_retries(server):
    for _ in range(5):
        server.add_fault(Fault.drop())
    async with make(server, max_retries=2) as client:
        with pytest.raises(APIConnectionError) as info:
            await chat(client)
    assert not isinstance(info.value, APITimeoutError)
    assert len(server.requests) == 3


async def test_backoff_grows_exponentially_and_is_capped(server, retry_log):
    policy = RetryPolicy(base_delay=0.005, max_delay=0.015, jitter=0.0)
    for _ in range(4):
        server.add_fault(Fault.status(500))
    async with make(server, retry_policy=policy, max_retries=4) as client:
        await client.models.retrieve(MODEL)
    assert retry_delays(retry_log) == pytest.approx([0.005, 0.01, 0.015, 0.015])


# -- timeouts ---------------------------------------------------------------------------------


async def test_a_read_timeout_is_retried_then_raised(server):
    server.add_fault(Fault.delay(1.0))
    server.add_fault(Fault.delay(1.0))
    async with make(server, timeout=Timeout(read=0.05), max_retries=1) as client:
        with pytest.raises(APITimeoutError) as info:
            await client.models.retrieve(MODEL)
    assert len(server.requests) == 2
    assert info.value.request is not None and info.value.request.method == "GET"


async def test_a_read_timeout_then_success(server):
    server.add_fault(Fault.delay(60))  # never answered in time; the retry is answered at once
    async with make(server, timeout=Timeout(read=0.5)) as client:
        assert (await client.models.retrieve(MODEL)).id == MODEL
    assert len(server.requests) == 2


async def test_a_number_is_a_limit_per_attempt(server):
    # As in the official SDK: a number bounds each attempt, so a stalled attempt is retried.
    server.add_fault(Fault.delay(3.0))
    async with make(server, timeout=0.5, max_retries=1) as client:
        assert client.timeout == Timeout(connect=0.5, read=0.5, stream_idle=0.5, total=None)
        assert (await client.models.retrieve(MODEL)).id == MODEL
        assert len(server.requests) == 2
        server.add_fault(Fault.delay(3.0))
        stream = await chat(client, stream=True)  # a stream's first attempt too
        assert [c async for c in stream]
    assert len(server.requests) == 4


async def test_a_stalled_attempt_is_not_retried_past_the_total_deadline(server):
    server.add_fault(Fault.delay(3.0))
    async with make(server, timeout=Timeout(read=None, total=0.3), max_retries=5) as client:
        with pytest.raises(APITimeoutError, match="total deadline"):
            await client.models.retrieve(MODEL)
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [500, 429])
async def test_the_total_deadline_bounds_retries(server, status):
    # The server asks for a wait longer than what is left of the deadline: no retry at all.
    for _ in range(3):
        server.add_fault(Fault.status(status, retry_after=5.0))
    policy = RetryPolicy(base_delay=0.01, max_retry_after=60.0)
    async with make(
        server, timeout=Timeout(total=3.0), max_retries=10, retry_policy=policy
    ) as client:
        with pytest.raises(APITimeoutError, match="leaves no time") as info:
            await client.models.retrieve(MODEL)
    assert len(server.requests) == 1
    assert isinstance(info.value.__cause__, APIStatusError)
    assert info.value.request_id == "req_1"


async def test_the_total_deadline_cuts_a_slow_response(server):
    server.add_fault(Fault.delay(3.0))
    async with make(server, timeout=Timeout(total=0.2)) as client:
        with pytest.raises(APITimeoutError):
            await client.models.retrieve(MODEL)
    assert len(server.requests) == 1


async def test_a_per_call_timeout_overrides_the_client(server):
    async with make(server, timeout=Timeout(read=0.05), max_retries=0) as client:
        server.add_fault(Fault.delay(0.2))
        assert (await client.models.retrieve(MODEL, timeout=5.0)).id == MODEL
        server.add_fault(Fault.delay(1.0))
        with pytest.raises(APITimeoutError):
            await client.with_options(timeout=5.0).models.retrieve(
                MODEL, timeout=Timeout(read=0.05)
            )


# -- errors -------------------------------------------------------------------------------------


async def test_an_html_502_keeps_the_page_and_reads_well(client, server):
    server.add_fault(Fault.html(502))
    with pytest.raises(InternalServerError) as info:
        await client.models.retrieve(MODEL, max_retries=0)
    error = info.value
    assert error.status_code == 502
    assert isinstance(error.body, str)
    assert "<center><h1>502 Bad Gateway</h1></center>" in error.body
    assert error.message == "Error code: 502 - 502 Bad Gateway"
    assert error.code is None


async def test_an_unknown_4xx_is_a_plain_status_error(client, server):
    server.add_fault(Fault.status(418))
    with pytest.raises(APIStatusError) as info:
        await client.models.retrieve(MODEL)
    assert type(info.value) is APIStatusError
    assert info.value.status_code == 418
    assert len(server.requests) == 1


async def test_a_200_that_is_not_json(client, server):
    server.add_fault(Fault.status(200, body="<p>maintenance</p>", content_type="text/html"))
    with pytest.raises(APIResponseValidationError) as info:
        await client.models.retrieve(MODEL)
    assert info.value.raw == "<p>maintenance</p>"
    assert info.value.request_id == "req_1"


async def test_a_200_that_does_not_match_the_model_keeps_the_text(client, server):
    text = '["not", "a", "model", "object"]'
    server.add_fault(Fault.status(200, body=text, content_type="application/json"))
    with pytest.raises(APIResponseValidationError) as info:
        await client.models.retrieve(MODEL)
    assert info.value.raw == text
    assert "Model" in info.value.message


async def test_broken_json_on_a_plain_request(client, server):
    server.add_fault(Fault.malformed(0))
    with pytest.raises(APIResponseValidationError) as info:
        await chat(client)
    assert info.value.raw.startswith('{"id": "chatcmpl-broken"')


@pytest.mark.parametrize(
    "fault",
    [
        Fault.html(503),
        Fault.status(200, body=b"\xff\xfe", content_type="application/json"),
        Fault.status(200, body="[1, 2]", content_type="application/json"),
        Fault.status(500, body="", content_type="application/json"),
        Fault.malformed(0),
        Fault.drop(),
        Fault.delay(1.0),
    ],
    ids=lambda f: f.kind,
)
async def test_only_sdk_exceptions_escape(server, fault):
    server.add_fault(fault)
    async with make(server, timeout=Timeout(read=0.05), max_retries=0) as client:
        with pytest.raises(OpenAIError) as info:
            await chat(client)
    assert type(info.value).__module__.startswith("openai_async.")


async def test_a_closed_port_is_a_connection_error():
    async with AsyncClient(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.models.retrieve(MODEL)
    assert not isinstance(info.value, APITimeoutError)
    assert API_KEY not in str(info.value)


# -- response info --------------------------------------------------------------------------


async def test_results_carry_response_info(client, server):
    result = await chat(client)
    info = result.response_info
    assert info is not None
    assert info.status_code == 200
    assert info.request_id == result.request_id == "req_1"
    assert info.headers["Content-Type"].startswith("application/json")
    assert info.method == "POST"
    assert info.url == f"{server.base_url}/chat/completions"
    limits = info.rate_limit
    assert limits is not None
    assert (limits.limit_requests, limits.remaining_requests) == (10000, 9999)
    assert (limits.limit_tokens, limits.remaining_tokens) == (30000000, 29999000)
    assert limits.reset_requests == pytest.approx(0.006)
    assert limits.reset_tokens == 60.0


async def test_a_response_without_rate_limit_headers(client, server):
    server.rate_limit_headers.clear()
    result = await client.models.retrieve(MODEL)
    assert result.response_info is not None
    assert result.response_info.rate_limit is None


# -- lifecycle -------------------------------------------------------------------------------


async def test_async_with_closes_its_session(server):
    async with make(server) as client:
        await client.models.retrieve(MODEL)
        session = client._transport._session
        assert session is not None and not session.closed
    assert session.closed


async def test_a_closed_client_refuses_requests(server):
    client = make(server)
    copy = client.with_options(max_retries=0)
    await client.models.retrieve(MODEL)
    await client.aclose()
    await client.aclose()  # idempotent
    for c in (client, copy):
        with pytest.raises(ConfigurationError, match="closed"):
            await c.models.retrieve(MODEL)
    assert len(server.requests) == 1


async def test_a_session_passed_in_is_used_and_left_open(server):
    sent = []

    async def on_request(session, ctx, params):
        sent.append(str(params.url))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with make(server, session=session) as client:
            await client.models.retrieve(MODEL)
        assert not session.closed
        assert sent == [f"{server.base_url}/models/{MODEL}"]
        async with session.get(f"{server.base_url}/models", headers={"Authorization": ""}) as r:
            assert r.status == 401  # still usable by its owner


async def test_a_dropped_client_is_closed_without_warnings(server):
    client = make(server)
    await client.models.retrieve(MODEL)  # creates the session, and the resource cycle
    session = weakref.ref(client._transport._session)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
        await asyncio.sleep(0.05)
        gc.collect()
    assert [str(w.message) for w in caught] == []
    assert session() is None or session().closed


def test_an_unclosed_client_at_asyncio_run_exit_is_silent():
    script = textwrap.dedent(
        """
        import asyncio
        from openai_async import AsyncClient
        from openai_async.testing import LocalServer

        with LocalServer.threaded(api_key="sk-x") as server:
            async def main():
                global client
                client = AsyncClient(api_key="sk-x", base_url=server.base_url)
                await client.models.retrieve("gpt-4o")

            asyncio.run(main())
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-X", "dev", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
    )
    # -X dev turns on asyncio debug mode, which reports slow callbacks on a loaded machine.
    slow = re.compile(r"Executing <.*> took [0-9.]+ seconds")
    stderr = [line for line in result.stderr.splitlines() if not slow.fullmatch(line)]
    assert stderr == []
    assert result.returncode == 0
    assert result.stdout == "done\n"


def test_a_client_works_across_successive_asyncio_runs(threaded_server):
    client = make(threaded_server)
    sessions = []

    async def use() -> str:
        model = await client.models.retrieve(MODEL)
        sessions.append(client._transport._session)
        return model.id

    assert asyncio.run(use()) == MODEL
    assert asyncio.run(use()) == MODEL
    assert sessions[0] is not sessions[1]
    assert sessions[0].closed  # the first loop closed its session on the way out
    asyncio.run(client.aclose())
    assert sessions[1].closed


def test_aiohttp_loads_with_the_first_request_not_with_the_client():
    """Building a client (async or sync) leaves aiohttp unloaded: a short script that only
    configures a client never pays for it. The first request loads it."""
    code = textwrap.dedent(
        """
        import asyncio, socket, sys
        import openai_async
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # nothing listens there: the connection is refused
        base = f"http://127.0.0.1:{port}/v1"
        client = openai_async.AsyncClient(api_key="k", base_url=base, max_retries=0)
        openai_async.Client(api_key="k", base_url=base).close()
        client.with_options(timeout=5).chat.completions
        print("aiohttp" in sys.modules)
        async def main():
            try:
                await client.models.retrieve("m")
            except openai_async.APIConnectionError:
                pass
            await client.aclose()
        asyncio.run(main())
        print("aiohttp" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
