"""client.realtime.connect: the Realtime API over a real WebSocket to the local server.

Conversations, helpers, URLs and credentials (OpenAI, Azure, Azure v1, client secrets),
handshake errors, error events, closes and drops, keep-alive, idle timeout,
cancellation, reconnection, and the sync facade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from openai_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    AsyncAzureClient,
    AsyncClient,
    AuthenticationError,
    Client,
    ConfigurationError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReconnectingEvent,
    UnknownVariant,
    WebSocketConnectionClosedError,
    WebSocketQueueFullError,
)
from openai_async.models.realtime import (
    RealtimeServerEventError,
    RealtimeServerEventResponseFunctionCallArgumentsDone,
    RealtimeServerEventResponseTextDelta,
    RealtimeServerEventSessionCreated,
)
from openai_async.testing import Fault, LocalServer, RealtimeReply, ToolCall

from ..conftest import API_KEY

pytestmark = pytest.mark.anyio

MODEL = "gpt-realtime"


async def _until(condition: Callable[[], bool]) -> None:
    """Wait for something the server notices on its own time (the test timeout bounds it)."""
    while not condition():  # noqa: ASYNC110 - the server's state has no event to wait on
        await asyncio.sleep(0.005)


async def _until_type(connection: Any, event_type: str) -> list[Any]:
    """Events up to and including the first of ``event_type``."""
    seen = []
    async for event in connection:
        seen.append(event)
        if event.type == event_type:
            return seen
    raise AssertionError(f"the connection ended before {event_type}")


# -- a conversation -----------------------------------------------------------------------


async def test_a_text_conversation_with_a_function_call(client, server):
    server.realtime.add_reply(
        RealtimeReply(
            text="Let me check.", tool_calls=[ToolCall("get_weather", '{"city": "Paris"}')]
        )
    )
    server.realtime.add_reply(RealtimeReply(text="It is sunny in Paris."))
    async with client.realtime.connect(model=MODEL) as connection:
        first = await connection.recv()
        assert isinstance(first, RealtimeServerEventSessionCreated)
        assert first.session.model == MODEL
        await connection.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Weather?"}],
            }
        )
        await connection.response.create()
        events = await _until_type(connection, "response.done")
        text = "".join(
            e.delta for e in events if isinstance(e, RealtimeServerEventResponseTextDelta)
        )
        assert text == "Let me check."
        (call,) = [
            e for e in events if isinstance(e, RealtimeServerEventResponseFunctionCallArgumentsDone)
        ]
        assert (call.name, call.arguments) == ("get_weather", '{"city": "Paris"}')
        assert events[-1].response.status == "completed"

        await connection.conversation.item.create(
            item={
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": '{"sky": "clear"}',
            }
        )
        await connection.response.create(response={"instructions": "be brief"})
        events = await _until_type(connection, "response.done")
        assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == (
            "It is sunny in Paris."
        )
    sent = [e["type"] for e in server.realtime.events]
    assert sent == [
        "session.update",
        "conversation.item.create",
        "response.create",
        "conversation.item.create",
        "response.create",
    ]
    assert server.realtime.events[3]["item"]["call_id"] == call.call_id
    assert server.realtime.events[4]["response"] == {"instructions": "be brief"}
    await _until(lambda: server.realtime.open == 0)
    assert server.realtime.close_codes == [1000]  # leaving the block closes normally


async def test_every_helper_sends_its_client_event(client, server):
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.input_audio_buffer.append(audio="AAAA", event_id="e1")
        await connection.input_audio_buffer.commit()
        await connection.input_audio_buffer.clear()
        await connection.output_audio_buffer.clear()
        await connection.conversation.item.retrieve(item_id="item_x")
        await connection.conversation.item.delete(item_id="item_x")
        await connection.conversation.item.truncate(
            item_id="item_x", content_index=0, audio_end_ms=5
        )
        await connection.response.cancel(response_id="resp_x")
        await connection.send({"type": "input_audio_buffer.clear"})
        await _until(lambda: len(server.realtime.events) == 9)
    assert server.realtime.events == [
        {"type": "input_audio_buffer.append", "audio": "AAAA", "event_id": "e1"},
        {"type": "input_audio_buffer.commit"},
        {"type": "input_audio_buffer.clear"},
        {"type": "output_audio_buffer.clear"},
        {"type": "conversation.item.retrieve", "item_id": "item_x"},
        {"type": "conversation.item.delete", "item_id": "item_x"},
        {
            "type": "conversation.item.truncate",
            "item_id": "item_x",
            "content_index": 0,
            "audio_end_ms": 5,
        },
        {"type": "response.cancel", "response_id": "resp_x"},
        {"type": "input_audio_buffer.clear"},
    ]


async def test_recv_bytes_and_parse_event(client, server):
    async with client.realtime.connect(model=MODEL) as connection:
        data = await connection.recv_bytes()
        assert isinstance(data, bytes) and b'"session.created"' in data
        assert isinstance(connection.parse_event(data), RealtimeServerEventSessionCreated)
        assert connection.response_info.status_code == 101


async def test_events_queued_before_the_connection_opens(client, server):
    manager = client.realtime.connect(model=MODEL)
    manager.send({"type": "session.update", "session": {"type": "realtime", "instructions": "hi"}})
    async with manager as connection:
        await _until_type(connection, "session.updated")
    assert server.realtime.events[0]["session"]["instructions"] == "hi"


async def test_a_slow_response_is_cancelled_mid_way(client, server):
    server.realtime.add_reply(RealtimeReply(text="one two three", delay_between_events=3600))
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.response.create()
        await _until_type(connection, "response.created")
        await connection.response.cancel()
        done = (await _until_type(connection, "response.done"))[-1]
        assert done.response.status == "cancelled"


# -- what arrives ---------------------------------------------------------------------------


async def test_an_unknown_event_type_arrives_as_unknown_variant(client, server):
    server.realtime.add_reply(
        RealtimeReply(
            events=[{"type": "brand_new.event", "x": 1}, {"type": "response.done", "response": {}}]
        )
    )
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.response.create()
        events = await _until_type(connection, "response.done")
    (unknown,) = [e for e in events if isinstance(e, UnknownVariant)]
    assert unknown.type == "brand_new.event" and unknown.raw["x"] == 1


async def test_error_events_are_yielded(client, server):
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.send({"type": "no.such.event", "event_id": "mine"})
        error = (await _until_type(connection, "error"))[-1]
    assert isinstance(error, RealtimeServerEventError)
    assert error.error.code == "invalid_value"
    assert error.error.event_id == "mine"


async def test_raise_on_error_raises_them(client, server):
    server.realtime.add_reply(RealtimeReply(error="Too many tokens.", error_code="too_long"))
    async with client.realtime.connect(model=MODEL, raise_on_error=True) as connection:
        await connection.response.create()
        with pytest.raises(APIStreamError) as info:
            await _until_type(connection, "response.done")
        assert info.value.code == "too_long"
        assert "Too many tokens." in str(info.value)
        # the connection stays usable
        await connection.input_audio_buffer.clear()
        await _until_type(connection, "input_audio_buffer.cleared")


async def test_a_message_that_is_not_json(client, server):
    server.realtime.add_reply(
        RealtimeReply(events=["{not json", {"type": "response.done", "response": {}}])
    )
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.response.create()
        await connection.recv()  # session.created
        with pytest.raises(APIResponseValidationError):
            await connection.recv()
        assert (await connection.recv()).type == "response.done"


# -- how it ends ----------------------------------------------------------------------------


async def test_a_dropped_connection_raises_with_code_1006(client, server):
    server.realtime.add_reply(RealtimeReply(text="hello world", drop=True, after_events=2))
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.response.create()
        seen = []
        with pytest.raises(WebSocketConnectionClosedError) as info:
            async for event in connection:
                seen.append(event.type)
    assert info.value.code == 1006
    assert seen == ["session.created", "response.created", "response.output_item.added"]


async def test_an_abnormal_close_raises_with_its_code_and_reason(client, server):
    server.realtime.add_reply(RealtimeReply(text="hi", close_code=1011))
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.response.create()
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await _until_type(connection, "response.done")
    assert (info.value.code, info.value.reason) == (1011, "scripted close")
    assert info.value.unsent_messages == []


async def test_a_normal_close_ends_the_iteration(client, server):
    server.realtime.add_reply(RealtimeReply(text="hi", close_code=1000, after_events=1))
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.response.create()
        seen = [event.type async for event in connection]
        assert seen == ["session.created", "response.created"]
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await connection.recv()
        assert info.value.code == 1000
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await connection.send({"type": "response.create"})
        assert info.value.unsent_messages == ['{"type":"response.create"}']


async def test_close_ends_the_iteration_of_another_task(client, server):
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.recv()

        async def read() -> list[str]:
            return [event.type async for event in connection]

        reader = asyncio.create_task(read())
        await connection.close(code=1000, reason="bye")
        assert await reader == []
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await connection.send({"type": "response.create"})
        assert len(info.value.unsent_messages) == 1
    await _until(lambda: server.realtime.open == 0)
    assert server.realtime.close_codes == [1000]


async def test_cancelling_the_task_closes_the_socket_at_once(client, server):
    started = asyncio.Event()
    before = asyncio.all_tasks()

    async def talk() -> None:
        async with client.realtime.connect(model=MODEL) as connection:
            await connection.recv()
            started.set()
            async for _ in connection:
                pass

    task = asyncio.create_task(talk())
    await started.wait()
    await _until(lambda: server.realtime.open == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _until(lambda: server.realtime.open == 0)
    assert server.realtime.close_codes == [1006]  # dropped, no closing handshake waited for
    assert asyncio.all_tasks() - before == set()  # nothing left running


async def test_a_connection_left_open_is_closed_with_the_client(server):
    client = AsyncClient(api_key=API_KEY, base_url=server.base_url)
    connection = await client.realtime.connect(model=MODEL).enter()
    await connection.recv()
    await client.aclose()
    await _until(lambda: server.realtime.open == 0)
    with pytest.raises(WebSocketConnectionClosedError):
        await connection.recv()


async def test_no_pong_counts_as_a_lost_connection(client, server):
    server.realtime.answer_pings = False
    options = {"ping_interval": 0.1}
    async with client.realtime.connect(model=MODEL, websocket_connection_options=options) as c:
        await c.recv()
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await c.recv()
    assert info.value.code == 1006
    assert "pong" in info.value.reason


async def test_the_idle_timeout(client, server):
    options = {"idle_timeout": 0.1}
    async with client.realtime.connect(model=MODEL, websocket_connection_options=options) as c:
        await c.recv()
        with pytest.raises(APITimeoutError):
            await c.recv()
        with pytest.raises(WebSocketConnectionClosedError):  # given up: not half-open
            await c.recv()
    await _until(lambda: server.realtime.open == 0)


async def test_cancelling_recv_loses_nothing(client, server):
    async with client.realtime.connect(model=MODEL) as connection:
        await connection.recv()
        waiting = asyncio.create_task(connection.recv())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await connection.input_audio_buffer.clear()
        assert (await connection.recv()).type == "input_audio_buffer.cleared"


# -- the handshake --------------------------------------------------------------------------


async def test_url_query_and_headers(server):
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        default_headers={"X-Team": "blue"},
        default_query={"tenant": "t1"},
        organization="org_1",
    ) as client:
        manager = client.realtime.connect(
            model=MODEL,
            call_id="rtc_1",
            extra_query={"intent": "x"},
            extra_headers={"X-Trace": "7"},
        )
        async with manager as connection:
            await connection.recv()
    (request,) = server.requests
    assert (request.method, request.path) == ("GET", "/v1/realtime")
    assert request.query == {"tenant": "t1", "model": MODEL, "call_id": "rtc_1", "intent": "x"}
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["X-Team"] == "blue" and request.headers["X-Trace"] == "7"
    assert request.headers["OpenAI-Organization"] == "org_1"
    assert request.headers["Upgrade"].lower() == "websocket"


async def test_websocket_base_url_is_used(server):
    ws_base = server.base_url.replace("http://", "ws://")
    async with (
        AsyncClient(
            api_key=API_KEY, base_url="http://127.0.0.1:9/unused", websocket_base_url=ws_base
        ) as client,
        client.realtime.connect(model=MODEL) as connection,
    ):
        assert (await connection.recv()).type == "session.created"


async def test_a_callable_api_key_is_asked_for_each_connection(server):
    calls = []

    async def key() -> str:
        calls.append(1)
        return API_KEY

    async with AsyncClient(api_key=key, base_url=server.base_url) as client:
        for _ in range(2):
            async with client.realtime.connect(model=MODEL) as connection:
                await connection.recv()
    assert len(calls) == 2
    assert server.requests[-1].headers["Authorization"] == f"Bearer {API_KEY}"


async def test_an_ephemeral_client_secret(client, server):
    secret = await client.realtime.client_secrets.create(
        session={"type": "realtime", "model": MODEL}
    )
    assert secret.value.startswith("ek_")
    browser = AsyncClient(api_key=secret.value, base_url=server.base_url)
    async with browser, browser.realtime.connect(model=MODEL) as connection:
        assert (await connection.recv()).type == "session.created"
    assert server.requests[-1].headers["Authorization"] == f"Bearer {secret.value}"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
    ],
)
async def test_a_refused_handshake_raises_the_status_error(client, server, status, error):
    server.add_fault(Fault.status(status, path="/v1/realtime", headers={"x-request-id": "req_x"}))
    with pytest.raises(error) as info:
        async with client.realtime.connect(model=MODEL):
            pass
    assert info.value.status_code == status
    assert info.value.request_id == "req_x"


async def test_a_wrong_key_raises_authentication_error(server):
    async with AsyncClient(api_key="sk-wrong", base_url=server.base_url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.realtime.connect(model=MODEL).enter()
    assert info.value.status_code == 401
    assert "sk-wrong" not in str(info.value)


async def test_a_handshake_the_server_drops(client, server):
    for _ in range(2):  # aiohttp sends a GET once more when the connection drops
        server.add_fault(Fault.drop(path="/v1/realtime"))
    with pytest.raises(APIConnectionError):
        await client.realtime.connect(model=MODEL).enter()


async def test_nothing_listening(server):
    async with AsyncClient(api_key=API_KEY, base_url="http://127.0.0.1:9/v1") as client:
        with pytest.raises(APIConnectionError):
            await client.realtime.connect(model=MODEL).enter()


async def test_the_open_timeout(client, server):
    server.add_fault(Fault.delay(3600, path="/v1/realtime"))
    options = {"open_timeout": 0.1}
    with pytest.raises(APITimeoutError):
        await client.realtime.connect(model=MODEL, websocket_connection_options=options).enter()


async def test_bad_arguments(client):
    with pytest.raises(ConfigurationError, match="ping_timeout"):
        client.realtime.connect(model=MODEL, websocket_connection_options={"ping_timeout": 1})
    with pytest.raises(ConfigurationError):
        client.realtime.connect(model=MODEL, websocket_connection_options={"idle_timeout": 0})
    with pytest.raises(ConfigurationError):
        client.realtime.connect(model=MODEL, max_retries=-1)
    manager = client.realtime.connect(model=MODEL)
    with pytest.raises(InvalidRequestError):
        manager.send("response.create")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError):
        manager.send({"response": {}})
    with pytest.raises(WebSocketQueueFullError):
        client.realtime.connect(model=MODEL, max_queue_size=10).send({"type": "response.create"})


# -- Azure ----------------------------------------------------------------------------------


@pytest.fixture
async def azure_server():
    async with LocalServer(api_key=API_KEY, azure=True) as srv:
        yield srv


async def test_azure_url_and_api_key(azure_server):
    async with (
        AsyncAzureClient(
            azure_endpoint=azure_server.azure_endpoint,
            api_key=API_KEY,
            api_version="2025-04-01-preview",
        ) as client,
        client.realtime.connect(model="my-realtime") as connection,
    ):
        created = await connection.recv()
        assert created.session.model == "my-realtime"
    (request,) = azure_server.requests
    assert request.path == "/openai/realtime"
    assert request.query == {"api-version": "2025-04-01-preview", "deployment": "my-realtime"}
    assert request.headers["api-key"] == API_KEY
    assert "Authorization" not in request.headers


async def test_azure_entra_token_and_fixed_deployment(azure_server):
    async with (
        AsyncAzureClient(
            azure_endpoint=azure_server.azure_endpoint,
            azure_ad_token_provider=lambda: API_KEY,
            azure_deployment="fixed",
            api_version="2025-04-01-preview",
        ) as client,
        client.realtime.connect(model="ignored") as connection,
    ):
        await connection.recv()
    (request,) = azure_server.requests
    assert request.query["deployment"] == "fixed"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "api-key" not in request.headers


async def test_azure_needs_a_deployment(azure_server):
    async with AsyncAzureClient(
        azure_endpoint=azure_server.azure_endpoint,
        api_key=API_KEY,
        api_version="2025-04-01-preview",
    ) as client:
        with pytest.raises(ConfigurationError, match="deployment"):
            await client.realtime.connect().enter()


async def test_azure_wrong_key(azure_server):
    async with AsyncAzureClient(
        azure_endpoint=azure_server.azure_endpoint,
        api_key="wrong",
        api_version="2025-04-01-preview",
    ) as client:
        with pytest.raises(AuthenticationError):
            await client.realtime.connect(model="m").enter()


async def test_azure_v1_path(azure_server):
    base = azure_server.azure_endpoint + "/openai/v1"
    client = AsyncClient(api_key=API_KEY, base_url=base)
    async with client, client.realtime.connect(model="my-realtime") as connection:
        await connection.recv()
    (request,) = azure_server.requests
    assert request.path == "/openai/v1/realtime"
    assert request.query == {"model": "my-realtime"}


# -- reconnecting ---------------------------------------------------------------------------


async def test_reconnects_after_a_drop(client, server):
    server.realtime.add_reply(RealtimeReply(drop=True))
    seen: list[ReconnectingEvent] = []

    def on_reconnecting(event: ReconnectingEvent) -> dict[str, Any]:
        seen.append(event)
        return {"extra_query": {"resume": "1"}}

    async with client.realtime.connect(
        model=MODEL, on_reconnecting=on_reconnecting, initial_delay=0
    ) as connection:
        assert (await connection.recv()).type == "session.created"
        await connection.response.create()
        assert (await connection.recv()).type == "session.created"  # the new connection's
        await connection.response.create()
        await _until_type(connection, "response.done")
    assert [(e.attempt, e.close_code) for e in seen] == [(1, 1006)]
    assert server.realtime.connections == 2
    assert server.requests[-1].query == {"model": MODEL, "resume": "1"}


async def test_events_sent_while_reconnecting_go_out_on_the_new_connection(client, server):
    server.realtime.add_reply(RealtimeReply(drop=True))
    holder: dict[str, Any] = {}

    def on_reconnecting(event: ReconnectingEvent) -> None:
        holder["task"] = asyncio.create_task(
            holder["connection"].send({"type": "input_audio_buffer.clear"})
        )

    async with client.realtime.connect(
        model=MODEL, on_reconnecting=on_reconnecting, initial_delay=0
    ) as connection:
        holder["connection"] = connection
        await connection.recv()
        await connection.response.create()
        await _until_type(connection, "input_audio_buffer.cleared")
    assert server.realtime.connections == 2


async def test_giving_up_raises_with_the_unsent_messages(client, server):
    server.realtime.add_reply(RealtimeReply(drop=True))
    holder: dict[str, Any] = {}
    attempts = []

    def on_reconnecting(event: ReconnectingEvent) -> None:
        attempts.append(event.attempt)
        if event.attempt == 1:
            holder["task"] = asyncio.create_task(
                holder["connection"].send({"type": "response.create"})
            )

    async with client.realtime.connect(
        model=MODEL, on_reconnecting=on_reconnecting, initial_delay=0, max_retries=2
    ) as connection:
        holder["connection"] = connection
        await connection.recv()
        for _ in range(2):  # both attempts to reconnect are refused
            server.add_fault(Fault.status(500, path="/v1/realtime"))
        await connection.response.create()
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await _until_type(connection, "response.done")
    assert attempts == [1, 2]
    assert info.value.code == 1006
    assert info.value.unsent_messages == ['{"type":"response.create"}']


async def test_abort_and_unrecoverable_codes_do_not_reconnect(client, server):
    server.realtime.add_reply(RealtimeReply(drop=True))
    server.realtime.add_reply(RealtimeReply(close_code=1008))
    seen = []
    async with client.realtime.connect(
        model=MODEL, on_reconnecting=lambda e: seen.append(e) or {"abort": True}
    ) as connection:
        await connection.response.create()
        with pytest.raises(WebSocketConnectionClosedError):
            await _until_type(connection, "response.done")
    assert len(seen) == 1
    async with client.realtime.connect(
        model=MODEL, on_reconnecting=lambda e: seen.append(e)
    ) as connection:
        await connection.response.create()
        with pytest.raises(WebSocketConnectionClosedError) as info:
            await _until_type(connection, "response.done")
    assert info.value.code == 1008 and len(seen) == 1


# -- the sync facade ------------------------------------------------------------------------


def test_sync_conversation(threaded_server):
    threaded_server.realtime.add_reply(
        RealtimeReply(text="Sunny.", tool_calls=[ToolCall("get_weather", "{}")])
    )
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    with client, client.realtime.connect(model=MODEL) as connection:
        assert connection.recv().type == "session.created"
        connection.session.update(session={"type": "realtime"})
        connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "?"}],
            }
        )
        connection.response.create()
        types = []
        for event in connection:
            types.append(event.type)
            if event.type == "response.done":
                break
        connection.send({"type": "input_audio_buffer.clear"})
        assert connection.recv().type == "input_audio_buffer.cleared"
    assert "response.function_call_arguments.done" in types
    assert types[0] == "session.updated"
    assert [e["type"] for e in threaded_server.realtime.events][:3] == [
        "session.update",
        "conversation.item.create",
        "response.create",
    ]


def test_sync_errors(threaded_server):
    wrong = Client(api_key="sk-wrong", base_url=threaded_server.base_url)
    with wrong, pytest.raises(AuthenticationError):
        wrong.realtime.connect(model=MODEL).enter()
    threaded_server.realtime.add_reply(RealtimeReply(close_code=1011))
    client = Client(api_key=API_KEY, base_url=threaded_server.base_url)
    with client, client.realtime.connect(model=MODEL) as connection:
        connection.response.create()
        with pytest.raises(WebSocketConnectionClosedError) as info:
            for _ in connection:
                pass
    assert info.value.code == 1011
