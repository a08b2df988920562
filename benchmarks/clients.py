"""One benchmark run in this process: ``python benchmarks/clients.py CLIENT SCENARIO BASE_URL``.

Prints one JSON line: ``{"rate": ..., "max_rss_kb": ...}``. The suite (``suite.py``)
starts a fresh process per run, so clients never share a heap, a pool or warm caches.

Clients: ``openai_async``; ``openai`` (the official SDK, httpx); ``openai_aiohttp`` (the
official SDK on its aiohttp transport); ``floor`` (aiohttp + orjson, or http.client for
the sync scenario: no models, no retries). Scenarios are in ``SCENARIOS``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import resource
import sys
import time
from array import array
from collections.abc import Awaitable, Callable
from typing import Any

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Hello"}]
INPUTS = [f"benchmark input number {i}" for i in range(16)]
BUDGET = 10.0  # seconds: a slow client stops early and its rate is measured on what it did

# name: (kind, count, concurrency, chunks or events per stream)
SCENARIOS: dict[str, tuple[str, int, int, int]] = {
    "chat": ("chat", 2000, 64, 0),
    "raw_chat": ("raw_chat", 2000, 64, 0),
    "embeddings_float": ("embed_float", 500, 16, 0),
    "embeddings_base64": ("embed_base64", 500, 16, 0),
    "one_stream": ("stream", 1, 1, 20000),
    "many_streams": ("stream", 200, 200, 200),
    "responses_streams": ("responses_stream", 50, 16, 400),
    "sync_chat": ("sync_chat", 500, 1, 0),
    "sync_stream": ("sync_stream", 1, 1, 20000),
}

# A fresh process's whole program: import, build a client, one chat (``cold`` below).
COLD = {
    "openai_async": """
import asyncio
from openai_async import AsyncClient
async def main():
    async with AsyncClient(api_key="bench", base_url=BASE) as client:
        r = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert r.choices[0].message.content
asyncio.run(main())
""",
    "openai": """
import asyncio
from openai import AsyncOpenAI
async def main():
    async with AsyncOpenAI(api_key="bench", base_url=BASE) as client:
        r = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        assert r.choices[0].message.content
asyncio.run(main())
""",
    "floor": """
import asyncio
import aiohttp, orjson
async def main():
    headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
    body = orjson.dumps({"model": MODEL, "messages": MESSAGES})
    async with aiohttp.ClientSession() as session:
        async with session.post(BASE + "/chat/completions", data=body, headers=headers) as r:
            assert orjson.loads(await r.read())["choices"][0]["message"]["content"]
