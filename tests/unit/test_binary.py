"""BinaryResponse.write_to never leaves a truncated file under the final name; the body
pipeline's pure pieces re-chunk, decode and split lines wherever the pieces end."""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from typing import Any, AnyStr

import pytest

from openai_async import APIConnectionError, InvalidRequestError
from openai_async._binary import (
    BinaryResponse,
    LineSplitter,
    Rechunker,
    Step,
    TextDecoder,
    charset_of,
    run_steps,
)
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


# -- the pure pieces of the body pipeline -----------------------------------------------------


def _pieces(data: AnyStr, cuts: list[int]) -> list[AnyStr]:
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def _run(steps: list[Step], pieces: list[Any]) -> list[Any]:
    out = [x for piece in pieces for x in run_steps(steps, [piece])]
    return out + run_steps(steps, [], final=True)


@pytest.mark.parametrize("size", [1, 3, 7, 64, 1000])
def test_rechunker_makes_chunks_of_exactly_size(size: int) -> None:
    data = bytes(range(256)) * 3
    rng = random.Random(size)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randint(0, 20)))
        chunks = _run([Rechunker[bytes](size)], _pieces(data, cuts))
        assert b"".join(chunks) == data
        assert all(len(c) == size for c in chunks[:-1]) and 0 < len(chunks[-1]) <= size


def test_rechunker_without_size_passes_pieces_through_and_rejects_bad_sizes() -> None:
    assert _run([Rechunker[bytes](None)], [b"ab", b"", b"c"]) == [b"ab", b"c"]
    assert _run([Rechunker[str](2)], ["abc", "de"]) == ["ab", "cd", "e"]
    for bad in (0, -1):
        with pytest.raises(InvalidRequestError, match="chunk_size"):
            Rechunker[bytes](bad)


def test_text_decoder_never_breaks_a_character_split_anywhere() -> None:
    text = "a€🙂é"
    data = text.encode()
    for cut in range(1, len(data)):
        assert "".join(_run([TextDecoder("utf-8")], _pieces(data, [cut]))) == text
    assert _run([TextDecoder("utf-8")], [b"ok \xff", b"\xe2\x82"]) == ["ok \ufffd", "\ufffd"]


def test_line_splitter_splits_like_the_official_sdk_wherever_the_pieces_end() -> None:
    text = "a\r\nb\rc\n\nd\r\r\ne"
    expected = ["a", "b", "c", "", "d", "", "e"]
    for cut in range(1, len(text)):
        for cut2 in range(cut + 1, len(text)):
            assert _run([LineSplitter()], _pieces(text, [cut, cut2])) == expected
    assert _run([LineSplitter()], ["x\n"]) == ["x"]
    assert _run([LineSplitter()], ["\r", "", "\n", "\n"]) == ["", ""]


def test_steps_run_in_order_and_flush_in_order() -> None:
    data = "é\nü\n".encode() * 3
    assert _run([TextDecoder("utf-8"), LineSplitter()], _pieces(data, [1, 4, 7])) == ["é", "ü"] * 3
    assert _run([TextDecoder("utf-8"), Rechunker[str](4)], [data]) == ["é\nü\n"] * 3


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        (None, None),
        ("text/plain", None),
        ("text/plain; charset=ISO-8859-1", "ISO-8859-1"),
        ('text/csv;Charset="utf-16"; header=present', "utf-16"),
    ],
)
def test_charset_of(header: str | None, charset: str | None) -> None:
    assert charset_of(header) == charset


def test_encoding_falls_back_to_utf8() -> None:
    def response(content_type: str) -> BinaryResponse:
        body = _Body([], fail=False)
        body.info = ResponseInfo(
            status_code=200, headers={"Content-Type": content_type}, method="GET", url="http://x/"
        )
        return BinaryResponse(body)  # type: ignore[arg-type]

    assert response("text/plain; charset=latin-1").encoding == "latin-1"
    assert response("text/plain; charset=no-such-codec").encoding == "utf-8"
    assert response("audio/mpeg").encoding == "utf-8"
