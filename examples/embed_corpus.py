"""Embed a corpus of any size with a progress bar; interrupt it and run it again to resume.

Lines are read lazily and vectors written straight to their place in a float32 file as
they finish, so memory stays flat however long the corpus is. A checkpoint beside the
output lets a rerun skip every batch that already finished.

    python examples/embed_corpus.py [corpus.txt] [--out vectors.f32] [--checkpoint FILE]

Without a corpus file it embeds 20,000 generated lines. The bar needs tqdm
(``pip install 'openai_async[progress]'``); without it a callback prints progress.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from _local import async_client

from openai_async.lib import JobProgress


def lines(path: str | None) -> Iterator[str]:
    if path is None:
        yield from (f"generated line number {i}" for i in range(20_000))
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield line.rstrip("\n") or " "  # the API refuses empty inputs


def print_progress(state: JobProgress) -> None:
    print(
        f"\r{state.done:,} done, {state.throughput:,.0f}/s, concurrency {state.concurrency}, "
        f"{state.waits} waits for the rate limit, {state.rate_limited} 429s",
        end="",
        file=sys.stderr,
    )


def has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


async def embed(corpus: str | None, out: BinaryIO, checkpoint: str) -> int:
    """Embed every line, writing each vector at its line's place in ``out``."""
    count = 0
    async with (
        async_client() as client,
        client.embeddings.iter_many(
            input=lines(corpus),
            model="text-embedding-3-small",
            checkpoint=checkpoint,
            progress=True if has_tqdm() else print_progress,
        ) as results,
    ):
        async for index, vector in results:
            row = array("f", vector).tobytes()
            out.seek(index * len(row))
            out.write(row)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--out", default="vectors.f32")
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()
    out = Path(args.out)
    out.touch()
    with out.open("r+b") as f:
        count = asyncio.run(embed(args.corpus, f, args.checkpoint or args.out + ".ckpt"))
    print(f"\n{count:,} vectors written to {out} (float32, one row per line)", file=sys.stderr)


if __name__ == "__main__":
    main()
