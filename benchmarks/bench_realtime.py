"""Realtime API events per second: ``async for event in connection`` (typed events) against
a raw aiohttp WebSocket loop decoding the same frames with orjson (the floor).

A WebSocket server in its own process sends the same pre-encoded frames to every
connection (text deltas, with an audio delta every fifth event) and closes it. Each side
runs ``--runs`` times, alternating; the best run counts. Target: ratio >= 0.5.

    python benchmarks/bench_realtime.py [--events 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing
import socket
import sys
import time
from multiprocessing.connection import Connection

import aiohttp
import orjson
from aiohttp import web

from openai_async import AsyncClient


def frames(count: int) -> list[str]:
    audio = base64.b64encode(bytes(2400)).decode()  # 50 ms of PCM16 at 24 kHz
    out = []
    for i in range(count):
        where = {
            "event_id": f"event_{i}",
            "response_id": "resp_1",
            "item_id": "item_1",
            "output_index": 0,
            "content_index": 0,
        }
        if i % 5 == 4:
            event = {"type": "response.output_audio.delta", **where, "delta": audio}
        else:
            event = {"type": "response.output_text.delta", **where, "delta": " word"}
        out.append(orjson.dumps(event).decode())
    return out


def serve(port: int, count: int, ready: Connection) -> None:
    payload = frames(count)

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        for frame in payload:
            await ws.send_str(frame)
        await ws.close()
        return ws

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/v1/realtime", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.send(True)
        await asyncio.Event().wait()

    asyncio.run(main())


async def sdk(base_url: str) -> int:
    client = AsyncClient(api_key="bench", base_url=base_url)
    async with client, client.realtime.connect(model="gpt-realtime") as connection:
        return sum([1 async for _ in connection])


async def raw(base_url: str) -> int:
    url = base_url.replace("http://", "ws://") + "/realtime?model=gpt-realtime"
    seen = 0
    async with aiohttp.ClientSession() as session, session.ws_connect(url, max_msg_size=0) as ws:
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return seen
            orjson.loads(msg.data)
            seen += 1


def main() -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--events", type=int, default=50_000)
    cli.add_argument("--runs", type=int, default=3)
    args = cli.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(port, args.events, send), daemon=True)
    server.start()
    receive.recv()
    base_url = f"http://127.0.0.1:{port}/v1"
    best = {"raw aiohttp + orjson": 0.0, "openai_async async for": 0.0}
    try:
        for _ in range(args.runs):
            for name, run in (("raw aiohttp + orjson", raw), ("openai_async async for", sdk)):
                start = time.perf_counter()
                seen = asyncio.run(run(base_url))
                rate = seen / (time.perf_counter() - start)
                if seen != args.events:
                    print(f"{name}: {seen} events, expected {args.events}", file=sys.stderr)
                    return 1
                best[name] = max(best[name], rate)
    finally:
        server.terminate()
    for name, rate in best.items():
        print(f"{name:24} {rate:>10,.0f} events/s")
    ratio = best["openai_async async for"] / best["raw aiohttp + orjson"]
    print(f"ratio {ratio:.2f} (target >= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
