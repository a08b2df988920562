"""The local server's legacy endpoints (scripts/legacy_openapi.yaml), through real sockets.

The SDK's generated legacy methods are tested against these routes; here the routes
themselves are checked with the client's raw ``request_json``.
"""

from __future__ import annotations

from typing import Any

import pytest

from openai_async import AsyncClient, BadRequestError, NotFoundError
from openai_async.testing import LocalServer

pytestmark = pytest.mark.anyio
V1 = {"OpenAI-Beta": "assistants=v1"}


async def call(client: AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    data, _ = await client.request_json(method, path, **kwargs)
    return data


async def test_edits_and_engines(client: AsyncClient) -> None:
    body = {"model": "text-davinci-edit-001", "input": "wek", "instruction": "fix", "n": 2}
    edit = await call(client, "POST", "/edits", body=body)
    assert edit["object"] == "edit"
    assert [c["index"] for c in edit["choices"]] == [0, 1]
    assert edit["usage"]["total_tokens"] > 0
    with pytest.raises(BadRequestError, match="instruction"):
        await call(client, "POST", "/edits", body={"model": "m"})
    engines = await call(client, "GET", "/engines")
    assert {"id": "gpt-4o", "object": "engine", "owner": "openai", "ready": True} in engines["data"]
    assert (await call(client, "GET", "/engines/gpt-4o"))["id"] == "gpt-4o"
    with pytest.raises(NotFoundError):
        await call(client, "GET", "/engines/nope")


async def test_fine_tunes_lifecycle(client: AsyncClient) -> None:
    job = await call(client, "POST", "/fine-tunes", body={"training_file": "file-1"})
    assert job["object"] == "fine-tune" and job["status"] == "pending"
    assert job["training_files"][0]["id"] == "file-1"
    listed = await call(client, "GET", "/fine-tunes")
    assert [j["id"] for j in listed["data"]] == [job["id"]]
    assert (await call(client, "GET", f"/fine-tunes/{job['id']}"))["id"] == job["id"]
    cancelled = await call(client, "POST", f"/fine-tunes/{job['id']}/cancel")
    assert cancelled["status"] == "cancelled"
    events = await call(client, "GET", f"/fine-tunes/{job['id']}/events")
    assert [e["message"] for e in events["data"]][-1] == "Fine-tune cancelled"
    with pytest.raises(NotFoundError):
        await call(client, "GET", "/fine-tunes/ft-missing")
    with pytest.raises(BadRequestError, match="training_file"):
        await call(client, "POST", "/fine-tunes", body={})


async def test_assistant_files_need_the_v1_beta_header(client: AsyncClient) -> None:
    with pytest.raises(BadRequestError, match="assistants=v1"):
        await call(client, "GET", "/assistants/asst_1/files")
    with pytest.raises(BadRequestError, match="assistants=v1"):
        await call(
            client,
            "GET",
            "/assistants/asst_1/files",
            extra_headers={"OpenAI-Beta": "assistants=v2"},
        )
    made = await call(
        client, "POST", "/assistants/asst_1/files", body={"file_id": "file-9"}, extra_headers=V1
    )
    assert made == {
        "id": "file-9",
        "object": "assistant.file",
        "created_at": made["created_at"],
        "assistant_id": "asst_1",
    }
    page = await call(client, "GET", "/assistants/asst_1/files", extra_headers=V1)
    assert page["data"] == [made] and page["first_id"] == page["last_id"] == "file-9"
    assert await call(client, "GET", "/assistants/asst_1/files/file-9", extra_headers=V1) == made
    deleted = await call(client, "DELETE", "/assistants/asst_1/files/file-9", extra_headers=V1)
    assert deleted == {"id": "file-9", "object": "assistant.file.deleted", "deleted": True}
    with pytest.raises(NotFoundError):
        await call(client, "GET", "/assistants/asst_1/files/file-9", extra_headers=V1)


async def test_message_files(client: AsyncClient, server: LocalServer) -> None:
    server.legacy.attach_message_file("thread_1", "msg_1", "file-3")
    page = await call(client, "GET", "/threads/thread_1/messages/msg_1/files", extra_headers=V1)
    assert [f["id"] for f in page["data"]] == ["file-3"]
    one = await call(
        client, "GET", "/threads/thread_1/messages/msg_1/files/file-3", extra_headers=V1
    )
    assert one["object"] == "thread.message.file" and one["message_id"] == "msg_1"
    empty = await call(client, "GET", "/threads/thread_1/messages/msg_2/files", extra_headers=V1)
    assert empty["data"] == [] and empty["has_more"] is False
    with pytest.raises(BadRequestError, match="assistants=v1"):
        await call(client, "GET", "/threads/thread_1/messages/msg_1/files")
