"""Command line: ``python -m openai_async chat "Hello"`` streams a reply to the terminal.

Without ``OPENAI_API_KEY`` it starts the bundled local server in-process (and says so
on stderr), so the command works on a machine with no key and no network.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from ._client import AsyncClient
from ._exceptions import OpenAIError
from .models.chat import ChatCompletionRequestMessage


async def _chat(prompt: str, model: str, system: str | None) -> int:
    messages: list[ChatCompletionRequestMessage] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": prompt})
    server = None
    if not os.environ.get("OPENAI_API_KEY"):
        from .testing import LocalServer

        server = LocalServer()
        await server.start()
        print(
            f"openai_async: OPENAI_API_KEY is not set; using the bundled local server at {server.base_url}",
            file=sys.stderr,
        )
        client = AsyncClient(api_key="local", base_url=server.base_url)
    else:
        client = AsyncClient()
    try:
        async with client:
            stream = await client.chat.completions.create(
                model=model, messages=messages, stream=True
            )
            async with stream:
                async for chunk in stream:
                    for choice in chunk.choices:
                        if choice.delta.content:
                            sys.stdout.write(choice.delta.content)
                            sys.stdout.flush()
            sys.stdout.write("\n")
    finally:
        if server is not None:
            await server.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m openai_async", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    chat = commands.add_parser("chat", help="stream a chat reply to the terminal")
    chat.add_argument("prompt", help="what to say to the model")
    chat.add_argument("--model", default=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
    chat.add_argument("--system", default=None, help="an optional system message")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_chat(args.prompt, args.model, args.system))
    except OpenAIError as exc:
        print(f"openai_async: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
