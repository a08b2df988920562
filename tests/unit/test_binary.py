"""BinaryResponse.write_to never leaves a truncated file under the final name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openai_async import APIConnectionError
from openai_async._binary import BinaryResponse
from openai_async._response import ResponseInfo

pytestmark = pytest.mark.anyio


class _Body:
    """A response body that delivers ``chunks`` and then, if ``fail``, breaks."""

    def __init__(self, chunks: list[bytes], fail: bool) -> None:
        self.chunks = list(chunks)
        self.fail = fail
        self.closed = False
        self.info = ResponseInfo(status_code=200, headers={}, method="GET", url="http://x/")

    async def read_chunk(self) -> bytes:
        if self.chunks:
            return self.chunks.pop(0)
        if self.fail:
            raise APIConnectionError("the connection broke while reading the body")
        return b""

    def release(self) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True


async def test_a_complete_body_is_written(tmp_path: Path) -> None:
    target = tmp_path / "speech.mp3"
    written = await BinaryResponse(_Body([b"ab", b"cd"], fail=False)).write_to(target)  # type: ignore[arg-type]
    assert written == 4 and target.read_bytes() == b"abcd"
    assert not (tmp_path / "speech.mp3.part").exists()


async def test_a_broken_body_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "speech.mp3"
    target.write_bytes(b"an older, complete file")
    with pytest.raises(APIConnectionError):
        await BinaryResponse(_Body([b"ab"], fail=True)).write_to(target)  # type: ignore[arg-type]
    assert target.read_bytes() == b"an older, complete file"
    assert sorted(os.listdir(tmp_path)) == ["speech.mp3"]
