"""Ray Data jobs under one rate limit: 1 vs 2 vs 4 actors sharing one ``SharedLimiter``.

A local Ray cluster (``ray.init(num_cpus=2)``) runs ``embed_dataset`` and
``complete_dataset`` against the local server with requests- and tokens-per-minute limits
(real 429s, ``Retry-After``, ``x-ratelimit-*`` headers, buckets holding one second) and a
random latency per embeddings request. Reported, with no pass/fail, per actor count:
requests per second against the limit (from the server's own clock: first to last
request, as its budget account tells), the share of the refilled budget used (``utilization``: 1.0 when the limit is
kept busy), 429s, and wall time including actor start-up.

    python benchmarks/bench_ray.py [--rpm 1200] [--rows 4800] [--prompts 400] [--actors 1,2,4]
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning, module="ray")
import ray  # noqa: E402
import ray.data  # noqa: E402

from openai_async import AsyncClient  # noqa: E402
from openai_async.integrations.ray import SharedLimiter, complete_dataset, embed_dataset  # noqa: E402
from openai_async.testing import LocalServer  # noqa: E402


def run(kind: str, actors: int, args: argparse.Namespace) -> dict[str, float]:
    with LocalServer.threaded() as server:
        server.set_rate_limit(args.rpm, 100_000_000, burst_seconds=1.0)
        server.set_random_delay(0.05, 0.25)  # embeddings: 50-250 ms per request
        limiter = SharedLimiter()
        make_client = functools.partial(AsyncClient, api_key="local", base_url=server.base_url)
        started = time.monotonic()
        if kind == "embed":
            rows = [{"text": f"document {i}"} for i in range(args.rows)]
            out = embed_dataset(
                ray.data.from_items(rows, override_num_blocks=16),
                column="text",
                model="text-embedding-3-small",
                client_factory=make_client,
                limiter=limiter,
                batch_size=args.rows // 16,
                inputs_per_request=16,
                num_actors=actors,
            ).take_all()
        else:
            rows = [{"q": f"question {i}"} for i in range(args.prompts)]
            out = complete_dataset(
                ray.data.from_items(rows, override_num_blocks=8),
                model="gpt-4o-mini",
                prompt_column="q",
                client_factory=make_client,
                limiter=limiter,
                batch_size=args.prompts // 8,
                num_actors=actors,
            ).take_all()
        wall = time.monotonic() - started
        assert len(out) == len(rows) and all(r["error"] is None for r in out)
        budget = server.rate_limiter
        assert budget is not None
        # The server's clock from its first request to its last: what its bucket refilled.
        span = budget.requests.refilled / budget.requests.rate
        requests = sum(1 for r in server.requests if r.method == "POST")
        return {
            "requests": requests,
            "rps": (requests - server.rate_limited - 1) / span,  # answered ones
            "limit_rps": args.rpm / 60,
            "utilization": budget.requests.utilization,
            "rate_limited": server.rate_limited,
            "wall": wall,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rpm", type=int, default=1200)
    parser.add_argument("--rows", type=int, default=4800)
    parser.add_argument("--prompts", type=int, default=400)
    parser.add_argument("--actors", default="1,2,4")
    args = parser.parse_args()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        print(f"limit {args.rpm} requests/min ({args.rpm / 60:.0f}/s), bucket holds 1 s")
        print("job    actors  requests  req/s  of limit  utilization  429s  wall (s)")
        for kind in ("embed", "chat"):
            for actors in map(int, args.actors.split(",")):
                r = run(kind, actors, args)
                print(
                    f"{kind:6} {actors:6}  {r['requests']:8.0f}  {r['rps']:5.1f}"
                    f"  {r['rps'] / r['limit_rps']:7.1%}  {r['utilization']:11.3f}"
                    f"  {r['rate_limited']:4.0f}  {r['wall']:8.1f}"
                )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
