"""Embed many texts concurrently on one client, with bounded concurrency and input order kept."""

from __future__ import annotations

import asyncio

from _local import async_client

from openai_async import AsyncClient


async def embed_all(
    client: AsyncClient, texts: list[str], batch: int = 64, concurrency: int = 8
) -> list[list[float]]:
    limit = asyncio.Semaphore(concurrency)

    async def one(start: int) -> list[list[float]]:
        async with limit:
            response = await client.embeddings.create(
                model="text-embedding-3-small", input=texts[start : start + batch]
            )
            return [item.embedding for item in sorted(response.data, key=lambda e: e.index)]

    parts = await asyncio.gather(*(one(i) for i in range(0, len(texts), batch)))
    return [vector for part in parts for vector in part]


async def main() -> None:
    texts = [f"document number {i}" for i in range(1000)]
    async with async_client() as client:
        vectors = await embed_all(client, texts)
    print(f"{len(vectors)} vectors of {len(vectors[0])} dimensions")


if __name__ == "__main__":
    asyncio.run(main())
