"""Stream a Responses API reply: print the text as it arrives, then the completed response."""

from __future__ import annotations

import asyncio

from _local import async_client

from openai_async import ResponseNotCompletedError
from openai_async.testing import Reply

# What the local server streams back when OPENAI_API_KEY is not set.
LOCAL_REPLY = Reply(chunks=["Packets ", "drift through ", "the port"])


async def main() -> None:
    async with async_client(local_replies=[LOCAL_REPLY]) as c:
        async with await c.responses.stream(
            model="gpt-4o-mini", input="Write a haiku about sockets."
        ) as stream:  # releases the connection even if we stop early
            async for delta in stream.text_deltas():
                print(delta, end="", flush=True)
            try:
                response = await stream.final_response()
            except ResponseNotCompletedError as exc:  # failed, or incomplete (with its reason)
                print(f"\n[no complete response: {exc}]")
                return
        print(f"\n[{response.id}: {response.usage.total_tokens if response.usage else '?'} tokens]")


if __name__ == "__main__":
    asyncio.run(main())