asyncio.run(main())
""",
}


def cold_program(client: str, base: str) -> str:
    """``COLD[client]`` timed from its first line; prints milliseconds."""
    return (
        "import time; _started = time.perf_counter()\n"
        f"BASE, MODEL, MESSAGES = {base!r}, {MODEL!r}, {MESSAGES!r}\n"
        + COLD[client]
        + "print((time.perf_counter() - _started) * 1000)\n"
    )


async def pool(count: int, concurrency: int, one: Callable[[], Awaitable[int]]) -> float:
    """Run ``one`` ``count`` times on ``concurrency`` workers; units done per second.

    One untimed call first: lazy imports and the first connection are start-up costs,
    not throughput."""
    await one()
    started = time.perf_counter()
    deadline = started + BUDGET
    remaining = count
    done = 0

    async def worker() -> None:
        nonlocal remaining, done
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            n = await one()  # not `done += await ...`: that reads `done` before awaiting
            done += n

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


def sync_loop(count: int, one: Callable[[], int]) -> float:
    one()  # untimed, as in pool()
    started = time.perf_counter()
    deadline = started + BUDGET
    done = 0
    for _ in range(count):
        if time.perf_counter() >= deadline:
            break
        done += one()
    return done / (time.perf_counter() - started)


# --- openai_async ------------------------------------------------------------------------


async def run_openai_async(kind: str, count: int, conc: int, chunks: int, base: str) -> float:
    from openai_async import AsyncClient

    async with AsyncClient(api_key="bench", base_url=base) as client:

        async def chat() -> int:
            r = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            assert r.choices[0].message.content
            return 1

        async def raw_chat() -> int:
            raw = await client.chat.completions.with_raw_response.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
            )
            assert raw.headers.get("content-type") and raw.parse().choices[0].message.content
            return 1

        async def embed(fmt: Any) -> int:
            r = await client.embeddings.create(model="e", input=INPUTS, encoding_format=fmt)
            assert len(r.data[15].embedding) == 1536
            return 1

        async def stream() -> int:
            n = 0
            s = await client.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,
                stream=True,
                extra_query={"chunks": chunks},  # type: ignore[arg-type]
            )
            async for chunk in s:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
            return n

        async def responses_stream() -> int:
            n = 0
            s = await client.responses.create(
                model=MODEL,
                input="Hello",
                stream=True,
                extra_query={"events": chunks},  # type: ignore[arg-type]
            )
            async for event in s:
                if event.type == "response.output_text.delta":
                    n += 1
            return n

        fns = {
            "chat": chat,
            "raw_chat": raw_chat,
            "embed_float": lambda: embed("float"),
            "embed_base64": lambda: embed("base64"),
            "stream": stream,
            "responses_stream": responses_stream,
        }
        return await pool(count, conc, fns[kind])


def run_openai_async_sync(kind: str, count: int, chunks: int, base: str) -> float:
    from openai_async import Client

    with Client(api_key="bench", base_url=base) as client:

        def one() -> int:
            r = client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            assert r.choices[0].message.content
            return 1

        def stream() -> int:
            n = 0
            s = client.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
                extra_query={"chunks": chunks},
            )
            for chunk in s:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
            return n

        return sync_loop(count, stream if kind == "sync_stream" else one)


# --- the official SDK -------------------------------------------------------------------


async def run_openai(
    kind: str, count: int, conc: int, chunks: int, base: str, aiohttp: bool
) -> float:
    import openai

    http_client = openai.DefaultAioHttpClient() if aiohttp else None
    async with openai.AsyncOpenAI(
        api_key="bench", base_url=base, http_client=http_client
    ) as client:

        async def chat() -> int:
            r = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            assert r.choices[0].message.content
            return 1

        async def raw_chat() -> int:
            raw = await client.chat.completions.with_raw_response.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
            )
            assert raw.headers.get("content-type") and raw.parse().choices[0].message.content
            return 1

        async def embed(fmt: Any) -> int:
            # Left out, the official SDK asks for base64 and decodes it to floats itself.
            r = await client.embeddings.create(model="e", input=INPUTS, encoding_format=fmt)
            assert len(r.data[15].embedding) == 1536
            return 1

        async def stream() -> int:
            n = 0
            s = await client.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,
                stream=True,
                extra_query={"chunks": chunks},  # type: ignore[arg-type]
            )
            async for chunk in s:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
            return n

        async def responses_stream() -> int:
            n = 0
            s = await client.responses.create(
                model=MODEL,
                input="Hello",
                stream=True,
                extra_query={"events": chunks},
            )
            async for event in s:
                if event.type == "response.output_text.delta":
                    n += 1
            return n

        fns = {
            "chat": chat,
            "raw_chat": raw_chat,
            "embed_float": lambda: embed("float"),
            "embed_base64": lambda: embed(openai.NOT_GIVEN),
            "stream": stream,
            "responses_stream": responses_stream,
        }
        return await pool(count, conc, fns[kind])


def run_openai_sync(kind: str, count: int, chunks: int, base: str) -> float:
    import openai

    with openai.OpenAI(api_key="bench", base_url=base) as client:

        def one() -> int:
            r = client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            assert r.choices[0].message.content
            return 1

        def stream() -> int:
            n = 0
            s = client.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
                extra_query={"chunks": chunks},
            )
            for chunk in s:
                if chunk.choices and chunk.choices[0].delta.content:
                    n += 1
            return n

        return sync_loop(count, stream if kind == "sync_stream" else one)


# --- the floor: aiohttp + orjson, http.client ---------------------------------------------


async def run_floor(kind: str, count: int, conc: int, chunks: int, base: str) -> float:
    import aiohttp
    import orjson

    headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1000)) as session:

        async def post(body: dict[str, Any], query: str = "") -> Any:
            url = base + ("/chat/completions" if "messages" in body else "/embeddings") + query
            async with session.post(url, data=orjson.dumps(body), headers=headers) as r:
                return orjson.loads(await r.read())

        async def chat() -> int:
            data = await post({"model": MODEL, "messages": MESSAGES})
            assert data["choices"][0]["message"]["content"]
            return 1

        async def embed_float() -> int:
            data = await post({"model": "e", "input": INPUTS, "encoding_format": "float"})
            assert len(data["data"][15]["embedding"]) == 1536
            return 1

        async def embed_base64() -> int:
            data = await post({"model": "e", "input": INPUTS, "encoding_format": "base64"})
            vectors = []
            for item in data["data"]:
                floats = array("f")
                floats.frombytes(base64.b64decode(item["embedding"]))
                vectors.append(floats.tolist())
            assert len(vectors[15]) == 1536
            return 1

        async def stream() -> int:
            n = 0
            body = orjson.dumps({"model": MODEL, "messages": MESSAGES, "stream": True})
            url = f"{base}/chat/completions?chunks={chunks}"
            async with session.post(url, data=body, headers=headers) as r:
                buf = b""
                async for piece in r.content.iter_any():
                    buf += piece
                    *events, buf = buf.split(b"\n\n")
                    for event in events:
                        data = event[6:]
                        if data == b"[DONE]":
                            return n
                        choices = orjson.loads(data)["choices"]
                        if choices and choices[0]["delta"].get("content"):
                            n += 1
            return n

        async def responses_stream() -> int:
            n = 0
            body = orjson.dumps({"model": MODEL, "input": "Hello", "stream": True})
            url = f"{base}/responses?events={chunks}"
            async with session.post(url, data=body, headers=headers) as r:
                buf = b""
                async for piece in r.content.iter_any():
                    buf += piece
                    *events, buf = buf.split(b"\n\n")
                    for event in events:
                        data = orjson.loads(event[event.index(b"data: ") + 6 :])
                        if data["type"] == "response.output_text.delta":
                            n += 1
            return n

        fns = {
            "chat": chat,
            "raw_chat": chat,  # the floor has no wrapper: the same request
            "responses_stream": responses_stream,
            "embed_float": embed_float,
            "embed_base64": embed_base64,
            "stream": stream,
        }
        return await pool(count, conc, fns[kind])


def run_floor_sync(kind: str, count: int, chunks: int, base: str) -> float:
    import http.client
    from urllib.parse import urlsplit

    import orjson

    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    body = orjson.dumps({"model": MODEL, "messages": MESSAGES})
    headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}

    def one() -> int:
        conn.request("POST", url.path + "/chat/completions", body=body, headers=headers)
        data = orjson.loads(conn.getresponse().read())
        assert data["choices"][0]["message"]["content"]
        return 1

    def stream() -> int:
        n = 0
        stream_body = orjson.dumps({"model": MODEL, "messages": MESSAGES, "stream": True})
        path = f"{url.path}/chat/completions?chunks={chunks}"
        conn.request("POST", path, body=stream_body, headers=headers)
        response = conn.getresponse()
        buf = b""
        while piece := response.read1(65536):
            buf += piece
            *events, buf = buf.split(b"\n\n")
            for event in events:
                data = event[6:]
                if data == b"[DONE]":
                    continue
                choices = orjson.loads(data)["choices"]
                if choices and choices[0]["delta"].get("content"):
                    n += 1
        response.read()  # ends the response: the connection is ready for the next request
        return n

    try:
        return sync_loop(count, stream if kind == "sync_stream" else one)
    finally:
        conn.close()


def main() -> None:
    client, scenario, base = sys.argv[1:4]
    kind, count, conc, chunks = SCENARIOS[scenario]
    if kind.startswith("sync_"):
        sync_runs: dict[str, Callable[[], float]] = {
            "openai_async": lambda: run_openai_async_sync(kind, count, chunks, base),
            "openai": lambda: run_openai_sync(kind, count, chunks, base),
            "floor": lambda: run_floor_sync(kind, count, chunks, base),
        }
        rate = sync_runs[client]()
    else:
        async_runs = {
            "openai_async": lambda: run_openai_async(kind, count, conc, chunks, base),
            "openai": lambda: run_openai(kind, count, conc, chunks, base, aiohttp=False),
            "openai_aiohttp": lambda: run_openai(kind, count, conc, chunks, base, aiohttp=True),
            "floor": lambda: run_floor(kind, count, conc, chunks, base),
        }
        rate = asyncio.run(async_runs[client]())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rate": rate, "max_rss_kb": usage.ru_maxrss}))


if __name__ == "__main__":
    main()
