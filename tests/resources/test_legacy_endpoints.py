"""The legacy methods (scripts/legacy_openapi.yaml) against the local server's legacy routes.

Every method once through the socket: each warns with its replacement, and the
Assistants v1 file methods send ``OpenAI-Beta: assistants=v1`` (the server refuses others).
"""

from __future__ import annotations

import warnings

import pytest

from openai_async import AsyncClient, BadRequestError, Client
from openai_async.models import (
    LegacyAssistantFile,
    LegacyAssistantFileDeleted,
    LegacyEdit,
    LegacyEngine,
    LegacyFineTune,
    LegacyFineTuneEvent,
    LegacyMessageFile,
)
from openai_async.testing import LocalServer
from tests.conftest import API_KEY

pytestmark = pytest.mark.anyio


def deprecated(replacement: str) -> pytest.WarningsRecorder:
    """The method warns, naming what replaced it."""
    return pytest.warns(DeprecationWarning, match=f"use {replacement} instead")


async def test_edits_create(client: AsyncClient, server: LocalServer) -> None:
    with deprecated("chat.completions.create"):
        edit = await client.edits.create(
            model="text-davinci-edit-001", instruction="Fix the spelling", input="helo", n=2
        )
    assert isinstance(edit, LegacyEdit)
    assert [c.text for c in edit.choices] == ["helo", "helo"]
    assert server.requests[-1].path == "/v1/edits"
    assert server.requests[-1].json()["instruction"] == "Fix the spelling"


async def test_engines_list_and_retrieve(client: AsyncClient, server: LocalServer) -> None:
    with deprecated("models.list"):
        engines = [e async for e in client.engines.list()]
    assert engines and all(isinstance(e, LegacyEngine) for e in engines)
    with deprecated("models.retrieve"):
        engine = await client.engines.retrieve(engines[0].id)
    assert engine.id == engines[0].id and engine.ready is True
    assert server.requests[-1].path == f"/v1/engines/{engine.id}"


async def test_fine_tunes_lifecycle(client: AsyncClient, server: LocalServer) -> None:
    with deprecated("fine_tuning.jobs.create"):
        job = await client.fine_tunes.create(training_file="file-train", model="curie", n_epochs=2)
    assert isinstance(job, LegacyFineTune) and job.status == "pending"
    assert server.requests[-1].json() == {
        "training_file": "file-train",
        "model": "curie",
        "n_epochs": 2,
    }
    with pytest.warns(DeprecationWarning, match="fine_tuning.jobs"):
        listed = [j.id async for j in client.fine_tunes.list()]
        got = await client.fine_tunes.retrieve(job.id)
        cancelled = await client.fine_tunes.cancel(job.id)
        events = [e async for e in client.fine_tunes.list_events(job.id)]
    assert listed == [job.id] and got.id == job.id
    assert cancelled.status == "cancelled"
    assert all(isinstance(e, LegacyFineTuneEvent) for e in events)
    assert [e.message for e in events] == [f"Created fine-tune: {job.id}", "Fine-tune cancelled"]


async def test_assistant_files_send_the_v1_header(client: AsyncClient, server: LocalServer) -> None:
    with pytest.warns(DeprecationWarning, match="beta.assistants.files.create is deprecated"):
        created = await client.beta.assistants.files.create("asst_1", file_id="file-a")
    assert isinstance(created, LegacyAssistantFile) and created.assistant_id == "asst_1"
    assert server.requests[-1].headers["OpenAI-Beta"] == "assistants=v1"
    with pytest.warns(DeprecationWarning):
        listed = [f.id async for f in client.beta.assistants.files.list("asst_1")]
        got = await client.beta.assistants.files.retrieve("file-a", assistant_id="asst_1")
        deleted = await client.beta.assistants.files.delete("file-a", assistant_id="asst_1")
    assert listed == ["file-a"] and got.id == "file-a"
    assert isinstance(deleted, LegacyAssistantFileDeleted) and deleted.deleted
    assert server.legacy.assistant_files["asst_1"] == {}
    assert {r.headers["OpenAI-Beta"] for r in server.requests} == {"assistants=v1"}


async def test_message_files(client: AsyncClient, server: LocalServer) -> None:
    server.legacy.attach_message_file("thread_1", "msg_1", "file-m")
    with pytest.warns(DeprecationWarning, match="beta.threads.messages.files.list is deprecated"):
        files = [
            f async for f in client.beta.threads.messages.files.list("msg_1", thread_id="thread_1")
        ]
    assert [f.id for f in files] == ["file-m"]
    with pytest.warns(DeprecationWarning, match="beta.threads.messages.files.retrieve"):
        got = await client.beta.threads.messages.files.retrieve(
            "file-m", thread_id="thread_1", message_id="msg_1"
        )
    assert isinstance(got, LegacyMessageFile) and got.message_id == "msg_1"
    assert [r.headers["OpenAI-Beta"] for r in server.requests] == ["assistants=v1"] * 2


async def test_the_caller_s_beta_header_wins(client: AsyncClient, server: LocalServer) -> None:
    """extra_headers override the generated v1 value (the server then refuses it)."""
    with pytest.warns(DeprecationWarning), pytest.raises(BadRequestError, match="assistants=v1"):
        await client.beta.assistants.files.retrieve(
            "file-a", assistant_id="asst_1", extra_headers={"OpenAI-Beta": "assistants=v2"}
        )
    assert server.requests[-1].headers["OpenAI-Beta"] == "assistants=v2"


def test_sync_facade(threaded_server: LocalServer) -> None:
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        with deprecated("models.retrieve"):
            engine = client.engines.retrieve("gpt-4o-mini")
        with deprecated("fine_tuning.jobs.create"):
            job = client.fine_tunes.create(training_file="file-train")
        with deprecated("beta.assistants.update with tool_resources"):
            created = client.beta.assistants.files.create("asst_1", file_id="file-s")
    assert isinstance(engine, LegacyEngine) and engine.id == "gpt-4o-mini"
    assert isinstance(job, LegacyFineTune)
    assert isinstance(created, LegacyAssistantFile)
    assert threaded_server.requests[-1].headers["OpenAI-Beta"] == "assistants=v1"


def test_the_sync_facade_warns_at_the_caller(threaded_server: LocalServer) -> None:
    # Warned only on the portal's thread, the warning would point into anyio, where
    # Python's default filters hide it; it must point at the caller's line.
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        for call in (client.engines.list, lambda: client.engines.retrieve("gpt-4o")):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call()
            ours = [w for w in caught if w.filename == __file__]
            assert ours and issubclass(ours[0].category, DeprecationWarning)
