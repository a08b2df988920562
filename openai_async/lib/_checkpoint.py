"""The checkpoint file of an embedding job: finished blocks of vectors, appended as they finish.

Every record is ``b"OAEC" | u32 body length | u32 CRC-32 of the body | body``. The first
body is the job's parameters as JSON; each later one is ``u64 start | u32 count |
u32 dims | 16-byte digest of the inputs | count * dims little-endian float32``. A record
cut short or failing its CRC (a crash mid-write) ends the trusted part: the file is
truncated there and the inputs it held are embedded again, never read from it.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import os
import struct
import zlib
from collections.abc import Iterable, Mapping
from typing import IO, Any

import attrs
import orjson

from .._exceptions import InvalidRequestError

__all__ = ["Checkpoint", "Record", "input_digest"]

log = logging.getLogger("openai_async")

MAGIC = b"OAEC"
_PREFIX = struct.Struct("<4sII")
_BLOCK = struct.Struct("<QII16s")
_CHUNK = 1 << 20


def input_digest(items: Iterable[str | list[int]]) -> bytes:
    """16 bytes that change when any input of a block changes (so a resumed job can check)."""
    h = hashlib.blake2b(digest_size=16)
    for item in items:
        raw = item.encode() if isinstance(item, str) else orjson.dumps(item)
        h.update(b"s" if isinstance(item, str) else b"t")
        h.update(len(raw).to_bytes(8, "little"))
        h.update(raw)
    return h.digest()


@attrs.frozen(slots=True)
class Record:
    """Where a finished block lies in the file."""

    start: int
    count: int
    dims: int
    digest: bytes
    offset: int  # of the vectors


class Checkpoint:
    """An open checkpoint: the blocks a previous run finished, and appends for this run."""

    def __init__(self, path: str | os.PathLike[str], params: Mapping[str, Any]) -> None:
        self.path = os.fspath(path)
        self.records: dict[int, Record] = {}
        self._starts: list[int] = []
        self._file: IO[bytes] = open(self.path, "a+b")  # noqa: SIM115 - closed by close()
        try:
            self._load(dict(params))
        except BaseException:
            self._file.close()
            raise

    def _load(self, params: dict[str, Any]) -> None:
        f = self._file
        f.seek(0)
        if f.read(len(MAGIC)) not in (b"", MAGIC):
            raise InvalidRequestError(f"{self.path} is not a checkpoint file; pass another path")
        f.seek(0)
        header = _read_record(f, whole=True)
        if header is None:  # a new file, or one whose first record never got written whole
            f.truncate(0)
            self._write(orjson.dumps(params, option=orjson.OPT_SORT_KEYS), b"")
            return
        try:
            stored = orjson.loads(header)
        except orjson.JSONDecodeError:
            stored = None
        if stored != params:
            raise InvalidRequestError(
                f"the checkpoint {self.path} belongs to another job ({stored!r}; this one is "
                f"{params!r}): pass another path, or delete the file to start over"
            )
        while True:
            pos = f.tell()
            head = _read_record(f, whole=False)
            if head is None:
                break
            start, count, dims, digest = _BLOCK.unpack(head)
            offset = pos + _PREFIX.size + _BLOCK.size
            self.records[start] = Record(start, count, dims, digest, offset)
        end = f.seek(0, os.SEEK_END)
        if end != pos:
            log.warning(
                "checkpoint %s: the %d bytes from offset %d are a torn or damaged record; "
                "they are discarded and their inputs embedded again",
                self.path,
                end - pos,
                pos,
            )
            f.truncate(pos)
        self._starts = sorted(self.records)

    def next_start(self, index: int) -> int | None:
        """The first recorded block starting after ``index``."""
        i = bisect.bisect_right(self._starts, index)
        return self._starts[i] if i < len(self._starts) else None

    def read(self, record: Record) -> bytes:
        """The vectors of a recorded block."""
        self._file.seek(record.offset)
        return self._file.read(record.count * record.dims * 4)

    def append(self, start: int, count: int, dims: int, digest: bytes, data: bytes) -> None:
        """Add a finished block, durably (flushed and synced) before returning."""
        self._write(_BLOCK.pack(start, count, dims, digest), data)

    def _write(self, head: bytes, data: bytes) -> None:
        body_crc = zlib.crc32(data, zlib.crc32(head))
        f = self._file
        f.seek(0, os.SEEK_END)
        f.write(_PREFIX.pack(MAGIC, len(head) + len(data), body_crc))
        f.write(head)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())

    def close(self) -> None:
        self._file.close()


def _read_record(f: IO[bytes], *, whole: bool) -> bytes | None:
    """The next intact record, leaving the file just past it; ``None`` if it is torn.

    ``whole`` returns the entire body (the parameters); otherwise only the block head is
    returned and the vectors are streamed through the CRC, never held.
    """
    prefix = f.read(_PREFIX.size)
    if len(prefix) < _PREFIX.size:
        return None
    magic, length, expected = _PREFIX.unpack(prefix)
    if magic != MAGIC or (not whole and length < _BLOCK.size):
        return None
    first = f.read(length if whole else _BLOCK.size)
    if len(first) < (length if whole else _BLOCK.size):
        return None
    crc = zlib.crc32(first)
    left = length - len(first)
    if not whole:
        _, count, dims, _ = _BLOCK.unpack(first)
        if left != count * dims * 4:
            return None
    while left:
        chunk = f.read(min(left, _CHUNK))
        if not chunk:
            return None
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    return first if crc == expected else None
