"""``chat``: stream a reply, print the whole completion as JSON, or talk in turns."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator

from .._client import AsyncClient
from ..models.chat import ChatCompletionRequestMessage
from ._common import open_client

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser], model: str) -> None:
    chat = commands.add_parser(
        "chat",
        help="stream a chat reply to the terminal",
        description="Stream a chat reply. Without PROMPT (or with -) the prompt is read from "
        "stdin; --interactive reads one turn per line and keeps the history.",
    )
    chat.add_argument("prompt", nargs="?", help="what to say to the model (default: stdin)")
    chat.add_argument("--model", default=model)
    chat.add_argument("--system", default=None, help="an optional system message")
    chat.add_argument(
        "--json", action="store_true", help="print the final completion as JSON, not the text"
    )
    chat.add_argument(
        "-i",
        "--interactive",
        action="store_true",
        help="a conversation: each line of input is a turn (the default on a terminal)",
    )
    chat.set_defaults(command=_chat)


async def _chat(args: argparse.Namespace) -> int:
    messages: list[ChatCompletionRequestMessage] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    interactive = args.interactive or (args.prompt is None and sys.stdin.isatty())
    if not interactive:
        prompt = sys.stdin.read().rstrip("\n") if args.prompt in (None, "-") else args.prompt
        messages.append({"role": "user", "content": prompt})
    async with open_client() as client:
        if not interactive:
            await _turn(client, args, messages)
            return 0
        async for line in _lines(prompt="> " if sys.stdin.isatty() else None):
            if not line.strip():
                continue
            messages.append({"role": "user", "content": line})
            reply = await _turn(client, args, messages)
            messages.append({"role": "assistant", "content": reply})
    return 0


async def _turn(
    client: AsyncClient, args: argparse.Namespace, messages: list[ChatCompletionRequestMessage]
) -> str:
    """One reply, printed as it streams (or as JSON); its text."""
    if args.json:
        completion = await client.chat.completions.create(model=args.model, messages=messages)
        print(completion.to_json(indent=None), flush=True)
        return completion.choices[0].message.content or "" if completion.choices else ""
    parts: list[str] = []
    stream = await client.chat.completions.create(model=args.model, messages=messages, stream=True)
    async with stream:
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.index == 0 and choice.delta.content:
                    parts.append(choice.delta.content)
                    sys.stdout.write(choice.delta.content)
                    sys.stdout.flush()
    sys.stdout.write("\n")
    sys.stdout.flush()
    return "".join(parts)


async def _lines(prompt: str | None) -> AsyncIterator[str]:
    """Lines of stdin, read on a daemon thread so that Ctrl-C never waits for Enter."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed first (the command ended)
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
            loop.call_soon_threadsafe(queue.put_nowait, None)

    started = False
    while True:
        if prompt is not None:
            sys.stderr.write(prompt)
            sys.stderr.flush()
        if not started:
            threading.Thread(target=read, daemon=True, name="openai_async stdin").start()
            started = True
        line = await queue.get()
        if line is None:
            return
        yield line
