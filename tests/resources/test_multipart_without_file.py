"""A multipart operation called without a file part still sends multipart/form-data.

aiohttp's ``FormData`` falls back to ``application/x-www-form-urlencoded`` when no part
is a file; the API (and Steady, E3006) want the content type the operation declares.
"""

from __future__ import annotations

import pytest

from openai_async import AsyncClient
from openai_async.testing import LocalServer, Scripted

pytestmark = pytest.mark.anyio

CONTAINER_FILE = {
    "id": "cfile_1",
    "object": "container.file",
    "container_id": "cntr_1",
    "created_at": 1700000000,
    "bytes": 3,
    "path": "/mnt/data/a.txt",
    "source": "user",
}


async def test_fields_only_are_sent_as_multipart(client: AsyncClient, server: LocalServer) -> None:
    server.add_route("POST", "/containers/cntr_1/files", lambda r: Scripted(json=CONTAINER_FILE))
    got = await client.containers.files.create("cntr_1", file_id="file-abc")
    assert got.id == "cfile_1"
    request = server.requests[-1]
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert request.form() == [("file_id", "file-abc")]
