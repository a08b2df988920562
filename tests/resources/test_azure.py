"""AsyncAzureClient / AzureClient against the local server in Azure mode, through a real socket.

Every family of operations is routed: deployment-scoped paths go to
/openai/deployments/{deployment}/..., everything else to /openai/...; each request
carries api-version and exactly one credential header.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest

from openai_async import (
    APIResponseValidationError,
    AsyncAzureClient,
    AsyncClient,
    AuthenticationError,
    AzureClient,
    BadRequestError,
    Client,
    ConfigurationError,
    ContentFilterError,
    InvalidRequestError,
    NotFoundError,
    RequestOptions,
    RetryPolicy,
)
from openai_async.lib.azure import (
    ContentFilterResults,
    content_filter_results,
    prompt_filter_results,
)
from openai_async.models import ChatCompletionChunk
from openai_async.testing import Fault, LocalServer, Reply

pytestmark = pytest.mark.anyio

KEY = "azure-key-0123456789"
VERSION = "2024-10-21"
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0)
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
OK = Fault.status(200, body=b'{"ok": true}', content_type="application/json")

# Paths Azure serves per deployment (the SDK's table is checked against this list).
DEPLOYMENT_SCOPED = [
    "/chat/completions",
    "/completions",
    "/embeddings",
    "/audio/transcriptions",
    "/audio/translations",
    "/audio/speech",
    "/images/generations",
    "/images/edits",
]
# One or more operations of every family Azure serves resource-wide (as in the Azure
# Assistants reference: /openai/assistants?api-version=..., and so on).
RESOURCE_WIDE = [
    ("POST", "/assistants"),
    ("GET", "/assistants"),
    ("GET", "/assistants/asst_1"),
    ("POST", "/assistants/asst_1"),
    ("DELETE", "/assistants/asst_1"),
    ("POST", "/assistants/asst_1/files"),
    ("GET", "/assistants/asst_1/files"),
    ("GET", "/assistants/asst_1/files/file_1"),
    ("DELETE", "/assistants/asst_1/files/file_1"),
    ("POST", "/threads"),
    ("POST", "/threads/thread_1/messages"),
    ("POST", "/threads/thread_1/runs"),
    ("GET", "/threads/thread_1/runs/run_1/steps"),
    ("POST", "/threads/runs"),
    ("POST", "/files"),
    ("GET", "/files/file_1/content"),
    ("POST", "/vector_stores"),
    ("POST", "/vector_stores/vs_1/file_batches"),
    ("POST", "/batches"),
    ("POST", "/batches/batch_1/cancel"),
    ("GET", "/models"),
    ("POST", "/fine_tuning/jobs"),
    ("POST", "/responses"),
]

FILTER_VERDICTS = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": True, "severity": "medium"},
}


@pytest.fixture(autouse=True)
def _no_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def azure() -> AsyncIterator[LocalServer]:
    async with LocalServer(api_key=KEY, azure=True) as srv:
        yield srv


def make(server: LocalServer, **options: Any) -> AsyncAzureClient:
    if not {"api_key", "azure_ad_token", "azure_ad_token_provider"} & options.keys():
        options["api_key"] = KEY
    options.setdefault("api_version", VERSION)
    options.setdefault("retry_policy", FAST_RETRIES)
    if "base_url" not in options:
        options.setdefault("azure_endpoint", server.azure_endpoint)
    return AsyncAzureClient(**options)


@pytest.fixture
async def client(azure: LocalServer) -> AsyncIterator[AsyncAzureClient]:
    async with make(azure) as c:
        yield c


def last(server: LocalServer) -> Any:
    return server.requests[-1]


# -- construction ------------------------------------------------------------------------


async def test_settings_come_from_the_azure_environment(azure, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", azure.azure_endpoint + "/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", VERSION)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-be-used")
    async with AsyncAzureClient() as client:
        assert client.base_url == azure.azure_endpoint + "/openai"
        assert client.api_version == VERSION
        await client.models.list()
    request = last(azure)
    assert request.path == "/openai/models"
    assert request.query == {"api-version": VERSION}
    assert request.headers["api-key"] == KEY
    assert "Authorization" not in request.headers


@pytest.mark.parametrize(
    "credentials",
    [
        {"api_key": KEY, "azure_ad_token": "tok"},
        {"api_key": KEY, "azure_ad_token_provider": lambda: "tok"},
        {"azure_ad_token": "tok", "azure_ad_token_provider": lambda: "tok"},
    ],
)
def test_exactly_one_credential_kind(credentials):
    with pytest.raises(ConfigurationError, match="exactly one credential") as caught:
        AsyncAzureClient(
            azure_endpoint="https://x.openai.azure.com", api_version=VERSION, **credentials
        )
    assert KEY not in str(caught.value)


def test_missing_settings_are_clear_errors(monkeypatch):
    endpoint = "https://x.openai.azure.com"
    with pytest.raises(ConfigurationError, match="no Azure credential"):
        AsyncAzureClient(azure_endpoint=endpoint, api_version=VERSION)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # an OpenAI key is not an Azure credential
    with pytest.raises(ConfigurationError, match="no Azure credential"):
        AsyncAzureClient(azure_endpoint=endpoint, api_version=VERSION)
    with pytest.raises(ConfigurationError, match="no Azure endpoint"):
        AsyncAzureClient(api_key=KEY, api_version=VERSION)
    with pytest.raises(ConfigurationError, match="no API version"):
        AsyncAzureClient(api_key=KEY, azure_endpoint=endpoint)
    with pytest.raises(ConfigurationError, match="not both"):
        AsyncAzureClient(
            api_key=KEY, api_version=VERSION, azure_endpoint=endpoint, base_url=endpoint + "/x"
        )
    with pytest.raises(ConfigurationError, match="azure_deployment"):
        AsyncAzureClient(
            api_key=KEY, api_version=VERSION, azure_endpoint=endpoint, azure_deployment=""
        )
    with pytest.raises(ConfigurationError, match="azure_ad_token_provider"):
        AsyncAzureClient(
            api_version=VERSION,
            azure_endpoint=endpoint,
            azure_ad_token_provider="tok",  # type: ignore[arg-type]
        )


async def test_an_explicit_token_wins_over_the_key_in_the_environment(azure, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key")
    azure.api_key = "entra-token"
    async with make(azure, azure_ad_token="entra-token") as client:
        await client.models.list()
    assert last(azure).headers["Authorization"] == "Bearer entra-token"
    assert "api-key" not in last(azure).headers


def test_credentials_never_appear_in_reprs():
    client = AsyncAzureClient(
        azure_endpoint="https://x.openai.azure.com", api_version=VERSION, api_key=KEY
    )
    assert KEY not in repr(client)
    assert "azure_deployment=None" in repr(client)
    assert KEY not in repr(client.with_options(azure_ad_token="tok-secret"))
    assert "tok-secret" not in repr(client.with_options(azure_ad_token="tok-secret"))


# -- routing: every family ---------------------------------------------------------------


def test_the_deployment_table_is_the_reviewed_one():
    from openai_async._azure import DEPLOYMENT_PATHS

    assert sorted(DEPLOYMENT_PATHS) == sorted(DEPLOYMENT_SCOPED)


@pytest.mark.parametrize("path", DEPLOYMENT_SCOPED)
async def test_deployment_scoped_paths_go_to_the_deployment(azure, client, path):
    azure.add_fault(OK)
    data, _ = await client.request_json("POST", path, body={"model": "gpt-4o-prod"})
    assert data == {"ok": True}
    request = last(azure)
    assert request.path == f"/openai/deployments/gpt-4o-prod{path}"
    assert request.query == {"api-version": VERSION}
    assert request.headers["api-key"] == KEY
    assert "Authorization" not in request.headers


@pytest.mark.parametrize(("method", "path"), RESOURCE_WIDE)
async def test_everything_else_goes_under_openai(azure, method, path):
    async with make(azure, azure_deployment="must-not-appear") as client:
        azure.add_fault(OK)
        body = {"model": "gpt-4o"} if method == "POST" else None
        data, _ = await client.request_json(method, path, body=body)
    assert data == {"ok": True}
    request = last(azure)
    assert (request.method, request.path) == (method, f"/openai{path}")
    assert request.query == {"api-version": VERSION}


async def test_real_resources_route_through_the_deployment(azure, client):
    reply = await client.chat.completions.create(model="chat-dep", messages=MESSAGES)
    assert reply.choices[0].message.content
    assert last(azure).path == "/openai/deployments/chat-dep/chat/completions"
    completion = await client.completions.create(model="text-dep", prompt="Say hi")
    assert completion.choices[0].text
    assert last(azure).path == "/openai/deployments/text-dep/completions"
    vectors = await client.embeddings.create(model="emb-dep", input=["a", "b"])
    assert len(vectors.data) == 2 and isinstance(vectors.data[0].embedding[0], float)
    assert last(azure).path == "/openai/deployments/emb-dep/embeddings"
    models = await client.models.list()
    assert {m.id for m in models.data} >= {"gpt-4o"}
    assert last(azure).path == "/openai/models"
    assert all(r.query == {"api-version": VERSION} for r in azure.requests)


async def test_a_streamed_chat_goes_through_the_deployment(azure, client):
    azure.add_reply(Reply("Hello from Azure"))
    stream = await client.chat.completions.create(model="dep", messages=MESSAGES, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "Hello from Azure"
    assert last(azure).path == "/openai/deployments/dep/chat/completions"
    assert last(azure).headers["Accept"] == "text/event-stream"


async def test_the_deployment_is_azure_deployment_then_mapper_then_model(azure):
    async with make(azure, azure_deployment="fixed", deployment_for=str.upper) as client:
        await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert last(azure).path == "/openai/deployments/fixed/chat/completions"
    async with make(azure, deployment_for=lambda model: f"{model}-eastus") as client:
        await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert last(azure).path == "/openai/deployments/gpt-4o-eastus/chat/completions"
        # extra_body can rename the model, and so the deployment.
        await client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, extra_body={"model": "o1"}
        )
        assert last(azure).path == "/openai/deployments/o1-eastus/chat/completions"
    async with make(azure) as client:
        await client.chat.completions.create(model="my deployment/1", messages=MESSAGES)
    # Percent-encoded: a model name cannot change the route (the server splits the raw path).
    assert last(azure).path == "/openai/deployments/my deployment/1/chat/completions"


async def test_no_deployment_is_a_clear_error_before_any_request(azure, client):
    with pytest.raises(InvalidRequestError, match="azure_deployment"):
        await client.request_json("POST", "/audio/speech", body={"input": "hi"})
    async with make(azure, deployment_for=lambda model: 42) as mapped:  # type: ignore[arg-type,return-value]
        with pytest.raises(InvalidRequestError, match="deployment"):
            await mapped.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert azure.requests == []


async def test_the_local_server_refuses_wrong_azure_routes(azure):
    # The routing tests above mean something only if a wrong route fails.
    async with AsyncClient(
        api_key=KEY,
        base_url=azure.azure_endpoint + "/openai",
        default_query={"api-version": VERSION},
    ) as plain:
        with pytest.raises(NotFoundError) as caught:
            await plain.request_json("POST", "/chat/completions", body={"model": "x"})
    assert caught.value.code == "404"
    assert caught.value.type is None  # Azure's own errors have no type
    async with make(azure) as client:
        with pytest.raises(NotFoundError):
            await client.request_json("POST", "/deployments/x/models", body={})
        with pytest.raises(NotFoundError, match="api-version"):
            await client.request_json("GET", "/models", extra_query={"api-version": None})


# -- credentials -------------------------------------------------------------------------


async def test_an_ad_token_is_sent_as_a_bearer_token(azure):
    azure.api_key = "entra-token"
    async with make(azure, azure_ad_token="entra-token") as client:
        await client.chat.completions.create(model="dep", messages=MESSAGES)
    headers = last(azure).headers
    assert headers["Authorization"] == "Bearer entra-token"
    assert "api-key" not in headers


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_token_provider_is_called_for_every_request(kind):
    tokens = iter(["tok-1", "tok-2", "tok-3"])

    def sync_provider() -> str:
        return next(tokens)

    async def async_provider() -> str:
        return next(tokens)

    async with LocalServer(azure=True) as server:
        provider = sync_provider if kind == "sync" else async_provider
        async with make(server, azure_ad_token_provider=provider) as client:
            for _ in range(3):
                await client.models.list()
        sent = [r.headers["Authorization"] for r in server.requests]
        assert sent == ["Bearer tok-1", "Bearer tok-2", "Bearer tok-3"]
        assert all("api-key" not in r.headers for r in server.requests)


async def test_a_key_callable_is_sent_as_api_key():
    keys = iter(["key-1", "key-2"])
    async with LocalServer(azure=True) as server:
        async with make(server, api_key=lambda: next(keys)) as client:
            await client.models.list()
            await client.models.list()
        assert [r.headers["api-key"] for r in server.requests] == ["key-1", "key-2"]
        assert all("Authorization" not in r.headers for r in server.requests)


async def test_a_bad_token_from_the_provider_is_a_clear_error(azure):
    async with make(azure, azure_ad_token_provider=lambda: "") as client:
        with pytest.raises(ConfigurationError, match="non-empty"):
            await client.models.list()
    assert azure.requests == []


async def test_a_refused_key_is_an_authentication_error_in_azure_shape(azure):
    async with make(azure, api_key="wrong-key-987", max_retries=0) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.models.list()
    error = caught.value
    assert error.code == "401" and error.type is None
    assert "Access denied" in error.message
    assert "wrong-key-987" not in str(error)


async def test_with_options_switches_credential_version_and_deployment(azure, client):
    azure.api_key = None
    copy = client.with_options(
        azure_ad_token="tok-9", api_version="2025-01-01-preview", azure_deployment="other"
    )
    assert isinstance(copy, AsyncAzureClient)
    await copy.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    request = last(azure)
    assert request.path == "/openai/deployments/other/chat/completions"
    assert request.query == {"api-version": "2025-01-01-preview"}
    assert request.headers["Authorization"] == "Bearer tok-9"
    assert "api-key" not in request.headers
    # The original is unchanged and shares the connections.
    await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    request = last(azure)
    assert request.path == "/openai/deployments/gpt-4o/chat/completions"
    assert request.query == {"api-version": VERSION}
    assert request.headers["api-key"] == KEY
    assert copy._transport is client._transport
    # default_query replaced: api-version is kept.
    await client.with_options(default_query={"x": "1"}).models.list()
    assert last(azure).query == {"x": "1", "api-version": VERSION}
    with pytest.raises(ConfigurationError, match="exactly one credential"):
        client.with_options(api_key="k", azure_ad_token="t")


async def test_per_call_options_and_query_override_on_azure(azure, client):
    azure.api_key = None
    await client.models.list(options=RequestOptions(api_key="per-call-key"))
    assert last(azure).headers["api-key"] == "per-call-key"
    await client.models.list(extra_query={"api-version": "2024-02-01"})
    assert last(azure).query == {"api-version": "2024-02-01"}
    await client.models.list()
    assert last(azure).headers["api-key"] == KEY
    assert last(azure).query == {"api-version": VERSION}


# -- Azure's content filter ---------------------------------------------------------------


async def test_a_blocked_prompt_raises_content_filter_error(azure, client):
    azure.add_fault(Fault.content_filter(["violence", "jailbreak"]))
    with pytest.raises(ContentFilterError) as caught:
        await client.chat.completions.create(model="dep", messages=MESSAGES)
    error = caught.value
    assert isinstance(error, BadRequestError)
    assert error.status_code == 400
    assert error.code == "content_filter" and error.type is None and error.param == "prompt"
    assert error.inner_error["code"] == "ResponsibleAIPolicyViolation"
    results = error.content_filter_results
    assert isinstance(results, ContentFilterResults)
    assert results.violence is not None and results.violence.severity == "high"
    assert results.filtered_categories == ["violence", "jailbreak"]
    assert results.jailbreak is not None and results.jailbreak.detected is True
    assert len(azure.requests) == 1  # not retried


async def test_other_bad_requests_are_not_content_filter_errors(azure, client):
    azure.add_fault(Fault.status(400, message="Unsupported parameter"))
    with pytest.raises(BadRequestError) as caught:
        await client.chat.completions.create(model="dep", messages=MESSAGES)
    assert not isinstance(caught.value, ContentFilterError)
    no_results = ContentFilterError(
        "x", status_code=400, body={"error": {"code": "content_filter"}}
    )
    assert no_results.content_filter_results is None and no_results.inner_error == {}


async def test_filter_results_of_a_response_are_typed(azure, client):
    prompt_results = [{"prompt_index": 0, "content_filter_results": FILTER_VERDICTS}]
    azure.add_reply(
        Reply(
            "Partial answer",
            finish_reason="content_filter",
            prompt_filter_results=prompt_results,
            content_filter_results=FILTER_VERDICTS,
        )
    )
    reply = await client.chat.completions.create(model="dep", messages=MESSAGES)
    choice = reply.choices[0]
    assert choice.finish_reason == "content_filter"
    assert choice.message.content == "Partial answer"
    (prompt,) = prompt_filter_results(reply)
    assert prompt.prompt_index == 0
    assert prompt.content_filter_results is not None
    assert prompt.content_filter_results.filtered_categories == ["violence"]
    verdicts = content_filter_results(choice)
    assert verdicts is not None and verdicts.hate is not None
    assert verdicts.hate.severity == "safe" and verdicts.violence.filtered  # type: ignore[union-attr]
    # Unknown fields stay reachable and are written back.
    assert reply.to_dict()["prompt_filter_results"] == prompt_results
    plain = await client.chat.completions.create(model="dep", messages=MESSAGES)
    assert prompt_filter_results(plain) == []
    assert content_filter_results(plain.choices[0]) is None


async def test_filter_results_in_a_stream(azure, client):
    prompt_results = [{"prompt_index": 0, "content_filter_results": FILTER_VERDICTS}]
    azure.add_reply(
        Reply(
            "one two",
            finish_reason="content_filter",
            prompt_filter_results=prompt_results,
            content_filter_results=FILTER_VERDICTS,
        )
    )
    stream = await client.chat.completions.create(model="dep", messages=MESSAGES, stream=True)
    chunks: list[ChatCompletionChunk] = [c async for c in stream]
    first = chunks[0]
    assert first.choices == [] and first.id == ""  # Azure's prompt-results chunk
    assert prompt_filter_results(first)[0].content_filter_results is not None
    content = [c for c in chunks[1:] if c.choices]
    assert all(content_filter_results(c.choices[0]) is not None for c in content)
    assert content[-1].choices[0].finish_reason == "content_filter"
    assert "".join(c.choices[0].delta.content or "" for c in content) == "one two"


async def test_malformed_filter_results_are_a_validation_error(azure, client):
    azure.add_reply(Reply("x", content_filter_results={"hate": "not an object"}))
    reply = await client.chat.completions.create(model="dep", messages=MESSAGES)
    with pytest.raises(APIResponseValidationError, match="content-filter"):
        content_filter_results(reply.choices[0])


async def test_older_prompt_annotations_are_read_too(azure, client):
    annotations = [{"prompt_index": 1, "content_filter_results": FILTER_VERDICTS}]
    azure.add_reply(Reply("x", extra_fields={"prompt_annotations": annotations}))
    reply = await client.chat.completions.create(model="dep", messages=MESSAGES)
    assert [p.prompt_index for p in prompt_filter_results(reply)] == [1]


# -- the sync AzureClient (generated) -----------------------------------------------------


def test_the_sync_client_has_the_async_clients_settings():
    sync_params = inspect.signature(AzureClient).parameters
    assert list(sync_params) == list(inspect.signature(AsyncAzureClient).parameters)
    sync_options = inspect.signature(AzureClient.with_options).parameters
    assert list(sync_options) == list(inspect.signature(AsyncAzureClient.with_options).parameters)
    assert issubclass(AzureClient, Client)


@pytest.fixture
def threaded_azure() -> Iterator[LocalServer]:
    with LocalServer.threaded(api_key=KEY, azure=True) as srv:
        yield srv


def test_the_sync_client_routes_streams_and_switches(threaded_azure):
    server = threaded_azure
    with AzureClient(
        azure_endpoint=server.azure_endpoint, api_key=KEY, api_version=VERSION
    ) as client:
        reply = client.chat.completions.create(model="dep", messages=MESSAGES)
        assert reply.choices[0].message.content
        assert server.requests[-1].path == "/openai/deployments/dep/chat/completions"
        with client.chat.completions.create(model="dep", messages=MESSAGES, stream=True) as stream:
            assert any(c.choices for c in stream)
        assert [m.id for m in client.models.list()]
        assert server.requests[-1].path == "/openai/models"
        copy = client.with_options(azure_deployment="fixed", api_version="2025-01-01")
        assert isinstance(copy, AzureClient)
        copy.embeddings.create(model="ignored", input="hi")
        request = server.requests[-1]
        assert request.path == "/openai/deployments/fixed/embeddings"
        assert request.query == {"api-version": "2025-01-01"}
        assert orjson.loads(request.body)["model"] == "ignored"
