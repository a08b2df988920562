"""The sync facade's direct path: plain calls of ``Client`` run in the calling thread and
send over http.client (``openai_async/_synchttp.py``); what needs the event loop still
goes through the portal. Real sockets against local servers throughout."""

from __future__ import annotations

import gc
import gzip
import socket
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from openai_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    Client,
    ConfigurationError,
    InvalidRequestError,
    RetryPolicy,
    Timeout,
)
from openai_async.testing import Fault, LocalServer, Scripted

API_KEY = "sk-test-0123456789"
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0)
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "squeezed", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
}


def portal_started(client: Client) -> bool:
    return client._portal._portal is not None


@pytest.fixture
def client(threaded_server: LocalServer) -> Iterator[Client]:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url, retry_policy=FAST_RETRIES) as c:
        yield c


def test_a_plain_call_runs_in_the_calling_thread(client, threaded_server):
    reply = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert reply.choices[0].message.content
    assert reply.response_info is not None
    assert reply.response_info.request_id  # headers as received, case-insensitive
    assert reply.response_info.headers["CONTENT-TYPE"].startswith("application/json")
    assert not portal_started(client)
    sent = threaded_server.requests[0]
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["User-Agent"].startswith("openai_async/")
    assert sent.headers["Accept-Encoding"] == "gzip, deflate"
    assert sent.json() == {"model": "gpt-4o", "messages": MESSAGES}


def test_connections_are_reused_between_calls(client, threaded_server):
    for _ in range(3):
        client.models.retrieve("gpt-4o")
    direct = client._async._transport.direct()
    assert direct is not None
    idle = [conn for conns in direct._idle.values() for conn in conns]
    assert len(idle) == 1  # one connection, checked back in after each call


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw, as some servers send
    ],
)
def test_compressed_bodies_are_decoded(client, threaded_server, coding, encode):
    body = encode(orjson.dumps(COMPLETION))
    threaded_server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(
            body=body, content_type="application/json", headers={"Content-Encoding": coding}
        ),
    )
    reply = client.chat.completions.create(model="m", messages=MESSAGES)
    assert reply.choices[0].message.content == "squeezed"
    assert not portal_started(client)


def test_a_corrupt_compressed_body_is_a_connection_error(client, threaded_server):
    threaded_server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(
            body=b"not gzip at all",
            content_type="application/json",
            headers={"Content-Encoding": "gzip"},
        ),
    )
    with pytest.raises(APIConnectionError, match="cannot be decoded"):
        client.chat.completions.create(model="m", messages=MESSAGES, max_retries=0)


def test_retries_and_status_errors_work_without_the_loop(client, threaded_server):
    threaded_server.add_fault(Fault.status(500, retry_after=0))
    assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    assert [r.path for r in threaded_server.requests] == ["/v1/models/gpt-4o"] * 2
    with Client(api_key="sk-wrong", base_url=threaded_server.base_url) as wrong:
        with pytest.raises(AuthenticationError) as caught:
            wrong.models.retrieve("gpt-4o")
        assert caught.value.status_code == 401 and caught.value.response_info is not None
        assert not portal_started(wrong)
    assert not portal_started(client)


def test_read_timeouts_and_the_total_deadline_hold(client, threaded_server):
    threaded_server.add_fault(Fault.delay(10))
    with pytest.raises(APITimeoutError, match="timed out"):
        client.models.retrieve("gpt-4o", timeout=Timeout(read=0.3), max_retries=0)
    threaded_server.add_fault(Fault.delay(10))
    with pytest.raises(APITimeoutError, match="deadline"):
        client.models.retrieve("gpt-4o", timeout=Timeout(total=0.3))
    assert not portal_started(client)


def test_calls_that_need_the_loop_go_through_the_portal(threaded_server):
    seen: list[str] = []
    with Client(
        api_key=lambda: API_KEY, base_url=threaded_server.base_url
    ) as with_provider:  # a key provider may await
        assert with_provider.models.retrieve("gpt-4o").id == "gpt-4o"
        assert portal_started(with_provider)
    with Client(
        api_key=API_KEY,
        base_url=threaded_server.base_url,
        hooks={"request": [lambda request: seen.append(request.url)]},
    ) as hooked:
        hooked.models.retrieve("gpt-4o")
        assert portal_started(hooked) and len(seen) == 1  # the hook ran once
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        chunks = list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
        assert chunks and portal_started(client)
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        raw = client.models.with_raw_response.retrieve("gpt-4o")
        assert raw.parse().id == "gpt-4o" and portal_started(client)
    # Each call reached the server once: nothing sent twice when a call moved to the loop.
    assert len(threaded_server.requests) == 4


def test_many_threads_share_one_client(client, threaded_server):
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                assert client.chat.completions.create(model="m", messages=MESSAGES).choices
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(threaded_server.requests) == 40
    assert not portal_started(client)


def test_a_refused_connection_names_the_address():
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    with (
        Client(api_key=API_KEY, base_url=base_url, max_retries=0) as c,
        pytest.raises(APIConnectionError) as caught,
    ):
        c.models.retrieve("gpt-4o")
    assert f"127.0.0.1:{port}" in str(caught.value.__cause__)


def test_a_header_that_cannot_be_sent_is_an_invalid_request(client, threaded_server):
    with pytest.raises(InvalidRequestError):
        client.models.retrieve("gpt-4o", extra_headers={"X-Note": "caf\u00e9 \u2615"})
    assert threaded_server.requests == []


def test_closing_closes_the_connections_and_refuses_calls(threaded_server):
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    client.models.retrieve("gpt-4o")
    direct = client._async._transport.direct()
    assert direct is not None
    idle = [conn for conns in direct._idle.values() for conn in conns]
    client.close()
    assert [conn.sock for conn in idle] == [None]
    with pytest.raises(ConfigurationError, match="closed"):
        client.models.retrieve("gpt-4o")


def test_a_dropped_client_closes_its_connections(threaded_server):
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    client.models.retrieve("gpt-4o")
    direct = client._async._transport.direct()
    assert direct is not None
    idle = [conn for conns in direct._idle.values() for conn in conns]
    del client, direct
    gc.collect()  # an unclosed socket would warn here, and warnings are errors
    assert [conn.sock for conn in idle] == [None]


class OneShotServer:
    """Answers one request per connection with a keep-alive response, then closes the
    connection without saying so: what a server does to an idle keep-alive connection."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        body = orjson.dumps({"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "x"})
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    data += piece
                if not data:
                    continue
                self.requests += 1
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                conn.recv(65536)  # the client's next request, or its close: then we close

    def close(self) -> None:
        self.listener.close()


def test_a_connection_closed_while_idle_is_replaced_without_a_retry():
    server = OneShotServer()
    try:
        with Client(
            api_key=API_KEY, base_url=f"http://127.0.0.1:{server.port}/v1", max_retries=0
        ) as client:
            for _ in range(3):
                assert client.models.retrieve("gpt-4o").id == "gpt-4o"
        assert server.requests == 3
        assert server.connections >= 3
    finally:
        server.close()
