"""A Batch API job: embed a list of texts and summarise questions, half price, no rate limits.

``batches.run`` writes the request files, uploads them, starts the batches and waits for
their results, which come back typed and in input order; failed requests are listed
apart. If the wait runs out, the error names the batches: run this script again with
``--resume BATCH_ID ...`` to pick them up.

    python examples/batch_job.py [--timeout SECONDS] [--resume BATCH_ID ...]

Without OPENAI_API_KEY it runs against the bundled local server, which executes batches
in a moment; the real API takes up to 24 hours.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from _local import async_client

from openai_async import BatchTimeoutError
from openai_async.lib.batch_jobs import BatchRequest, BatchResults

TEXTS = [f"document number {i}: a short text to embed" for i in range(100)]
QUESTIONS = ["What is a batch?", "Why are batches cheaper?", "How long can one take?"]


def report(title: str, results: BatchResults[Any]) -> None:
    print(f"{title}: {len(results.results)} succeeded, {len(results.failed)} failed")
    for failure in results.failed:
        print(f"  {failure.custom_id}: {failure.code} {failure.message}")


async def main(timeout: float | None, resume: list[str]) -> int:
    async with async_client() as client:
        try:
            if resume:
                report("resumed", await client.batches.resume(resume, timeout=timeout))
                return 0
            vectors = await client.batches.run(
                [{"model": "text-embedding-3-small", "input": text} for text in TEXTS],
                endpoint="/v1/embeddings",
                timeout=timeout,
                poll_interval=1.0,
            )
            report("embeddings", vectors)
            first = vectors.results[0].response  # a CreateEmbeddingResponse
            print(f"  first vector: {len(first.data[0].embedding)} dimensions")

            answers = await client.batches.run(
                [
                    BatchRequest(
                        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": q}]},
                        custom_id=f"question-{i}",
                    )
                    for i, q in enumerate(QUESTIONS)
                ],
                endpoint="/v1/chat/completions",
                timeout=timeout,
                poll_interval=1.0,
            )
            report("answers", answers)
            for result in answers.results:  # each response a ChatCompletion
                print(f"  {result.custom_id}: {result.response.choices[0].message.content}")
        except BatchTimeoutError as error:
            print(f"{error}\nrun again with --resume {' '.join(error.batch_ids)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait in all")
    parser.add_argument("--resume", nargs="+", default=[], metavar="BATCH_ID")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.timeout, args.resume)))
