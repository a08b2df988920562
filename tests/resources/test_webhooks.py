"""``client.webhooks`` on the async and the sync client: where the secret comes from, and a
delivery received over a real socket by an aiohttp handler."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator

import aiohttp
import orjson
import pytest
from aiohttp import web

from openai_async import (
    AsyncClient,
    Client,
    ConfigurationError,
    InvalidWebhookSignatureError,
    UnknownVariant,
)
from openai_async.models.webhooks import WebhookBatchFailed, WebhookResponseCompleted
from openai_async.testing import sign_webhook
from tests.conftest import API_KEY

NOW = 1_750_000_000
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OTHER = "whsec_" + base64.b64encode(b"o" * 32).decode()
BODY = orjson.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "created_at": NOW,
        "type": "response.completed",
        "data": {"id": "resp_1"},
    }
)
HEADERS = sign_webhook(BODY, secret=SECRET, webhook_id="msg_1", timestamp=NOW)

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)


@pytest.fixture
async def aclient() -> AsyncIterator[AsyncClient]:
    async with AsyncClient(api_key=API_KEY) as client:
        client.webhooks.now = lambda: NOW
        yield client


@pytest.fixture
def sync_client() -> Iterator[Client]:
    with Client(api_key=API_KEY) as client:
        client.webhooks.now = lambda: NOW
        yield client


async def test_async_unwrap_with_the_secret_argument(aclient: AsyncClient):
    event = aclient.webhooks.unwrap(BODY, HEADERS, secret=SECRET)
    assert isinstance(event, WebhookResponseCompleted)
    assert event.data.id == "resp_1"
    with pytest.raises(InvalidWebhookSignatureError):
        aclient.webhooks.unwrap(BODY, HEADERS, secret=OTHER)


def test_sync_unwrap_with_the_secret_argument(sync_client: Client):
    event = sync_client.webhooks.unwrap(BODY.decode(), HEADERS, secret=SECRET)
    assert isinstance(event, WebhookResponseCompleted)
    with pytest.raises(InvalidWebhookSignatureError):
        sync_client.webhooks.verify_signature(BODY + b" ", HEADERS, secret=SECRET)


def test_the_sync_client_hands_out_the_async_clients_object(sync_client: Client):
    assert sync_client.webhooks is sync_client._async.webhooks
    assert sync_client.webhooks is sync_client.webhooks


async def test_secret_from_the_client_attribute(aclient: AsyncClient):
    aclient.webhook_secret = SECRET  # type: ignore[attr-defined,unused-ignore]
    assert isinstance(aclient.webhooks.unwrap(BODY, HEADERS), WebhookResponseCompleted)
    with pytest.raises(InvalidWebhookSignatureError):  # the argument wins
        aclient.webhooks.verify_signature(BODY, HEADERS, secret=OTHER)


def test_sync_secret_from_the_client_attribute(sync_client: Client):
    sync_client._async.webhook_secret = SECRET  # type: ignore[attr-defined,unused-ignore]
    sync_client.webhooks.verify_signature(BODY, HEADERS)


async def test_the_client_attribute_wins_over_the_environment(
    aclient: AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", OTHER)
    aclient.webhook_secret = SECRET  # type: ignore[attr-defined,unused-ignore]
    aclient.webhooks.verify_signature(BODY, HEADERS)


async def test_secret_from_the_environment(aclient: AsyncClient, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    aclient.webhooks.verify_signature(BODY, HEADERS)


def test_sync_secret_from_the_environment(sync_client: Client, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    sync_client.webhooks.verify_signature(BODY, HEADERS)


async def test_no_secret_at_all(aclient: AsyncClient):
    with pytest.raises(ConfigurationError, match="webhook_secret") as info:
        aclient.webhooks.unwrap(BODY, HEADERS)
    assert isinstance(info.value, ValueError)


def test_sync_no_secret_at_all(sync_client: Client):
    with pytest.raises(ConfigurationError, match="OPENAI_WEBHOOK_SECRET"):
        sync_client.webhooks.verify_signature(BODY, HEADERS)


async def test_with_options_copies_read_their_own_secret(aclient: AsyncClient):
    aclient.webhook_secret = OTHER  # type: ignore[attr-defined,unused-ignore]
    aclient.webhooks.now = lambda: NOW
    copy = aclient.with_options(max_retries=0)
    copy.webhook_secret = SECRET  # type: ignore[attr-defined,unused-ignore]
    assert copy.webhooks is not aclient.webhooks
    copy.webhooks.now = lambda: NOW
    copy.webhooks.verify_signature(BODY, HEADERS)
    with pytest.raises(InvalidWebhookSignatureError):
        aclient.webhooks.verify_signature(BODY, HEADERS)


async def test_an_aiohttp_handler_receives_a_signed_delivery_over_a_socket(
    aclient: AsyncClient,
):
    """The body as aiohttp read it and its case-insensitive headers verify as sent."""
    received: list[object] = []
    statuses: list[int] = []
    aclient.webhooks.now = lambda: NOW

    async def handle(request: web.Request) -> web.Response:
        try:
            event = aclient.webhooks.unwrap(await request.read(), request.headers, secret=SECRET)
        except InvalidWebhookSignatureError:
            return web.Response(status=400)
        received.append(event)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}/webhook"
        batch = orjson.dumps(
            {"id": "e", "created_at": NOW, "type": "batch.failed", "data": {"id": "b"}}
        )
        future = orjson.dumps({"id": "e", "created_at": NOW, "type": "video.completed"})
        sent = {k.title(): v for k, v in HEADERS.items()}  # as a proxy might spell them
        async with aiohttp.ClientSession() as session:
            for body, headers in [
                (BODY, sent),
                (batch, sign_webhook(batch, secret=SECRET, timestamp=NOW)),
                (future, sign_webhook(future, secret=SECRET, timestamp=NOW)),
                (BODY.replace(b"resp_1", b"resp_2"), HEADERS),
            ]:
                async with session.post(url, data=body, headers=headers) as response:
                    statuses.append(response.status)
    finally:
        await runner.cleanup()
    assert statuses == [200, 200, 200, 400]
    assert [type(e) for e in received] == [
        WebhookResponseCompleted,
        WebhookBatchFailed,
        UnknownVariant,
    ]
