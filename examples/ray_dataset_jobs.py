"""Embed a corpus and answer prompts on Ray Data, the cluster paced by one rate budget.

``embed_dataset`` and ``complete_dataset`` return lazy Ray Datasets: rows gain an output
column and an ``error`` column (the SDK's error for the inputs that failed for good).
Actors each keep one client; one ``SharedLimiter`` paces all of them by the API's
rate-limit headers. Needs ``pip install 'openai_async[ray]'``.

    python examples/ray_dataset_jobs.py
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from openai_async import AsyncClient
from openai_async.testing import LocalServer

warnings.filterwarnings("ignore", category=DeprecationWarning, module="ray")  # Ray's own
import ray  # noqa: E402
import ray.data  # noqa: E402

from openai_async.integrations.ray import (  # noqa: E402
    SharedLimiter,
    complete_dataset,
    embed_dataset,
)


@contextmanager
def client_factory() -> Iterator[functools.partial[AsyncClient]]:
    """Makes each actor's client: the real API when OPENAI_API_KEY is set (the actors
    read it too), else the bundled local server, rate-limited like a real key."""
    if os.environ.get("OPENAI_API_KEY"):
        yield functools.partial(AsyncClient)
        return
    with LocalServer.threaded() as server:
        server.set_rate_limit(600, 1_000_000, burst_seconds=1.0)
        print(f"(no OPENAI_API_KEY: using the local server at {server.base_url})", file=sys.stderr)
        yield functools.partial(AsyncClient, api_key="local", base_url=server.base_url)


def main() -> None:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with client_factory() as make_client:
            limiter = SharedLimiter()  # one budget for both jobs: they share the key
            docs = ray.data.from_items([{"id": i, "text": f"document {i}"} for i in range(200)])
            embedded = embed_dataset(
                docs,
                column="text",
                model="text-embedding-3-small",
                client_factory=make_client,
                limiter=limiter,
                inputs_per_request=20,
            )
            questions = ray.data.from_items([{"q": f"What is {n} + {n}?"} for n in range(20)])
            answered = complete_dataset(
                questions,
                model="gpt-4o-mini",
                prompt_column="q",
                system_prompt="Answer with a number.",
                client_factory=make_client,
                limiter=limiter,
            )
            rows = embedded.take_all()
            failed = sum(row["error"] is not None for row in rows)
            print(f"{len(rows)} rows embedded ({len(rows[0]['embedding'])} dims), {failed} failed")
            for row in answered.take(3):
                print(f"{row['q']} -> {row['response']}")
            stats = limiter.stats()
            print(f"{stats.requests} requests, {stats.rate_limited} rate-limited")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
