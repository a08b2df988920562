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


def _raw_deflate(data: bytes) -> bytes:
    squeezer = zlib.compressobj(wbits=-15)  # compress(wbits=) is Python 3.11+
    return squeezer.compress(data) + squeezer.flush()


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
        ("deflate", _raw_deflate),  # raw, as some servers send
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
        raw = client.models.with_raw_response.retrieve("gpt-4o")
        assert raw.parse().id == "gpt-4o" and portal_started(client)
    # Each call reached the server once: nothing sent twice when a call moved to the loop.
    assert len(threaded_server.requests) == 3


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
    assert [conn.sock.fileno() for conn in idle] == [-1]
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
    assert [conn.sock.fileno() for conn in idle] == [-1]


# -- the wire: framing and malformed responses, from a server that sends scripted bytes --

MODEL_JSON = orjson.dumps({"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "x"})


class ScriptedBytesServer:
    """Reads each request (head and Content-Length body) and answers with the next of
    ``answers``: raw response bytes, and whether to close the connection after them."""

    def __init__(self, *answers: tuple[bytes, bool]) -> None:
        self.answers = list(answers)
        self.received: list[bytes] = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while self.answers:
                    while b"\r\n\r\n" not in data:
                        piece = conn.recv(65536)
                        if not piece:
                            break
                        data += piece
                    if b"\r\n\r\n" not in data:
                        break
                    head, _, data = data.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(data) < length:
                        data += conn.recv(65536)
                    self.received.append(head)
                    data = data[length:]
                    answer, close = self.answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def scripted() -> Iterator[Any]:
    servers: list[ScriptedBytesServer] = []

    def start(*answers: tuple[bytes, bool]) -> ScriptedBytesServer:
        servers.append(ScriptedBytesServer(*answers))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _json_answer(extra: bytes = b"", body: bytes = MODEL_JSON) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s"
        % (extra, len(body), body)
    )


def test_a_connection_closed_while_idle_is_replaced_without_a_retry(scripted):
    # Each keep-alive answer is followed by the server closing the connection without
    # saying so: what a server does to an idle keep-alive connection.
    server = scripted(*[(_json_answer(), True)] * 3)
    with Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client:
        for _ in range(3):
            assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    assert len(server.received) == 3
    assert server.connections == 3


def _retrieve(base_url: str) -> Any:
    with Client(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
        model = client.models.retrieve("gpt-4o")
        assert not portal_started(client)
        return model


def test_chunked_bodies_with_extensions_and_trailers_are_read(scripted):
    half = len(MODEL_JSON) // 2
    body = b"%x;name=value\r\n%s\r\n%X\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (
        half,
        MODEL_JSON[:half],
        len(MODEL_JSON) - half,
        MODEL_JSON[half:],
    )
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    server = scripted((head + body, False), (_json_answer(), False))
    with Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client:
        assert client.models.retrieve("gpt-4o").id == "gpt-4o"
        assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    assert len(server.received) == 2
    assert server.connections == 1  # the body (trailers too) read exactly: kept alive


def test_a_body_that_ends_with_the_connection_is_read_to_the_end(scripted):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    server = scripted((head + MODEL_JSON, True))
    assert _retrieve(server.base_url).id == "gpt-4o"


def test_interim_responses_and_folded_headers_are_understood(scripted):
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
    folded = b"X-Request-Id: req_\r\n 123\r\n"
    server = scripted((interim + _json_answer(folded), False))
    model = _retrieve(server.base_url)
    assert model.response_info.request_id == "req_ 123"


def test_the_request_is_one_well_formed_message(scripted):
    server = scripted((_json_answer(), False))
    with Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client:
        client.chat.completions.create(model="m", messages=MESSAGES, extra_headers={"X-A": "1"})
    lines = server.received[0].split(b"\r\n")
    assert lines[0] == b"POST /v1/chat/completions HTTP/1.1"
    names = [line.split(b":")[0].lower() for line in lines[1:]]
    assert names.count(b"host") == names.count(b"content-length") == 1
    assert b"x-a" in names and b"transfer-encoding" not in names


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/2 200 OK\r\n\r\n", "status line"),
        (b"garbage\r\n\r\n", "status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed response header"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{}", "broke"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\n{}\r\n", "chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}", "broke"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "middle of the response head"),
        (b"", "without a response"),
    ],
)
def test_malformed_or_cut_responses_are_connection_errors(scripted, answer, message):
    server = scripted((answer, True))
    with pytest.raises(APIConnectionError, match=message):
        _retrieve(server.base_url)


