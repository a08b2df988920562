"""Gateways, proxies, TLS, redirects, connection limits, per-call options and the quirks
of OpenAI-compatible servers, all through real sockets on 127.0.0.1.

Helpers here: a path-prefix gateway (like Cloudflare AI Gateway) in front of the local
server, and a forward HTTP proxy (absolute-form requests and CONNECT tunnels).
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import orjson
import pytest
from aiohttp import web
from yarl import URL

from openai_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncAzureClient,
    AsyncClient,
    AuthenticationError,
    Client,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    RequestOptions,
    RetryPolicy,
)
from openai_async.lib.azure import prompt_filter_results
from openai_async.testing import Fault, LocalServer, Reply, Scripted

pytestmark = pytest.mark.anyio

API_KEY = "sk-test-0123456789"
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0)
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


class PrefixGateway:
    """A gateway in front of the local server, at a path prefix (as Cloudflare AI Gateway's
    /v1/{account}/{gateway}/openai): forwards the rest of the path, streams answers back
    piece by piece, and counts requests in flight."""

    PREFIX = "/v1/0123abcd/my-gateway/openai"

    def __init__(self, upstream: LocalServer, ssl_context: ssl.SSLContext | None = None) -> None:
        self.upstream = upstream
        self.ssl_context = ssl_context
        self.paths: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def __aenter__(self) -> PrefixGateway:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context).start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._session.close()
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.PREFIX}"

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        self.paths.append(request.path_qs)
        if not request.path.startswith(self.PREFIX + "/"):
            return web.Response(status=404, text="no such gateway route")
        target = self.upstream.base_url + request.path.removeprefix(self.PREFIX)
        if request.query_string:
            target += "?" + request.query_string
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            async with self._session.request(
                request.method,
                URL(target, encoded=True),
                headers=headers,
                data=await request.read(),
                allow_redirects=False,
            ) as upstream:
                response = web.StreamResponse(
                    status=upstream.status,
                    headers={
                        k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP
                    },
                )
                await response.prepare(request)
                async for piece in upstream.content.iter_any():
                    await response.write(piece)
                await response.write_eof()
                return response
        finally:
            self.in_flight -= 1


class ForwardProxy:
    """A forward HTTP proxy: absolute-form requests (http://) and CONNECT tunnels (https://).

    ``seen`` holds (method, target, Proxy-Authorization) of each connection's first request.
    """

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._server.close()
        for writer in self._writers:
            writer.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        fields = dict(line.split(": ", 1) for line in lines[1:] if line)
        auth = next((v for k, v in fields.items() if k.lower() == "proxy-authorization"), None)
        self.seen.append((method, target, auth))
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = URL(target)
            up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
            # As real proxies do: Proxy-Authorization is for the proxy, not passed on
            # (the local server understands the absolute-form target).
            kept = [line for line in lines if not line.lower().startswith("proxy-authorization:")]
            up_writer.write("\r\n".join(kept).encode("latin-1"))
        self._writers.append(up_writer)
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(_pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        dst.close()


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
async def gateway(server: LocalServer) -> AsyncIterator[PrefixGateway]:
    async with PrefixGateway(server) as gw:
        yield gw


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with ForwardProxy() as p:
        yield p


def make(base_url: str, **options: Any) -> AsyncClient:
    options.setdefault("api_key", API_KEY)
    options.setdefault("retry_policy", FAST_RETRIES)
    return AsyncClient(base_url=base_url, **options)


# -- a base_url with a path prefix --------------------------------------------------------


async def test_every_endpoint_works_under_a_gateway_prefix(gateway, server):
    async with make(gateway.base_url) as client:
        reply = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert reply.choices[0].message.content
        completion = await client.completions.create(model="gpt-3.5-turbo-instruct", prompt="x")
        assert completion.choices[0].text
        vectors = await client.embeddings.create(model="text-embedding-3-small", input="x")
        assert vectors.data[0].embedding
        assert "gpt-4o" in [m.id async for m in client.models.list()]
        assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"
        data, _ = await client.request_json("GET", "/models", query={"limit": 2})
        assert data["object"] == "list"
    prefix = PrefixGateway.PREFIX
    assert gateway.paths == [
        f"{prefix}/chat/completions",
        f"{prefix}/completions",
        f"{prefix}/embeddings",
        f"{prefix}/models",
        f"{prefix}/models/gpt-4o",
        f"{prefix}/models?limit=2",
    ]
    assert [r.path for r in server.requests][-1] == "/v1/models"


async def test_a_stream_through_a_gateway_prefix(gateway, server):
    server.add_reply(
        Reply("one two three four", keepalive_comments=True, delay_between_chunks=0.01)
    )
    async with make(gateway.base_url + "/") as client:  # a trailing slash is fine too
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True
        )
        chunks = [c async for c in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "one two three four"
    )
    assert gateway.paths == [f"{PrefixGateway.PREFIX}/chat/completions"]


async def test_a_multipart_upload_through_a_gateway_prefix(gateway, server, tmp_path):
    uploaded = {
        "id": "file_gw",
        "object": "file",
        "bytes": 11,
        "created_at": 1,
        "filename": "batch.jsonl",
        "purpose": "batch",
        "status": "processed",
    }
    server.add_route("POST", "/files", lambda request: Scripted(json=uploaded))
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'{"a": 1}\n\n\n')
    async with make(gateway.base_url) as client:
        got = await client.files.create(file=path, purpose="batch")
    assert got.id == "file_gw"
    assert gateway.paths == [f"{PrefixGateway.PREFIX}/files"]
    parts = dict(server.requests[-1].form())
    assert parts["purpose"] == "batch"
    assert parts["file"][:2] == ("batch.jsonl", path.read_bytes())


async def test_a_gateway_route_outside_the_prefix_is_not_reached(gateway):
    async with make(gateway.base_url.removesuffix("/openai"), max_retries=0) as client:
        with pytest.raises(NotFoundError, match="no such gateway route"):
            await client.models.list()


# -- proxies ------------------------------------------------------------------------------


async def test_an_explicit_proxy_carries_the_requests(server, proxy):
    async with make(server.base_url, proxy=proxy.url) as client:
        await client.models.list()
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True
        )
        assert [c async for c in stream]
    assert proxy.seen[0][:2] == ("GET", f"{server.base_url}/models")
    assert proxy.seen[0][2] is None
    assert len(server.requests) == 2


async def test_proxy_credentials_become_proxy_authorization_and_stay_secret(server, proxy):
    secret_url = proxy.url.replace("http://", "http://user:s3cret-pass@")
    async with make(server.base_url, proxy=secret_url) as client:
        await client.models.list()
        assert "s3cret" not in repr(client)
    expected = "Basic " + base64.b64encode(b"user:s3cret-pass").decode()
    assert proxy.seen[0][2] == expected
    assert "Proxy-Authorization" not in server.requests[0].headers
    # A proxy that cannot be reached: the error does not repeat the password.
    async with ForwardProxy() as gone:
        dead = gone.url.replace("http://", "http://user:s3cret-pass@")
    async with make(server.base_url, proxy=dead, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.models.list()
    assert "s3cret" not in str(caught.value)


async def test_environment_proxies_only_when_asked(server, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    async with make(server.base_url) as client:  # trust_env defaults to False
        await client.models.list()
    assert proxy.seen == []
    async with make(server.base_url, trust_env=True) as client:
        await client.models.list()
    assert proxy.seen and proxy.seen[0][1] == f"{server.base_url}/models"
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    async with make(server.base_url, trust_env=True) as client:
        await client.models.list()
    assert len(proxy.seen) == 1  # NO_PROXY: straight to the server
    assert len(server.requests) == 3


def test_bad_proxy_settings_are_configuration_errors():
    for bad in ("socks5://user:pw-secret@127.0.0.1:1080", "127.0.0.1:8080", "http://"):
        with pytest.raises(ConfigurationError, match="proxy") as caught:
            AsyncClient(api_key=API_KEY, proxy=bad)
        assert "pw-secret" not in str(caught.value)


def test_the_sync_client_takes_the_transport_options(threaded_server):
    with Client(
        api_key=API_KEY,
        base_url=threaded_server.base_url,
        max_connections=2,
        max_connections_per_host=1,
        verify=False,
        trust_env=False,
    ) as client:
        assert client.models.list().data


# -- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> Any:
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture
async def tls_gateway(server, ca) -> AsyncIterator[PrefixGateway]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    async with PrefixGateway(server, ssl_context=context) as gw:
        yield gw


async def test_tls_is_verified_by_default(tls_gateway):
    async with make(tls_gateway.base_url, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="certificate verify failed"):
            await client.models.list()
    assert tls_gateway.paths == []


async def test_a_ca_bundle_or_context_makes_a_private_ca_trusted(tls_gateway, ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    for verify in (str(bundle), bundle, context):
        async with make(tls_gateway.base_url, verify=verify) as client:
            assert (await client.models.list()).data
    assert len(tls_gateway.paths) == 3


async def test_verification_is_off_only_when_asked(tls_gateway):
    async with make(tls_gateway.base_url, verify=False) as client:
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True
        )
        assert [c async for c in stream]


async def test_the_sync_clients_direct_calls_verify_tls_the_same(tls_gateway, ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    def retrieve(**options: Any) -> str:
        with Client(api_key=API_KEY, base_url=tls_gateway.base_url, **options) as client:
            model = client.models.retrieve("gpt-4o").id
            assert client._portal._portal is None  # sent in this thread, over http.client
            return model

    with pytest.raises(APIConnectionError, match="certificate verify failed"):
        await anyio.to_thread.run_sync(lambda: retrieve(max_retries=0))
    assert tls_gateway.paths == []
    for verify in (bundle, False):
        assert await anyio.to_thread.run_sync(partial(retrieve, verify=verify)) == "gpt-4o"
    assert len(tls_gateway.paths) == 2


async def test_https_through_a_connect_proxy(tls_gateway, proxy, ca, tmp_path):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    async with make(tls_gateway.base_url, proxy=proxy.url, verify=bundle) as client:
        assert (await client.models.list()).data
    assert proxy.seen[0][:2] == ("CONNECT", f"127.0.0.1:{tls_gateway.port}")


def test_bad_verify_values_are_configuration_errors(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="CA bundle"):
        AsyncClient(api_key=API_KEY, verify=tmp_path / "missing.pem")
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="CA bundle"):
        AsyncClient(api_key=API_KEY, verify=str(tmp_path / "junk.pem"))
    with pytest.raises(ConfigurationError, match="verify must be"):
        AsyncClient(api_key=API_KEY, verify=1)  # type: ignore[arg-type]


# -- redirects ----------------------------------------------------------------------------


@pytest.fixture
async def elsewhere() -> AsyncIterator[LocalServer]:
    """Another origin (another port), accepting any key."""
    async with LocalServer() as srv:
        yield srv


async def test_credentials_are_not_forwarded_to_another_origin(server, elsewhere):
    location = f"{elsewhere.base_url}/chat/completions"
    server.add_fault(Fault.status(307, headers={"Location": location}))
    async with make(server.base_url, organization="org-1") as client:
        reply = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert reply.choices[0].message.content
    assert reply.response_info is not None and reply.response_info.url == location
    assert server.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"
    moved = elsewhere.requests[0]
    assert moved.method == "POST" and moved.json()["model"] == "gpt-4o"  # 307 keeps the body
    assert "Authorization" not in moved.headers
    assert moved.headers["OpenAI-Organization"] == "org-1"


async def test_the_azure_api_key_is_not_forwarded_either():
    async with LocalServer(api_key="k-123", azure=True) as first, LocalServer(azure=True) as second:
        target = f"{second.azure_endpoint}/openai/deployments/d/chat/completions?api-version=v"
        first.add_fault(Fault.status(308, headers={"Location": target}))
        async with AsyncAzureClient(
            azure_endpoint=first.azure_endpoint, api_key="k-123", api_version="v"
        ) as client:
            await client.chat.completions.create(model="d", messages=MESSAGES)
        assert first.requests[0].headers["api-key"] == "k-123"
        assert "api-key" not in second.requests[0].headers
        assert "Authorization" not in second.requests[0].headers


async def test_a_same_origin_redirect_keeps_credentials(server):
    server.add_fault(Fault.status(308, headers={"Location": "/v1/models"}, path="/v1/moved"))
    async with make(server.base_url) as client:
        data, _ = await client.request_json("GET", "/moved")
    assert data["object"] == "list"  # the server checks the key
    assert [r.path for r in server.requests] == ["/v1/moved", "/v1/models"]


async def test_303_and_post_302_become_a_get_without_body(server, elsewhere):
    for status in (303, 302):
        server.add_fault(Fault.status(status, headers={"Location": f"{elsewhere.base_url}/models"}))
        async with make(server.base_url) as client:
            data, info = await client.request_json(
                "POST", "/chat/completions", body={"model": "x", "messages": MESSAGES}
            )
        assert data["object"] == "list" and info.method == "GET"
        moved = elsewhere.requests[-1]
        assert (moved.method, moved.body) == ("GET", b"")
        assert "Content-Type" not in moved.headers


async def test_redirect_loops_and_odd_targets_are_connection_errors(server):
    for _ in range(11):
        server.add_fault(Fault.status(307, headers={"Location": "/v1/models"}))
    async with make(server.base_url, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match="more than 10 redirects"):
            await client.models.list()
        server.reset()
        server.add_fault(Fault.status(302, headers={"Location": "ftp://127.0.0.1/x"}))
        with pytest.raises(APIConnectionError, match="non-HTTP"):
            await client.models.list()


async def test_the_sync_clients_direct_calls_follow_redirects_the_same(server, elsewhere):
    location = f"{elsewhere.base_url}/chat/completions"

    def chat() -> Any:
        with Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client:
            reply = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            assert client._portal._portal is None  # sent in this thread, over http.client
            return reply

    server.add_fault(Fault.status(307, headers={"Location": location}))
    reply = await anyio.to_thread.run_sync(chat)
    assert reply.response_info.url == location
    assert server.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"
    moved = elsewhere.requests[0]
    assert moved.method == "POST" and moved.json()["model"] == "gpt-4o"
    assert "Authorization" not in moved.headers
    server.add_fault(Fault.status(303, headers={"Location": f"{elsewhere.base_url}/models"}))
    reply = await anyio.to_thread.run_sync(chat)  # the list of models, read as it can be
    assert reply.response_info.method == "GET"
    assert (elsewhere.requests[-1].method, elsewhere.requests[-1].body) == ("GET", b"")
    for _ in range(11):
        server.add_fault(Fault.status(307, headers={"Location": "/v1/chat/completions"}))
    with pytest.raises(APIConnectionError, match="more than 10 redirects"):
        await anyio.to_thread.run_sync(chat)
    server.reset()
    server.add_fault(Fault.status(302, headers={"Location": "ftp://127.0.0.1/x"}))
    with pytest.raises(APIConnectionError, match="non-HTTP"):
        await anyio.to_thread.run_sync(chat)


# -- connection limits --------------------------------------------------------------------


async def _concurrent_chats(gateway: PrefixGateway, server: LocalServer, **options: Any) -> int:
    for _ in range(3):
        server.add_fault(Fault.delay(0.15))
    gateway.max_in_flight = 0
    async with make(gateway.base_url, **options) as client:
        await asyncio.gather(
            *(client.chat.completions.create(model="m", messages=MESSAGES) for _ in range(3))
        )
    return gateway.max_in_flight


async def test_connection_limits_bound_concurrent_requests(gateway, server):
    assert await _concurrent_chats(gateway, server) == 3
    assert await _concurrent_chats(gateway, server, max_connections=1) == 1
    assert await _concurrent_chats(gateway, server, max_connections_per_host=2) == 2
    assert await _concurrent_chats(gateway, server, max_connections=None) == 3


async def test_bad_limits_are_configuration_errors():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigurationError, match="max_connections"):
            AsyncClient(api_key=API_KEY, max_connections=bad)  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigurationError, match="session passed in"):
            AsyncClient(api_key=API_KEY, session=session, max_connections=5)


# -- per-call options ---------------------------------------------------------------------


async def test_per_call_credentials_apply_to_that_call_only(client, server):
    server.api_key = None
    options = RequestOptions(api_key="sk-other", organization="org-x", project="proj-y")
    await client.models.list(options=options)
    first = server.requests[-1].headers
    assert first["Authorization"] == "Bearer sk-other"
    assert (first["OpenAI-Organization"], first["OpenAI-Project"]) == ("org-x", "proj-y")
    await client.models.retrieve("gpt-4o")
    second = server.requests[-1].headers
    assert second["Authorization"] == f"Bearer {API_KEY}"
    assert "OpenAI-Organization" not in second


async def test_per_call_options_share_the_clients_session(client, server):
    await client.models.list()
    session = client._transport._session
    for i in range(5):
        await client.models.retrieve("gpt-4o", options=RequestOptions(headers={"X-I": str(i)}))
    assert client._transport._session is session
    assert [r.headers["X-I"] for r in server.requests[1:]] == ["0", "1", "2", "3", "4"]


async def test_per_call_base_url_for_plain_and_streamed_calls(client, server, elsewhere):
    options = RequestOptions(base_url=elsewhere.base_url)
    await client.chat.completions.create(model="m", messages=MESSAGES, options=options)
    stream = await client.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, options=options
    )
    assert [c async for c in stream]
    assert [m.id async for m in client.models.list(options=options)]
    vectors = await client.embeddings.create(model="e", input="x", options=options)
    assert vectors.data
    assert len(elsewhere.requests) == 4 and server.requests == []
    await client.models.list()
    assert len(server.requests) == 1


async def test_the_calls_own_arguments_win_over_options(client, server):
    options = RequestOptions(
        headers={"X-A": "from-options", "X-B": "from-options"}, query={"q": "1", "r": "1"}
    )
    await client.models.retrieve(
        "gpt-4o", options=options, extra_headers={"x-b": "explicit"}, extra_query={"r": "2"}
    )
    request = server.requests[-1]
    assert request.headers["X-A"] == "from-options"
    assert request.headers.getall("X-B") == ["explicit"]
    assert request.query == {"q": "1", "r": "2"}


async def test_per_call_timeout_and_retries(client, server):
    server.add_fault(Fault.delay(60))  # only the per-call 0.2 s limit can end the call in time
    with anyio.fail_after(10), pytest.raises(APITimeoutError):
        await client.models.list(options=RequestOptions(timeout=0.2, max_retries=0))
    assert len(server.requests) == 1
    server.reset()
    server.add_fault(Fault.status(500))
    with pytest.raises(InternalServerError):
        await client.models.list(options=RequestOptions(max_retries=0))
    assert len(server.requests) == 1
    server.add_fault(Fault.status(500))
    await client.models.list(options=RequestOptions(max_retries=0), max_retries=1)
    assert len(server.requests) == 3  # the call's own max_retries won


async def test_a_refused_per_call_key_fails_only_that_call(client, server):
    with pytest.raises(AuthenticationError):
        await client.models.list(options=RequestOptions(api_key="sk-wrong", max_retries=0))
    assert (await client.models.list()).data


def test_request_options_are_validated_and_keep_secrets():
    options = RequestOptions(api_key="sk-very-secret", headers={"Authorization": "Bearer x"})
    assert "sk-very-secret" not in repr(options) and "Bearer x" not in repr(options)
    with pytest.raises(ConfigurationError, match="base_url"):
        RequestOptions(base_url="ftp://example.com")
    with pytest.raises(ConfigurationError, match="max_retries"):
        RequestOptions(max_retries=-1)


def test_per_call_options_with_the_sync_client(threaded_server):
    threaded_server.api_key = None
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        client.chat.completions.create(
            model="m", messages=MESSAGES, options=RequestOptions(api_key="sk-sync-call")
        )
        assert threaded_server.requests[-1].headers["Authorization"] == "Bearer sk-sync-call"
        with client.chat.completions.create(
            model="m", messages=MESSAGES, stream=True, options=RequestOptions(project="p")
        ) as stream:
            assert list(stream)
        assert threaded_server.requests[-1].headers["OpenAI-Project"] == "p"


# -- quirks of OpenAI-compatible servers --------------------------------------------------


def raw_json(body: dict[str, Any]) -> Fault:
    return Fault.status(200, body=orjson.dumps(body), content_type="application/json")


def raw_sse(*events: bytes) -> Fault:
    return Fault.status(200, body=b"".join(events), content_type="text/event-stream")


def chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
    body = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    return b"data: " + orjson.dumps({**body, "choices": choices, **extra}) + b"\n\n"


def completion(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {"id": "c1", "object": "chat.completion", "created": 1, "model": "m"}
    return {**body, "choices": choices, **extra}


async def test_extra_fields_of_compatible_servers_are_reachable(client, server):
    message = {"role": "assistant", "content": "42", "reasoning_content": "6 times 7"}
    filters = [{"prompt_index": 0, "content_filter_results": {}}]
    server.add_fault(
        raw_json(
            completion(
                [{"index": 0, "message": message, "finish_reason": "stop"}],
                prompt_filter_results=filters,
            )
        )
    )
    reply = await client.chat.completions.create(model="m", messages=MESSAGES)
    assert reply.choices[0].message.model_extra["reasoning_content"] == "6 times 7"
    assert reply.choices[0].message.reasoning_content == "6 times 7"  # type: ignore[attr-defined]
    assert prompt_filter_results(reply)[0].prompt_index == 0
    server.add_fault(
        raw_sse(
            chunk([{"index": 0, "delta": {"reasoning_content": "thinking"}}]),
            chunk([{"index": 0, "delta": {"content": "42"}, "finish_reason": "stop"}]),
            b"data: [DONE]\n\n",
        )
    )
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    chunks = [c async for c in stream]
    assert chunks[0].choices[0].delta.model_extra == {"reasoning_content": "thinking"}


async def test_vendor_keepalive_comments_are_ignored(client, server):
    server.add_fault(
        raw_sse(
            b": OPENROUTER PROCESSING\n\n",
            b": OPENROUTER PROCESSING\n\n",
            chunk([{"index": 0, "delta": {"content": "Hi"}}]),
            b": OPENROUTER PROCESSING\n\n",
            chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
            b"data: [DONE]\n\n",
        )
    )
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    assert [c.choices[0].delta.content async for c in stream] == ["Hi", None]


async def test_floats_arrive_when_base64_was_asked_for(client, server):
    body = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.5, -1.25]}],
        "model": "e",
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    server.add_fault(raw_json(body))
    vectors = await client.embeddings.create(model="e", input="x")
    assert server.requests[-1].json()["encoding_format"] == "base64"
    assert vectors.data[0].embedding == [0.5, -1.25]


async def test_a_stream_without_the_asked_for_usage_chunk_ends_cleanly(client, server):
    server.add_fault(
        raw_sse(
            chunk([{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}]),
            chunk([{"index": 0, "delta": {}, "finish_reason": "length"}]),
            b"data: [DONE]\n\n",
        )
    )
    stream = await client.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    assert len(chunks) == 2 and all(c.usage is None for c in chunks)


async def test_n_greater_than_one_answered_with_one_choice(client, server):
    one = [{"index": 0, "message": {"role": "assistant", "content": "x"}, "finish_reason": "stop"}]
    server.add_fault(raw_json(completion(one)))
    reply = await client.chat.completions.create(model="m", messages=MESSAGES, n=3)
    assert len(reply.choices) == 1
    server.add_fault(
        raw_sse(
            chunk([{"index": 0, "delta": {"content": "x"}}]),
            chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        )  # and no [DONE]: complete because every choice seen has finished
    )
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, n=3, stream=True)
    assert len([c async for c in stream]) == 2


async def test_a_validation_error_sent_as_http_500(client, server):
    # llama.cpp's server (llama-cpp-python 0.3.36) answers a bad request this way.
    body = {
        "error": {
            "message": "1 validation error:\n  {'type': 'list_type', 'loc': ('body', 'messages')}",
            "type": "internal_server_error",
            "param": None,
            "code": None,
        }
    }
    server.add_fault(Fault.status(500, body=orjson.dumps(body), content_type="application/json"))
    with pytest.raises(InternalServerError) as caught:
        await client.chat.completions.create(
            model="m",
            messages="bad",
            max_retries=0,  # type: ignore[arg-type]
        )
    error = caught.value
    assert error.message.startswith("Error code: 500 - 1 validation error")
    assert error.type == "internal_server_error"
    assert error.body == body["error"]  # the error object, as the official SDK has it
