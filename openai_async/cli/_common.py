"""What every command shares: the client (or the bundled local server), Ctrl-C, a status
line on stderr, and files written whole or not at all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import IO, Any

from .._client import AsyncClient

__all__ = ["Status", "atomic_output", "is_local", "open_client", "run", "say"]


def say(message: str) -> None:
    """A note for the human, on stderr (stdout is kept for results)."""
    print(f"openai_async: {message}", file=sys.stderr, flush=True)


def is_local() -> bool:
    """Whether commands use the bundled local server (no ``OPENAI_API_KEY``)."""
    return not os.environ.get("OPENAI_API_KEY")


@contextlib.asynccontextmanager
async def open_client() -> AsyncIterator[AsyncClient]:
    """A client from the environment, or one pointed at the bundled local server, started
    in-process, when ``OPENAI_API_KEY`` is not set (said on stderr)."""
    if not is_local():
        async with AsyncClient() as client:
            yield client
        return
    from ..testing import LocalServer

    async with LocalServer() as server:
        say(f"OPENAI_API_KEY is not set; using the bundled local server at {server.base_url}")
        async with AsyncClient(api_key="local", base_url=server.base_url) as client:
            yield client


def run(command: Coroutine[Any, Any, int]) -> int:
    """Run a command; Ctrl-C cancels it, so its ``async with`` blocks close files and
    checkpoints in order, then raises ``KeyboardInterrupt`` (also on Python 3.10, whose
    ``asyncio.run`` would raise it wherever the loop happened to be)."""

    async def main() -> int:
        task = asyncio.current_task()
        assert task is not None
        interrupted = False

        def interrupt() -> None:
            nonlocal interrupted
            interrupted = True
            task.cancel()

        loop = asyncio.get_running_loop()
        # Not on Windows, nor off the main thread: there Ctrl-C raises where it lands.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, interrupt)
        try:
            return await command
        except asyncio.CancelledError:
            if interrupted:
                raise KeyboardInterrupt from None
            raise
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)

    return asyncio.run(main())


class Status:
    """One line of progress on stderr: redrawn in place on a terminal; with ``force``
    (``--progress``) also when stderr is a file or pipe, one line per update."""

    def __init__(self, enabled: bool | None) -> None:
        self._tty = sys.stderr.isatty()
        self.enabled = self._tty if enabled is None else enabled
        self._shown = False

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        if self._tty:
            sys.stderr.write(f"\r\x1b[K{text}")
            self._shown = True
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        """End the redrawn line, so the next message starts on a fresh one."""
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = False


@contextlib.contextmanager
def atomic_output(path: str, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write ``path.part`` and rename it to ``path`` only if the block completes: a file at
    ``path`` is always whole. ``-`` writes to stdout."""
    if path == "-":
        yield sys.stdout.buffer if "b" in mode else sys.stdout
        return
    part = Path(path + ".part")
    try:
        with part.open(mode) as file:
            yield file
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
