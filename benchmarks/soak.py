"""Soak: thousands of calls and streams at concurrency 64 against the local server with
random faults; every call must end as a typed result or an SDK error, and nothing may leak.

The server runs on its own thread and event loop (``LocalServer.threaded``), so every task
left on this loop belongs to the client. Each call draws, from a seeded RNG, an operation
(chat, chat stream read to the end or left after the first chunk, text completion stream,
Responses stream, embeddings, a model lookup that may 404) and, often, a fault queued on
the server for its endpoint: a dropped connection, a truncated stream, a stall past the
stream idle limit or a short one with keep-alives, a 5xx or 429 with Retry-After, a
malformed chunk, an error event, slow response headers, or a slow body (chunks spaced
out). Queued faults go to the next request for their path, so under concurrency which
call meets which fault is random; the run is bounded in calls and in time.

Fails (exit 1) on correctness only, never on speed:
- an exception outside the SDK's hierarchy (``OpenAIError``) from any call;
- connections still checked out of the client's pool after the calls, sockets (file
  descriptors) of the process not back to their baseline after the client closes;
- tasks left pending on the loop;
- resident memory grown by more than ``--rss-limit`` MiB between the end of warm-up
  (the first fifth of the calls) and the end.

    python benchmarks/soak.py [--calls 20000] [--concurrency 64] [--seed 1] [--time-limit 300]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import logging
import os
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from openai_async import AsyncClient, OpenAIError, RetryPolicy, Timeout
from openai_async.testing import Fault, LocalServer, Reply

API_KEY = "sk-soak-0123456789"
MESSAGES: Any = [{"role": "user", "content": "Tell me a story about a lighthouse keeper."}]
# The server echoes the message word by word: a stream of ~300 KB, more than the client
# buffers, so a stream left after its first chunk still has a body on the way.
LONG_MESSAGES: Any = [{"role": "user", "content": "and then " * 800}]
# Short limits, so that stalls and slow headers end in timeouts within a second.
TIMEOUT = Timeout(connect=2.0, read=0.5, stream_idle=0.25, total=10.0)
RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.5, max_retry_after=1.0)
PATHS = {
    "chat": "/chat/completions",
    "chat_stream": "/chat/completions",
    "chat_stream_break": "/chat/completions",
    "completion_stream": "/completions",
    "response_stream": "/responses",
    "embeddings": "/embeddings",
    "model": "/models/gpt-4o-mini",
}
STREAMS = {"chat_stream", "chat_stream_break", "completion_stream", "response_stream"}


def rss_mib() -> float:
    """Resident memory now (Linux /proc; elsewhere the peak, which is all there is)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_fds() -> int | None:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def pick_fault(rng: random.Random, op: str, rate: float) -> Fault | Reply | None:
    """A fault (or a slow reply) for one call to `op`, or None (`1 - rate` of the calls)."""
    if rng.random() >= rate:
        return None
    path = PATHS[op]
    stream = op in STREAMS
    kinds = ["5xx", "429", "drop", "delay"]
    if stream:
        kinds += ["truncate", "stall", "stall_keepalive", "malformed", "error_event", "slow"]
    else:
        kinds += ["malformed"]
    kind = rng.choice(kinds)
    after = rng.randint(0, 3)
    if kind == "5xx":
        code = rng.choice([500, 502, 503])
        return Fault.status(code, retry_after=rng.choice([0.01, 0.05]), path=path)
    if kind == "429":
        return Fault.status(429, retry_after_ms=rng.choice([10, 30]), path=path)
    if kind == "drop":
        return Fault.drop(after_events=after if stream else 0, path=path)
    if kind == "delay":  # slow headers: past the read limit, or just under it
        return Fault.delay(rng.choice([0.05, 0.6]), path=path)
    if kind == "truncate":
        return Fault.truncate(after_events=after, path=path)
    if kind == "stall":
        return Fault.stall(after_events=after, seconds=0.4, path=path)
    if kind == "stall_keepalive":  # keep-alives do not keep an idle stream open
        return Fault.stall(after_events=after, seconds=0.4, keepalive_interval=0.05, path=path)
    if kind == "malformed":
        return Fault.malformed(at_event=after, path=path)
    if kind == "error_event":
        return Fault.error_event(after_events=after, path=path)
    # A slow body: chunks spaced out, under the idle limit (replies go to chat, completions
    # and responses alike).
    return Reply(chunk_size=4, delay_between_chunks=rng.choice([0.002, 0.01]))


async def one_call(client: AsyncClient, op: str) -> None:
    """One call of `op`, streams read as asked."""
    if op == "chat":
        await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    elif op == "chat_stream":
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        async for _ in stream:
            pass
    elif op == "chat_stream_break":  # the `async for` loop left early
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=LONG_MESSAGES, stream=True
        )
        async for _ in stream:
            break
    elif op == "completion_stream":
        stream = await client.completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Once upon a time", stream=True
        )
        async with stream:
            async for _ in stream:
                pass
    elif op == "response_stream":
        events = await client.responses.create(model="gpt-4o-mini", input="Hi", stream=True)
        async for _ in events:
            pass
    elif op == "embeddings":
        await client.embeddings.create(model="text-embedding-3-small", input=["a", "b", "c"])
    else:
        await client.models.retrieve("gpt-4o-mini")


