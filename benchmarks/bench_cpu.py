"""Client CPU per unit of work: openai_async against the raw aiohttp + orjson floor, paired.

The suite (``suite.py``) publishes wall-clock rates; on a shared 2-core machine those swing
several-fold between runs. This measures what the SDK itself adds: the CPU time of this
process (``time.process_time``, every thread: the sync facade's portal too) per request or
per chunk, for each scenario of the suite, the SDK and the floor alternating in rounds
against ``fast_server.py`` (its own process). The ratio floor / SDK is taken per round and
its median reported (1.0 = the SDK costs no more CPU than the floor). No pass/fail.

    python benchmarks/bench_cpu.py [--rounds 7] [--scenarios chat,stream,...] [--profile NAME]

``--profile NAME`` runs the SDK's side of one scenario under cProfile instead and prints the
top functions (by own time and by cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import http.client
import pstats
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from openai_async import AsyncClient, Client

HERE = Path(__file__).resolve().parent
MODEL = "gpt-4o-mini"
MESSAGES: Any = [{"role": "user", "content": "Hello"}]
INPUTS = [f"benchmark input number {i}" for i in range(16)]
HEADERS = {"Authorization": "Bearer bench", "Content-Type": "application/json"}

# name: (units per round, concurrency, chunks per stream; 0 = not a stream)
SCENARIOS: dict[str, tuple[int, int, int]] = {
    "chat": (1000, 64, 0),
    "raw_chat": (1000, 64, 0),
    "embed_float": (100, 16, 0),
    "one_stream": (1, 1, 20000),
    "many_streams": (200, 200, 200),
    "responses_stream": (50, 16, 200),
    "sync_chat": (500, 1, 0),
}

Unit = Callable[[], Awaitable[int]]


async def _pool(count: int, concurrency: int, one: Unit) -> int:
    remaining, done = count, 0

    async def worker() -> None:
        nonlocal remaining, done
        while remaining > 0:
            remaining -= 1
            n = await one()
            done += n

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return done


def sdk_units(client: AsyncClient, chunks: int) -> dict[str, Unit]:
    async def chat() -> int:
        r = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert r.choices[0].message.content
        return 1

    async def raw_chat() -> int:
        raw = await client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
        assert raw.headers.get("content-type") and raw.parse().choices[0].message.content
        return 1

    async def embed_float() -> int:
        r = await client.embeddings.create(model="e", input=INPUTS, encoding_format="float")
        assert len(r.data[15].embedding) == 1536
        return 1

    async def stream() -> int:
        n = 0
        s = await client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, extra_query={"chunks": chunks}
        )
        async for chunk in s:
            if chunk.choices and chunk.choices[0].delta.content:
                n += 1
        return n

    async def responses_stream() -> int:
        n = 0
        s = await client.responses.create(
            model=MODEL, input="Hello", stream=True, extra_query={"events": chunks}
        )
        async for event in s:
            if event.type == "response.output_text.delta":
                n += 1
        return n

    return {
        "chat": chat,
        "raw_chat": raw_chat,
        "embed_float": embed_float,
        "one_stream": stream,
        "many_streams": stream,
        "responses_stream": responses_stream,
    }


def floor_units(session: aiohttp.ClientSession, base: str, chunks: int) -> dict[str, Unit]:
    async def post(path: str, body: dict[str, Any]) -> Any:
        async with session.post(base + path, data=orjson.dumps(body), headers=HEADERS) as r:
            return orjson.loads(await r.read())

    async def chat() -> int:
        data = await post("/chat/completions", {"model": MODEL, "messages": MESSAGES})
        assert data["choices"][0]["message"]["content"]
        return 1

    async def embed_float() -> int:
        body = {"model": "e", "input": INPUTS, "encoding_format": "float"}
        data = await post("/embeddings", body)
        assert len(data["data"][15]["embedding"]) == 1536
        return 1

    async def sse(path: str, body: dict[str, Any], count: Callable[[Any], bool]) -> int:
        n = 0
        async with session.post(base + path, data=orjson.dumps(body), headers=HEADERS) as r:
            buf = b""
            async for piece in r.content.iter_any():
                buf += piece
                *events, buf = buf.split(b"\n\n")
                for event in events:
                    data = event[event.index(b"data: ") + 6 :]
                    if data == b"[DONE]":
                        return n
                    if count(orjson.loads(data)):
                        n += 1
        return n

    async def stream() -> int:
        body = {"model": MODEL, "messages": MESSAGES, "stream": True}
        return await sse(
            f"/chat/completions?chunks={chunks}",
            body,
            lambda c: bool(c["choices"] and c["choices"][0]["delta"].get("content")),
        )

    async def responses_stream() -> int:
        body = {"model": MODEL, "input": "Hello", "stream": True}
        return await sse(
            f"/responses?events={chunks}",
            body,
            lambda e: e["type"] == "response.output_text.delta",
        )

    return {
        "chat": chat,
        "raw_chat": chat,
        "embed_float": embed_float,
        "one_stream": stream,
        "many_streams": stream,
        "responses_stream": responses_stream,
    }


async def _cpu_per_unit(count: int, concurrency: int, one: Unit) -> float:
    """Microseconds of this process's CPU per unit (request or chunk)."""
    cpu = time.process_time()
    done = await _pool(count, concurrency, one)
    return (time.process_time() - cpu) / done * 1e6