@pytest.mark.parametrize(
    "headers",
    [{"X-Bad": "a\r\nX-Injected: 1"}, {"X-Bad": "nul\x00"}, {"Bad Name": "x"}, {"X-Bad": "\u2615"}],
)
def test_headers_that_cannot_be_sent_are_invalid_requests(scripted, headers):
    server = scripted((_json_answer(), False))
    with (
        Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client,
        pytest.raises(InvalidRequestError),
    ):
        client.models.retrieve("gpt-4o", extra_headers=headers)
    assert server.received == []


# -- streams: read from the socket in the calling thread -----------------------------------


def _chunk(i: int) -> bytes:
    return orjson.dumps(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}],
        }
    )


SSE = b"".join(b"data: " + _chunk(i) + b"\n\n" for i in range(6)) + b"data: [DONE]\n\n"
WORDS = [f"w{i} " for i in range(6)]


def _words(stream: Any) -> list[str]:
    return [chunk.choices[0].delta.content for chunk in stream]


def test_a_stream_is_read_in_the_calling_thread(client, threaded_server):
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    assert stream.request_id  # headers as received
    text = "".join(c.delta.content or "" for chunk in stream for c in chunk.choices)
    assert text.endswith("You said: Hi")
    assert not portal_started(client)
    assert threaded_server.requests[-1].headers["Accept"] == "text/event-stream"
    assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    direct = client._async._transport.direct()
    assert direct is not None
    idle = [conn for conns in direct._idle.values() for conn in conns]
    assert len(idle) == 1  # the stream read to its end gave its connection back


@pytest.mark.parametrize(
    ("coding", "encode"),
    [("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", _raw_deflate)],
)
def test_a_compressed_stream_is_decoded_as_it_arrives(client, threaded_server, coding, encode):
    threaded_server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(
            body=encode(SSE),
            content_type="text/event-stream",
            headers={"Content-Encoding": coding},
            chunk_size=7,  # pieces that split the compressed data anywhere
        ),
    )
    assert _words(client.chat.completions.create(model="m", messages=MESSAGES, stream=True)) == (
        WORDS
    )
    assert not portal_started(client)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not gzip at all", "cannot be decoded"),
        (gzip.compress(SSE)[:-12], "in the middle of its gzip data"),  # cut, framed whole
    ],
)
def test_a_stream_that_cannot_be_decoded_is_a_connection_error(
    client, threaded_server, body, message
):
    threaded_server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(
            body=body, content_type="text/event-stream", headers={"Content-Encoding": "gzip"}
        ),
    )
    stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    with pytest.raises(APIConnectionError, match=message):
        list(stream)
    assert stream._stream._response.closed


def test_the_stream_idle_limit_holds_without_the_loop(client, threaded_server):
    threaded_server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(events=[(None, _chunk(0).decode())], event_delay=10),
    )
    stream = client.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, timeout=Timeout(stream_idle=0.3)
    )
    with pytest.raises(APITimeoutError, match="stream_idle"):
        next(stream)
    assert stream._stream._response.closed
    assert not portal_started(client)


def test_a_direct_stream_dropped_or_left_open_is_closed(threaded_server):
    threaded_server.add_route(
        "POST",
        "/chat/completions",
        lambda r: Scripted(events=[(None, _chunk(i).decode()) for i in range(3)], event_delay=1),
    )
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    dropped = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    conn = dropped._stream._response._pending.conn
    del dropped
    gc.collect()  # closed here, in this thread: an unclosed socket would warn (an error)
    assert conn.sock.fileno() == -1
    left_open = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    conn = left_open._stream._response._pending.conn
    client.close()
    assert conn.sock.fileno() == -1 and left_open._stream._response.closed
    assert not portal_started(client)


def test_streams_of_every_framing_are_read_piece_by_piece(scripted):
    sse_head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    cut = len(SSE) // 3
    chunked = b"%x;ext=1\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (
        cut,
        SSE[:cut],
        len(SSE) - cut,
        SSE[cut:],
    )
    server = scripted(
        (sse_head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked, False),
        (sse_head + b"Content-Length: %d\r\n\r\n%s" % (len(SSE), SSE), False),
        (sse_head + b"Connection: close\r\n\r\n" + SSE, True),
    )
    with Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client:
        for _ in range(3):
            assert (
                _words(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
                == WORDS
            )
        assert not portal_started(client)
    assert server.connections == 1  # kept alive after the chunked and the sized bodies


@pytest.mark.parametrize(
    "framing",
    [b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % 4000, b"Content-Length: 4000\r\n\r\n"],
)
def test_a_stream_cut_short_is_a_connection_error(scripted, framing):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" + framing
    server = scripted((head + SSE[:100], True))
    with Client(api_key=API_KEY, base_url=server.base_url, max_retries=0) as client:
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        with pytest.raises(APIConnectionError, match="broke while reading the stream"):
            list(stream)
