"""Embed a corpus split into partitions, one ``create_many`` per partition, in processes.

This is the shape a distributed engine runs, shown here on one machine with
``concurrent.futures`` so it needs neither Ray nor Dask. ``embed_partition`` takes a
partition's texts and returns its vectors in the same order; the engine supplies the
partitions and the workers:

* Ray Data: ``ds.map_batches(embed_batch, batch_size=10_000, concurrency=4)`` where
  ``embed_batch(batch)`` returns ``{**batch, "vector": embed_partition(list(batch["text"]))}``;
* Dask: ``bag.map_partitions(embed_partition)``, or for a dataframe
  ``ddf["text"].map_partitions(lambda s: pd.Series(embed_partition(list(s)), index=s.index))``.

Each worker paces itself by the rate-limit headers, which report the budget its API key
shares with every other worker, so together they stay near the limit instead of past it.
Give each partition a ``checkpoint`` path of its own to make a rerun resume.

    python examples/partitioned_embeddings.py
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

from _local import sync_client

MODEL = "text-embedding-3-small"


def embed_partition(texts: list[str]) -> list[list[float]]:
    """The vectors of one partition, in its order (one client per worker process)."""
    with sync_client() as client:
        return client.embeddings.create_many(input=texts, model=MODEL, progress=False)


def main() -> None:
    corpus = [f"document number {i}" for i in range(40_000)]
    partitions = [corpus[i : i + 10_000] for i in range(0, len(corpus), 10_000)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(embed_partition, partitions))  # map keeps partition order
    vectors = [v for part in parts for v in part]
    print(f"{len(vectors):,} vectors of {len(vectors[0])} dimensions", file=sys.stderr)


if __name__ == "__main__":
    main()