OPS = list(PATHS)
WEIGHTS = [3, 4, 2, 2, 2, 2, 1]


async def soak(server: LocalServer, args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    outcomes: collections.Counter[str] = collections.Counter()
    by_op: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    foreign: list[str] = []
    latencies: list[float] = []
    faults: collections.Counter[str] = collections.Counter()
    rss: dict[str, float] = {"start": rss_mib()}
    fds_before = open_fds()
    tasks_before = len(asyncio.all_tasks())
    started = time.monotonic()
    deadline = started + args.time_limit
    warmup = args.calls // 5
    done = 0

    client = AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        timeout=TIMEOUT,
        max_retries=2,
        retry_policy=RETRIES,
        max_connections=args.concurrency,
    )
    plan = iter(range(args.calls))

    async def worker() -> None:
        nonlocal done
        for _ in plan:
            if time.monotonic() > deadline:
                return
            op = rng.choices(OPS, WEIGHTS)[0]
            fault = pick_fault(rng, op, args.fault_rate)
            if isinstance(fault, Fault):
                server.add_fault(fault)
                faults[fault.kind] += 1
            elif isinstance(fault, Reply):
                server.add_reply(fault)
                faults["slow_body"] += 1
            t0 = time.perf_counter()
            try:
                await one_call(client, op)
                outcome = "ok"
            except OpenAIError as exc:
                outcome = type(exc).__name__
            except Exception as exc:  # the failure this session exists to find
                outcome = f"FOREIGN {type(exc).__name__}"
                foreign.append(f"{op}: {''.join(traceback.format_exception(exc))}")
            latencies.append(time.perf_counter() - t0)
            outcomes[outcome] += 1
            by_op[op][outcome] += 1
            done += 1
            if done % 1000 == 0:
                server.requests.clear()  # the server's record of requests would grow
            if done == warmup:
                gc.collect()
                rss["warm"] = rss_mib()

    try:
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.monotonic() - started
        await asyncio.sleep(0)  # let finished streams' callbacks run
        session = client._transport._session
        connector: Any = None if session is None else session.connector
        acquired = 0 if connector is None else len(connector._acquired)
        pooled = 0 if connector is None else sum(len(c) for c in connector._conns.values())
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        gc.collect()
        rss["end"] = rss_mib()
    finally:
        await client.aclose()
        server.reset()

    # The server side lets go of a closed connection on its own loop: wait for it.
    fds_after = open_fds()
    for _ in range(100):
        if fds_before is None or (fds_after := open_fds()) is None or fds_after <= fds_before:
            break
        await asyncio.sleep(0.1)

    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    print(
        f"soak: seed {args.seed}, concurrency {args.concurrency}, Python {sys.version.split()[0]}"
    )
    print(f"calls           {done} in {elapsed:.1f} s ({done / elapsed:.0f}/s)")
    if done < args.calls:
        print(f"                (stopped by --time-limit {args.time_limit:.0f} s)")
    print(f"faults queued   {sum(faults.values())}: {dict(sorted(faults.items()))}")
    print("outcomes        " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
    for op in OPS:
        print(f"  {op:17} " + ", ".join(f"{k} {v}" for k, v in by_op[op].most_common()))
    print(f"latency         p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {pct(1.0):.0f} ms")
    print(
        f"RSS             start {rss['start']:.1f} MiB, after warm-up ({warmup} calls) "
        f"{rss.get('warm', float('nan')):.1f} MiB, end {rss['end']:.1f} MiB"
    )
    print(f"connections     checked out after the calls {acquired}, idle in the pool {pooled}")
    print(f"file descriptors before the client {fds_before}, after it closed {fds_after}")
    print(f"pending tasks   {len(pending)} (before {tasks_before - 1})")

    failures = []
    if foreign:
        failures.append(f"{len(foreign)} calls raised outside the SDK's hierarchy:")
        failures += foreign[:5]
    if acquired:
        failures.append(f"{acquired} connections still checked out of the pool")
    if fds_before is not None and fds_after is not None and fds_after > fds_before:
        failures.append(f"{fds_after - fds_before} file descriptors not closed")
    if pending:
        failures.append(f"tasks left pending: {pending[:5]}")
    growth = rss["end"] - rss.get("warm", rss["end"])
    if growth > args.rss_limit:
        failures.append(f"RSS grew {growth:.1f} MiB after warm-up (limit {args.rss_limit} MiB)")
    for line in failures:
        print("FAIL:", line)
    print("soak: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.5, help="calls meeting a fault")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds; stops early")
    parser.add_argument("--rss-limit", type=float, default=64.0, help="MiB after warm-up")
    args = parser.parse_args()
    # The server logs a traceback each time it writes to a connection the client has left
    # (a stream left early, a timeout): expected here, and thousands of lines.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with LocalServer.threaded(api_key=API_KEY) as server:
        return asyncio.run(soak(server, args))


if __name__ == "__main__":
    sys.exit(main())