def _sync_cpu(count: int, one: Callable[[], object]) -> float:
    cpu = time.process_time()
    for _ in range(count):
        one()
    return (time.process_time() - cpu) / count * 1e6


def run_sync(base: str, rounds: int) -> tuple[list[float], list[float]]:
    count = SCENARIOS["sync_chat"][0]
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    body = orjson.dumps({"model": MODEL, "messages": MESSAGES})

    def floor() -> None:
        conn.request("POST", url.path + "/chat/completions", body=body, headers=HEADERS)
        assert orjson.loads(conn.getresponse().read())["choices"][0]["message"]["content"]

    ours, theirs = [], []
    with Client(api_key="bench", base_url=base) as client:

        def sdk() -> None:
            r = client.chat.completions.create(model=MODEL, messages=MESSAGES)
            assert r.choices[0].message.content

        sdk(), floor()
        for i in range(rounds):
            for side in ("sdk", "floor") if i % 2 == 0 else ("floor", "sdk"):
                if side == "sdk":
                    ours.append(_sync_cpu(count, sdk))
                else:
                    theirs.append(_sync_cpu(count, floor))
    conn.close()
    return ours, theirs


async def run_async(base: str, scenario: str, rounds: int) -> tuple[list[float], list[float]]:
    count, concurrency, chunks = SCENARIOS[scenario]
    ours, theirs = [], []
    connector = aiohttp.TCPConnector(limit=1000)
    async with (
        AsyncClient(api_key="bench", base_url=base, max_connections=1000) as client,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        sdk = sdk_units(client, chunks)[scenario]
        floor = floor_units(session, base, chunks)[scenario]
        await _pool(count, concurrency, sdk)  # warm-up: imports, connections
        await _pool(count, concurrency, floor)
        for i in range(rounds):
            for side in ("sdk", "floor") if i % 2 == 0 else ("floor", "sdk"):
                if side == "sdk":
                    ours.append(await _cpu_per_unit(count, concurrency, sdk))
                else:
                    theirs.append(await _cpu_per_unit(count, concurrency, floor))
    return ours, theirs


async def profile_async(base: str, scenario: str, rounds: int) -> None:
    count, concurrency, chunks = SCENARIOS[scenario]
    async with AsyncClient(api_key="bench", base_url=base, max_connections=1000) as client:
        sdk = sdk_units(client, chunks)[scenario]
        await _pool(count, concurrency, sdk)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds):
            await _pool(count, concurrency, sdk)
        profiler.disable()
    _print_profile(profiler)


def profile_sync(base: str, rounds: int) -> None:
    count = SCENARIOS["sync_chat"][0]
    with Client(api_key="bench", base_url=base) as client:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(rounds * count):
            client.chat.completions.create(model=MODEL, messages=MESSAGES)
        profiler.disable()
    _print_profile(profiler)


def _print_profile(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--profile", default=None)
    parser.add_argument("--base", default=None, help="a running fast_server.py's /v1 URL")
    args = parser.parse_args()
    server = None
    base = args.base
    if base is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, str(HERE / "fast_server.py"), str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        server.stdout.readline()  # "ready"
        base = f"http://127.0.0.1:{port}/v1"
    try:
        if args.profile:
            if args.profile == "sync_chat":
                profile_sync(base, args.rounds)
            else:
                asyncio.run(profile_async(base, args.profile, args.rounds))
            return
        print(f"{'scenario':<18}{'sdk us/unit':>12}{'floor us/unit':>14}{'floor/sdk':>10}  rounds")
        for scenario in args.scenarios.split(","):
            if scenario == "sync_chat":
                ours, theirs = run_sync(base, args.rounds)
            else:
                ours, theirs = asyncio.run(run_async(base, scenario, args.rounds))
            ratios = [f / o for o, f in zip(ours, theirs, strict=True)]
            print(
                f"{scenario:<18}{statistics.median(ours):>12.1f}{statistics.median(theirs):>14.1f}"
                f"{statistics.median(ratios):>10.3f}  " + " ".join(f"{r:.2f}" for r in ratios),
                flush=True,
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
