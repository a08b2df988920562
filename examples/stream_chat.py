"""Stream a chat reply token by token with `async for`."""

from __future__ import annotations

import asyncio

from _local import async_client


async def main() -> None:
    async with async_client() as client:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Write a haiku about sockets."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        async with stream:  # releases the connection even if we stop early
            async for chunk in stream:
                for choice in chunk.choices:
                    print(choice.delta.content or "", end="", flush=True)
                if chunk.usage:
                    print(f"\n[{chunk.usage.total_tokens} tokens, request {stream.request_id}]")


if __name__ == "__main__":
    asyncio.run(main())
