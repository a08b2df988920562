"""``embed``: a file of texts to a matrix of vectors (``.npy``) or JSON lines, through
``embeddings.iter_many``: bounded memory, resumable from its checkpoint."""

from __future__ import annotations

import argparse
import os
import struct
from collections.abc import Iterator
from typing import IO

import orjson

from .._exceptions import InvalidRequestError
from .._types import NOT_GIVEN
from ..lib.embedding_jobs import JobProgress
from ._common import Status, atomic_output, open_client, say

__all__ = ["TextFile", "add_parser", "npy_header"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    embed = commands.add_parser(
        "embed",
        help="embed a file of texts into vectors.npy or vectors.jsonl",
        description="Embed every line of INPUT (or a field of each JSON line) in input order. "
        "Finished batches go to a checkpoint as they finish: after Ctrl-C or an error, the "
        "same command resumes where it stopped. OUT is written whole or not at all.",
    )
    embed.add_argument("input", help="one text per line, or JSON lines (see --field)")
    embed.add_argument("--model", required=True)
    embed.add_argument(
        "--out", required=True, help="vectors.npy (a float32 matrix) or vectors.jsonl"
    )
    embed.add_argument(
        "--field",
        default=None,
        help="read INPUT as JSON lines and embed this field (default 'text' for a .jsonl INPUT)",
    )
    embed.add_argument(
        "--checkpoint",
        default=None,
        help="kept after success (default: OUT.ckpt, removed once OUT is written)",
    )
    embed.add_argument("--dimensions", type=int, default=None)
    embed.add_argument("--batch-size", type=int, default=2048, help="inputs per request")
    embed.add_argument("--concurrency", type=int, default=8, help="requests in flight at first")
    embed.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress (default: when stderr is a terminal)",
    )
    embed.set_defaults(command=_embed)


class TextFile:
    """The texts of a file, read again on each iteration; ``len()`` reads it once to count
    (and to check every JSON line before any request is sent)."""

    def __init__(self, path: str, field: str | None) -> None:
        self.path = path
        self.field = field
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self)
        return self._count

    def __iter__(self) -> Iterator[str]:
        with open(self.path, encoding="utf-8") as file:
            for number, line in enumerate(file, 1):
                if self.field is None:
                    yield line.rstrip("\r\n")
                    continue
                if not line.strip():
                    continue
                try:
                    text = orjson.loads(line).get(self.field)
                except (orjson.JSONDecodeError, AttributeError):
                    raise InvalidRequestError(f"{self.path}:{number}: not a JSON object") from None
                if not isinstance(text, str):
                    raise InvalidRequestError(
                        f"{self.path}:{number}: no string field {self.field!r}"
                    )
                yield text


def npy_header(rows: int, dims: int) -> bytes:
    """The header of a version 1.0 ``.npy`` file of ``rows x dims`` little-endian float32
    (written by hand: numpy is not needed to write one)."""
    described = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dims}), }}"
    pad = -(10 + len(described) + 1) % 64  # the data starts 64-byte aligned
    text = (described + " " * pad + "\n").encode("latin-1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


class _Writer:
    """Takes ``(index, vector)`` in any order; ``finish`` checks every row came."""

    def __init__(self, file: IO[bytes], rows: int) -> None:
        self.file = file
        self.rows = rows
        self.written = 0

    def add(self, index: int, vector: list[float]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        if self.written != self.rows:
            raise InvalidRequestError(f"{self.written} of {self.rows} vectors were written")


class _NpyWriter(_Writer):
    """Rows go straight to their place in the file: nothing is held."""

    dims: int | None = None

    def add(self, index: int, vector: list[float]) -> None:
        if self.dims is None:
            self.dims = len(vector)
            self.file.write(npy_header(self.rows, self.dims))
            self._start = self.file.tell()
        elif len(vector) != self.dims:
            raise InvalidRequestError(
                f"input {index} got {len(vector)} dimensions, the others {self.dims}"
            )
        self.file.seek(self._start + index * self.dims * 4)
        self.file.write(struct.pack(f"<{self.dims}f", *vector))
        self.written += 1

    def finish(self) -> None:
        if self.rows == 0:
            self.file.write(npy_header(0, 0))
        super().finish()


class _JsonlWriter(_Writer):
    """Lines in input order: vectors that finish early wait (at most iter_many's window)."""

    def __init__(self, file: IO[bytes], rows: int) -> None:
        super().__init__(file, rows)
        self._waiting: dict[int, list[float]] = {}

    def add(self, index: int, vector: list[float]) -> None:
        self._waiting[index] = vector
        while (ready := self._waiting.pop(self.written, None)) is not None:
            self.file.write(orjson.dumps({"index": self.written, "embedding": ready}) + b"\n")
            self.written += 1


async def _embed(args: argparse.Namespace) -> int:
    writers: dict[str, type[_Writer]] = {".npy": _NpyWriter, ".jsonl": _JsonlWriter}
    writer_type = writers.get(os.path.splitext(args.out)[1])
    if writer_type is None:
        raise InvalidRequestError(f"--out must end in .npy or .jsonl, not {args.out!r}")
    field = args.field or ("text" if args.input.endswith(".jsonl") else None)
    texts = TextFile(args.input, field)
    total = len(texts)
    checkpoint = args.checkpoint or args.out + ".ckpt"
    status = Status(args.progress)

    def progress(state: JobProgress) -> None:
        status.show(
            f"embedded {state.done}/{total} inputs, {state.throughput:.0f}/s, "
            f"{state.concurrency} in flight, {state.rate_limited} rate-limited, "
            f"{state.failed} failed"
        )

    try:
        async with open_client() as client:
            with atomic_output(args.out) as file:
                writer = writer_type(file, total)
                async with client.embeddings.iter_many(
                    input=texts,
                    model=args.model,
                    dimensions=NOT_GIVEN if args.dimensions is None else args.dimensions,
                    batch_size=args.batch_size,
                    concurrency=args.concurrency,
                    checkpoint=checkpoint,
                    progress=progress,
                ) as vectors:
                    async for index, vector in vectors:
                        writer.add(index, vector)
                writer.finish()
    except BaseException:
        status.end()
        _stopped(checkpoint)
        raise
    status.end()
    if args.checkpoint is None:
        os.remove(checkpoint)
    say(f"wrote {total} vectors to {args.out}")
    return 0


def _stopped(checkpoint: str) -> None:
    if os.path.exists(checkpoint):
        say(f"stopped; finished batches are in {checkpoint}: run the same command to resume")
