"""A webhook receiver: verify each delivery, then dispatch on its event type.

Run as is, it serves on a free port of 127.0.0.1, posts signed events and a forged one to
itself, prints what it did with them and exits. For real deliveries, serve ``app`` behind
HTTPS, register its URL with OpenAI and set OPENAI_WEBHOOK_SECRET to the endpoint's secret.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time

import aiohttp
import orjson
from aiohttp import web

from openai_async import AsyncClient, InvalidWebhookSignatureError, UnknownVariant
from openai_async.lib.webhooks import WebhookEvent
from openai_async.models.webhooks import WebhookBatchCompleted, WebhookResponseCompleted
from openai_async.testing import sign_webhook

CLIENT = web.AppKey("client", AsyncClient)
SECRET = web.AppKey("secret", str)


async def receive(request: web.Request) -> web.Response:
    client = request.app[CLIENT]
    try:  # the body exactly as received: parsed and dumped again it would not verify
        event = client.webhooks.unwrap(
            await request.read(), request.headers, secret=request.app[SECRET]
        )
    except InvalidWebhookSignatureError as exc:
        print(f"refused a delivery: {exc}")
        return web.Response(status=400)
    dispatch(event)
    return web.Response()  # acknowledge at once: OpenAI retries deliveries not answered 2xx


def dispatch(event: WebhookEvent) -> None:
    match event:
        case WebhookResponseCompleted():
            print(f"response.completed: fetch {event.data.id} with client.responses.retrieve")
        case WebhookBatchCompleted():
            print(f"batch.completed: {event.data.id}")
        case UnknownVariant():  # an event type newer than this SDK: the JSON as sent
            print(f"unknown event type {event.type}: {event.raw['data']}")
        case _:
            print(f"ignored {event.type}")


def make_app(client: AsyncClient, secret: str) -> web.Application:
    app = web.Application()
    app[CLIENT] = client
    app[SECRET] = secret
    app.router.add_post("/webhooks/openai", receive)
    return app


def delivery(type_: str, object_id: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """A body and the headers OpenAI would send with it, signed with ``secret``."""
    now = int(time.time())
    data = {"id": f"evt_{object_id}", "object": "event", "created_at": now, "type": type_}
    body = orjson.dumps({**data, "data": {"id": object_id}})
    return body, sign_webhook(body, secret=secret)


async def post_demo_deliveries(url: str, secret: str) -> None:
    """Three signed events, then one whose body was changed after it was signed."""
    completed, headers = delivery("response.completed", "resp_demo", secret)
    deliveries = {
        "response.completed": (completed, headers),
        "batch.completed": delivery("batch.completed", "batch_demo", secret),
        "agent.session.idle": delivery("agent.session.idle", "sess_demo", secret),
        "forged": (completed.replace(b"resp_demo", b"resp_evil"), headers),
    }
    async with aiohttp.ClientSession() as session:
        for name, (body, sent_headers) in deliveries.items():
            async with session.post(url, data=body, headers=sent_headers) as response:
                print(f"  {name} -> HTTP {response.status}")


async def main() -> None:
    secret = os.environ.get("OPENAI_WEBHOOK_SECRET") or (
        "whsec_" + base64.b64encode(os.urandom(32)).decode()  # a throwaway one for the demo
    )
    # Verifying needs no API key; handlers would use the same client to call the API.
    async with AsyncClient(api_key=os.environ.get("OPENAI_API_KEY") or "unused") as client:
        runner = web.AppRunner(make_app(client, secret))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()  # port 0: any free port
        try:
            host, port = runner.addresses[0][:2]
            await post_demo_deliveries(f"http://{host}:{port}/webhooks/openai", secret)
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
