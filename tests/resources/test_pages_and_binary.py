"""The official SDK's page and binary-result API, through the real socket, async and sync:
pages walked from the first one, ``iter_pages``, ``next_page_info``, extra page fields;
binary bodies read, re-chunked, decoded, split into lines and written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openai_async import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncClient,
    AwaitRequiredError,
    Client,
    InvalidRequestError,
    PageInfo,
)
from openai_async.testing import LocalServer, RecordedRequest, Scripted

API_KEY = "sk-test-0123456789"  # as in conftest.py

pytestmark = pytest.mark.anyio

IDS = ["file_1", "file_2", "file_3", "file_4", "file_5"]


def _file(file_id: str) -> dict[str, object]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": 3,
        "created_at": 1,
        "filename": "a.txt",
        "purpose": "assistants",
        "status": "processed",
    }


def _files(request: RecordedRequest) -> Scripted:
    """Pages of two files after the ``after`` cursor, with the list's cursor fields and a
    field this SDK does not know."""
    start = IDS.index(request.query["after"]) + 1 if "after" in request.query else 0
    page = IDS[start : start + 2]
    return Scripted(
        json={
            "object": "list",
            "data": [_file(i) for i in page],
            "first_id": page[0],
            "last_id": page[-1],
            "has_more": start + 2 < len(IDS),
            "total_estimate": len(IDS),
        }
    )


def _groups(request: RecordedRequest) -> Scripted:
    """Pages by a ``next`` cursor (the admin API's style)."""
    first = "after" not in request.query
    return Scripted(
        json={
            "object": "list",
            "data": [
                {"id": g, "name": g, "object": "group"} for g in (["g1"] if first else ["g2"])
            ],
            "has_more": first,
            "next": "cursor-2" if first else None,
        }
    )


# -- async pages ------------------------------------------------------------------------------


async def test_async_for_over_the_first_page_walks_every_page(
    client: AsyncClient, server: LocalServer
):
    server.add_route("GET", "/files", _files)
    page = await client.files.list(limit=2)
    assert [f.id for f in page.data] == IDS[:2]
    assert [f.id async for f in page] == IDS
    assert [r.query.get("after") for r in server.requests] == [None, "file_2", "file_4"]
    assert all(r.query["limit"] == "2" for r in server.requests)


async def test_iter_pages_yields_each_page_from_the_page_or_the_paginator(
    client: AsyncClient, server: LocalServer
):
    server.add_route("GET", "/files", _files)
    first = await client.files.list(limit=2)
    pages = [page async for page in first.iter_pages()]
    assert pages[0] is first
    assert [[f.id for f in p.data] for p in pages] == [IDS[:2], IDS[2:4], IDS[4:]]
    from_paginator = [p async for p in client.files.list(limit=2).iter_pages()]
    assert [len(p.data) for p in from_paginator] == [2, 2, 1]
    assert pages[-1].response_info is not None and pages[-1].response_info.status_code == 200


async def test_next_page_info_and_the_page_fields(client: AsyncClient, server: LocalServer):
    server.add_route("GET", "/files", _files)
    page = await client.files.list(limit=2)
    assert page.next_page_info() == PageInfo({"after": "file_2"})
    assert (page.object, page.first_id, page.last_id, page.has_more) == (
        "list",
        "file_1",
        "file_2",
        True,
    )
    assert page.total_estimate == 5  # a field this SDK does not know, read as an attribute
    with pytest.raises(AttributeError, match="no_such_field"):
        page.no_such_field  # noqa: B018

    last = [p async for p in page.iter_pages()][-1]
    assert last.next_page_info() == PageInfo({"after": "file_5"})  # the cursor, as sent
    assert not last.has_next_page()  # ... but has_more is false
    with pytest.raises(InvalidRequestError, match="last page"):
        await last.get_next_page()

    server.add_route("GET", "/organization/groups", _groups)
    groups = await client.admin.organization.groups.list(limit=1)
    assert groups.next == "cursor-2" and groups.next_page_info() == PageInfo({"after": "cursor-2"})
    second = await groups.get_next_page()
    assert second.next is None and second.next_page_info() is None


async def test_a_plain_for_over_an_async_page_raises(client: AsyncClient, server: LocalServer):
    server.add_route("GET", "/files", _files)
    page = await client.files.list(limit=2)
    with pytest.raises(AwaitRequiredError, match="async for item in page"):
        for _ in page:  # type: ignore[attr-defined]
            pass
    assert len(server.requests) == 1


# -- sync pages -------------------------------------------------------------------------------


def test_the_sync_page_api(threaded_server: LocalServer):
    threaded_server.add_route("GET", "/files", _files)
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        page = client.files.list(limit=2)
        assert [f.id for f in page] == IDS  # every item of every page
        pages = list(page.iter_pages())
        assert pages[0] is page and [len(p.data) for p in pages] == [2, 2, 1]
        assert page.next_page_info() == PageInfo({"after": "file_2"})
        assert (page.first_id, page.last_id, page.total_estimate) == ("file_1", "file_2", 5)
        assert not pages[-1].has_next_page()
        assert page.response_info is not None and page.response_info.status_code == 200


# -- async binary -----------------------------------------------------------------------------

TEXT = "naïve café: 1 € ≈ 🙂\n" * 300  # 2-, 3- and 4-byte characters


async def test_content_needs_aread_first_then_everything_reads_from_memory(
    client: AsyncClient, server: LocalServer
):
    server.add_route(
        "GET", "/files/f1/content", lambda r: Scripted(body=b'{"a": [1, 2]}', chunk_size=3)
    )
    resp = await client.files.content("f1")
    with pytest.raises(AwaitRequiredError, match=r"await resp\.aread\(\)"):
        resp.content  # noqa: B018
    assert await resp.aread() == b'{"a": [1, 2]}'
    assert (resp.content, resp.text, resp.json()) == (
        b'{"a": [1, 2]}',
        '{"a": [1, 2]}',
        {"a": [1, 2]},
    )
    assert resp.encoding == "utf-8" and resp.response.status_code == 200
    assert await resp.read() == resp.content  # kept: a second read is the same bytes
    assert [c async for c in resp.iter_bytes(5)] == [b'{"a":', b" [1, ", b"2]}"]
    assert [line async for line in resp.iter_lines()] == ['{"a": [1, 2]}']


async def test_a_streamed_body_cannot_be_read_twice(client: AsyncClient, server: LocalServer):
    server.add_route("GET", "/files/f1/content", lambda r: Scripted(body=b"abc" * 100))
    resp = await client.files.content("f1")
    assert b"".join([c async for c in resp.iter_bytes()]) == b"abc" * 100
    with pytest.raises(InvalidRequestError, match="read already"):
        await resp.aread()
    with pytest.raises(InvalidRequestError, match="read already"):
        resp.content  # noqa: B018
    with pytest.raises(InvalidRequestError, match="read already"):
        [c async for c in resp.iter_text()]


async def test_chunk_size_rechunks_exactly(client: AsyncClient, server: LocalServer):
    body = bytes(range(256)) * 40  # 10240 bytes, sent in pieces of 7
    server.add_route("GET", "/files/f1/content", lambda r: Scripted(body=body, chunk_size=7))
    chunks = [c async for c in (await client.files.content("f1")).iter_bytes(chunk_size=1000)]
    assert [len(c) for c in chunks] == [1000] * 10 + [240] and b"".join(chunks) == body
    texts = [t async for t in await (await client.files.content("f1")).aiter_bytes(64)]
    assert {len(t) for t in texts[:-1]} == {64} and b"".join(texts) == body
    with pytest.raises(InvalidRequestError, match="chunk_size"):
        (await client.files.content("f1")).iter_bytes(0)


async def test_iter_text_never_breaks_a_character_split_across_chunks(
    client: AsyncClient, server: LocalServer
):
    # One ASCII byte, then 1 MiB of 4-byte characters: a body that arrives in several
    # pieces splits characters unless every piece ends at 4k + 1 bytes.
    text = "a" + "\U0001f642" * 262144
    server.add_route(
        "GET",
        "/files/f1/content",
        lambda r: Scripted(body=text.encode(), content_type="text/plain"),
    )
    texts = [t async for t in (await client.files.content("f1")).iter_text()]
    assert len(texts) > 1 and "".join(texts) == text
    sized = [t async for t in (await client.files.content("f1")).aiter_text(chunk_size=1000)]
    assert {len(t) for t in sized[:-1]} == {1000} and "".join(sized) == text
    awaited = [t async for t in await (await client.files.content("f1")).aiter_text()]
    assert "".join(awaited) == text


async def test_text_uses_the_charset_of_the_response(client: AsyncClient, server: LocalServer):
    server.add_route(
        "GET",
        "/files/f1/content",
        lambda r: Scripted(
            body="café\r\nnaïve\rend".encode("latin-1"),
            content_type="text/plain; charset=ISO-8859-1",
        ),
    )
    resp = await client.files.content("f1")
    assert resp.charset_encoding == "ISO-8859-1" and resp.encoding == "ISO-8859-1"
    assert [line async for line in resp.aiter_lines()] == ["café", "naïve", "end"]
    resp = await client.files.content("f1")
    assert [line async for line in await resp.aiter_lines()] == ["café", "naïve", "end"]
    resp = await client.files.content("f1")
    await resp.aread()
    assert resp.text == "café\r\nnaïve\rend"


async def test_json_of_a_body_that_is_not_json(client: AsyncClient, server: LocalServer):
    server.add_route("GET", "/files/f1/content", lambda r: Scripted(body=b"mp3 bytes"))
    resp = await client.files.content("f1")
    await resp.aread()
    with pytest.raises(APIResponseValidationError, match="not JSON") as caught:
        resp.json()
    assert caught.value.raw == "mp3 bytes"


async def test_the_official_file_methods_are_awaited(
    client: AsyncClient, server: LocalServer, tmp_path: Path
):
    body = b"0123456789" * 1000
    server.add_route("GET", "/files/f1/content", lambda r: Scripted(body=body, chunk_size=999))
    await (await client.files.content("f1")).write_to_file(tmp_path / "a")
    await (await client.files.content("f1")).stream_to_file(tmp_path / "b", chunk_size=4096)
    await (await client.files.content("f1")).astream_to_file(str(tmp_path / "c"))
    assert await (await client.files.content("f1")).write_to(tmp_path / "d") == len(body)
    for name in "abcd":
        assert (tmp_path / name).read_bytes() == body
    assert sorted(os.listdir(tmp_path)) == ["a", "b", "c", "d"]


async def test_a_dropped_download_leaves_no_truncated_file(
    client: AsyncClient, server: LocalServer, tmp_path: Path
):
    server.add_route(
        "GET",
        "/files/f1/content",
        lambda r: Scripted(body=b"x" * 100_000, chunk_size=1000, drop_after=3),
    )
    target = tmp_path / "speech.mp3"
    target.write_bytes(b"an older, complete file")
    resp = await client.files.content("f1")
    with pytest.raises(APIConnectionError):
        await resp.write_to_file(target)
    assert target.read_bytes() == b"an older, complete file"
    assert os.listdir(tmp_path) == ["speech.mp3"]


# -- sync binary ------------------------------------------------------------------------------


def test_the_sync_binary_response_reads_lazily_when_asked(
    threaded_server: LocalServer, tmp_path: Path
):
    body = TEXT.encode()
    threaded_server.add_route(
        "GET", "/files/f1/content", lambda r: Scripted(body=body, chunk_size=5)
    )
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        resp = client.files.content("f1")
        assert resp.content == body and resp.text == TEXT and resp.read() == body
        with client.files.content("f1") as resp:
            chunks = list(resp.iter_bytes(chunk_size=100))
        assert {len(c) for c in chunks[:-1]} == {100} and b"".join(chunks) == body
        assert "".join(client.files.content("f1").iter_text(chunk_size=7)) == TEXT
        assert list(client.files.content("f1").iter_lines()) == TEXT.splitlines()
        client.files.content("f1").write_to_file(tmp_path / "a")
        client.files.content("f1").stream_to_file(tmp_path / "b", chunk_size=64)
        assert (tmp_path / "a").read_bytes() == body == (tmp_path / "b").read_bytes()

        streamed = client.files.content("f1")
        for _ in streamed.iter_bytes():
            break  # leaving early closes the connection; the body is gone
        with pytest.raises(InvalidRequestError, match="read already"):
            streamed.read()


def test_the_sync_json_and_a_dropped_download(threaded_server: LocalServer, tmp_path: Path):
    threaded_server.add_route("GET", "/files/j/content", lambda r: Scripted(body=b'{"n": 1}'))
    threaded_server.add_route(
        "GET",
        "/files/f1/content",
        lambda r: Scripted(body=b"x" * 100_000, chunk_size=1000, drop_after=2),
    )
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        assert client.files.content("j").json() == {"n": 1}
        with pytest.raises(APIConnectionError):
            client.files.content("f1").stream_to_file(tmp_path / "out.bin")
    assert os.listdir(tmp_path) == []
