"""Throughput of AsyncClient against a raw aiohttp + orjson baseline, in the same run.

A pre-rendered OpenAI-compatible server runs in its own process on 127.0.0.1, so the
server is not what is measured. Scenarios:

* concurrent non-streamed chats (requests/s);
* one long stream (chunks/s consumed as typed chunks vs. raw dicts).

Prints medians and the ratio of openai_async to the baseline (higher is better,
1.0 = as fast as the floor). No pass/fail: people judge.

    python benchmarks/bench_client.py [--requests 2000] [--concurrency 64] [--chunks 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import orjson
from aiohttp import web

from openai_async import AsyncClient

CHAT = orjson.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello! How can I help you today?",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18},
        "system_fingerprint": "fp_bench",
    }
)


def _chunk(content: str | None, finish: str | None) -> bytes:
    delta = {} if content is None else {"content": content}
    return (
        b"data: "
        + orjson.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": "gpt-4o-mini",
                "system_fingerprint": "fp_bench",
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
        )
        + b"\n\n"
    )


def _serve(port: int, chunks: int) -> None:
    body = (
        b"".join(_chunk(" word", None) for _ in range(chunks))
        + _chunk(None, "stop")
        + b"data: [DONE]\n\n"
    )

    async def chat(request: web.Request) -> web.StreamResponse:
        payload = await request.read()
        if b'"stream":true' not in payload:
            return web.Response(body=CHAT, content_type="application/json")
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for start in range(0, len(body), 16384):
            await resp.write(body[start : start + 16384])
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_for(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("benchmark server did not start")


MESSAGES = [{"role": "user", "content": "Hello"}]


async def sdk_chats(base: str, n: int, concurrency: int) -> float:
    async with AsyncClient(api_key="bench", base_url=base) as client:
        sem = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with sem:
                r = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
                assert r.choices[0].message.content

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - start)


async def raw_chats(base: str, n: int, concurrency: int) -> float:
    async with aiohttp.ClientSession() as session:
        sem = asyncio.Semaphore(concurrency)
        body = orjson.dumps({"model": "gpt-4o-mini", "messages": MESSAGES})
        headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}

        async def one() -> None:
            async with (
                sem,
                session.post(base + "/chat/completions", data=body, headers=headers) as r,
            ):
                data = orjson.loads(await r.read())
                assert data["choices"][0]["message"]["content"]

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.perf_counter() - start)


async def sdk_stream(base: str, chunks: int) -> float:
    async with AsyncClient(api_key="bench", base_url=base) as client:
        start = time.perf_counter()
        count = 0
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        async for chunk in stream:
            if chunk.choices[0].delta.content:
                count += 1
        assert count == chunks, count
        return count / (time.perf_counter() - start)


async def raw_stream(base: str, chunks: int) -> float:
    async with aiohttp.ClientSession() as session:
        body = orjson.dumps({"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True})
        start = time.perf_counter()
        count = 0
        async with session.post(
            base + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
        ) as r:
            buf = b""
            async for piece in r.content.iter_any():
                buf += piece
                *events, buf = buf.split(b"\n\n")
                for event in events:
                    data = event[6:]
                    if data == b"[DONE]":
                        break
                    if orjson.loads(data)["choices"][0]["delta"].get("content"):
                        count += 1
        assert count == chunks, count
        return count / (time.perf_counter() - start)


async def _median(fn: Callable[[], Awaitable[float]], repeat: int) -> float:
    return statistics.median([await fn() for _ in range(repeat)])


async def run(args: argparse.Namespace, base: str) -> None:
    rows = [
        (
            f"{args.requests} chats, concurrency {args.concurrency} (req/s)",
            await _median(lambda: sdk_chats(base, args.requests, args.concurrency), args.repeat),
            await _median(lambda: raw_chats(base, args.requests, args.concurrency), args.repeat),
        ),
        (
            f"one stream of {args.chunks} chunks (chunks/s)",
            await _median(lambda: sdk_stream(base, args.chunks), args.repeat),
            await _median(lambda: raw_stream(base, args.chunks), args.repeat),
        ),
    ]
    print(f"{'scenario':<44} {'openai_async':>14} {'raw aiohttp':>14} {'ratio':>7}")
    for name, sdk, raw in rows:
        print(f"{name:<44} {sdk:>14,.0f} {raw:>14,.0f} {sdk / raw:>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--chunks", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    port = _free_port()
    proc = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(port, args.chunks), daemon=True
    )
    proc.start()
    try:
        base = f"http://127.0.0.1:{port}/v1"
        asyncio.run(_wait_for(port))
        asyncio.run(run(args, base))
    finally:
        proc.terminate()
        proc.join()


if __name__ == "__main__":
    main()
