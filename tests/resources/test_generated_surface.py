"""The generated resources through the real socket: one representative call per feature
(path and query parameters, the cursor styles, multipart, binary bodies, beta headers,
deprecation, the responses and assistants stream kinds)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

import openai_async
from openai_async import (
    APIStatusError,
    AsyncClient,
    BinaryResponse,
    Client,
    IncompleteStreamError,
    InvalidRequestError,
    UnknownVariant,
)
from openai_async.models import (
    FileObject,
    ResponseCompletedEvent,
    ResponseTextDeltaEvent,
    Run,
)
from openai_async.testing import Fault, LocalServer, RecordedRequest, Scripted

API_KEY = "sk-test-0123456789"  # as in conftest.py

pytestmark = pytest.mark.anyio


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


# -- path and query parameters, pagination ------------------------------------------------


async def test_a_path_parameter_is_one_encoded_segment(client: AsyncClient, server: LocalServer):
    # The server sees the decoded path; unencoded, "/.." would have dropped a segment.
    server.add_route("GET", "/files/file 1/..", lambda r: Scripted(json=_file("file 1/..")))
    got = await client.files.retrieve("file 1/..")
    assert isinstance(got, FileObject) and got.id == "file 1/.."
    with pytest.raises(InvalidRequestError):
        await client.files.retrieve("..")


def _after_pages(request: RecordedRequest) -> Scripted:
    """Three files in pages of two, by ``after`` / ``last_id``."""
    ids = ["file_1", "file_2", "file_3"]
    start = ids.index(request.query["after"]) + 1 if "after" in request.query else 0
    page = ids[start : start + int(request.query["limit"])]
    return Scripted(
        json={
            "object": "list",
            "data": [_file(i) for i in page],
            "first_id": page[0],
            "last_id": page[-1],
            "has_more": start + len(page) < len(ids),
        }
    )


async def test_list_pages_by_after_and_last_id(client: AsyncClient, server: LocalServer):
    server.add_route("GET", "/files", _after_pages)
    first = await client.files.list(limit=2, purpose="assistants")
    assert [f.id for f in first.data] == ["file_1", "file_2"] and first.has_next_page()
    second = await first.get_next_page()
    assert [f.id for f in second.data] == ["file_3"] and not second.has_next_page()
    assert [f.id async for f in client.files.list(limit=2)] == ["file_1", "file_2", "file_3"]
    assert server.requests[1].query == {"limit": "2", "purpose": "assistants", "after": "file_2"}


async def test_list_pages_by_the_next_cursor(client: AsyncClient, server: LocalServer):
    def groups(request: RecordedRequest) -> Scripted:
        cursor = request.query.get("after")
        page = ["g1", "g2"] if cursor is None else ["g3"]
        return Scripted(
            json={
                "object": "list",
                "data": [{"id": g, "name": g, "object": "group"} for g in page],
                "has_more": cursor is None,
                "next": "cursor-2" if cursor is None else None,
            }
        )

    server.add_route("GET", "/organization/groups", groups)
    names = [g.name async for g in client.admin.organization.groups.list(limit=2)]
    assert names == ["g1", "g2", "g3"]
    assert server.requests[-1].query["after"] == "cursor-2"


async def test_usage_pages_by_next_page(client: AsyncClient, server: LocalServer):
    def usage(request: RecordedRequest) -> Scripted:
        page = request.query.get("page")
        bucket = {"object": "bucket", "start_time": 0 if page is None else 1, "end_time": 1}
        return Scripted(
            json={
                "object": "page",
                "data": [{**bucket, "results": []}],
                "has_more": page is None,
                "next_page": "page-2" if page is None else None,
            }
        )

    server.add_route("GET", "/organization/usage/completions", usage)
    buckets = client.admin.organization.usage.completions(start_time=0, bucket_width="1d")
    assert [b.start_time async for b in buckets] == [0, 1]
    assert server.requests[-1].query == {"start_time": "0", "bucket_width": "1d", "page": "page-2"}


async def test_object_query_parameters_use_brackets(client: AsyncClient, server: LocalServer):
    empty = Scripted(json={"object": "list", "data": [], "has_more": False})
    server.add_route("GET", "/chat/completions", lambda r: empty)
    page = await client.chat.completions.list(metadata={"team": "a b"}, limit=5)
    assert page.data == [] and not page.has_next_page()
    assert server.requests[-1].query == {"metadata[team]": "a b", "limit": "5"}


# -- multipart -------------------------------------------------------------------------------


def _upload(request: RecordedRequest) -> Scripted:
    return Scripted(json=_file("file_new"))


@pytest.fixture
def upload_server(server: LocalServer) -> LocalServer:
    server.add_route("POST", "/files", _upload)
    return server


@pytest.mark.parametrize(
    ("make", "filename", "content_type"),
    [
        (lambda p: p, "notes.jsonl", "application/octet-stream"),
        (lambda p: str(p), "notes.jsonl", "application/octet-stream"),
        (lambda p: p.read_bytes(), "upload", "application/octet-stream"),
        (lambda p: io.BytesIO(p.read_bytes()), "upload", "application/octet-stream"),
        (lambda p: ("data.txt", p.read_bytes()), "data.txt", "text/plain"),
        (lambda p: ("x.bin", p, "application/x-custom"), "x.bin", "application/x-custom"),
    ],
    ids=["pathlike", "str path", "bytes", "BytesIO", "tuple", "tuple with type"],
)
async def test_multipart_upload_accepts_every_file_form(
    client: AsyncClient, upload_server: LocalServer, tmp_path: Path, make, filename, content_type
):
    path = tmp_path / "notes.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    got = await client.files.create(file=make(path), purpose="batch", expires_after=None)
    assert got.id == "file_new"
    request = upload_server.requests[-1]
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    parts = dict(request.form())
    assert parts["purpose"] == "batch"
    sent_name, sent, sent_type = parts["file"]
    assert (sent_name, sent) == (filename, b'{"a": 1}\n')
    if content_type != "application/octet-stream" or filename == "upload":
        assert sent_type == content_type


async def test_an_open_file_is_streamed_from_its_position_and_left_open(
    client: AsyncClient, upload_server: LocalServer, tmp_path: Path
):
    path = tmp_path / "audio.wav"
    path.write_bytes(b"RIFF" + b"x" * 100_000)
    with path.open("rb") as f:
        f.seek(4)
        await client.files.create(file=f, purpose="user_data")
        assert not f.closed and f.tell() == 4  # reopened by path, not read
    parts = dict(upload_server.requests[-1].form())
    assert parts["file"] == ("audio.wav", b"x" * 100_000, "audio/x-wav")


async def test_a_retried_upload_sends_the_whole_body_again(
    client: AsyncClient, upload_server: LocalServer, tmp_path: Path
):
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    upload_server.add_fault(Fault.status(500, path="/files"))
    buffer = io.BytesIO(b"in memory")
    await client.files.create(file=path, purpose="batch")
    await client.files.create(file=("b.txt", buffer), purpose="batch")
    first, retried, second = upload_server.requests
    assert first.body == retried.body or first.form() == retried.form()
    assert dict(retried.form())["file"][1] == path.read_bytes()
    assert dict(second.form())["file"][1] == b"in memory"


async def test_a_missing_file_fails_before_any_request(
    client: AsyncClient, upload_server: LocalServer, tmp_path: Path
):
    with pytest.raises(FileNotFoundError) as info:
        await client.files.create(file=tmp_path / "nope.jsonl", purpose="batch")
    assert info.value.filename == str(tmp_path / "nope.jsonl")
    with pytest.raises(InvalidRequestError, match="binary mode"):
        await client.files.create(file=io.StringIO("text"), purpose="batch")  # type: ignore[arg-type]
    assert upload_server.requests == []


async def test_multipart_arrays_and_objects_use_brackets(client: AsyncClient, server: LocalServer):
    server.add_route("POST", "/audio/transcriptions", lambda r: Scripted(json={"text": "hi"}))
    got = await client.audio.transcriptions.create(
        file=("a.mp3", b"ID3"),
        model="gpt-4o-transcribe",
        timestamp_granularities=["word", "segment"],
        chunking_strategy={"type": "server_vad", "threshold": 0.5},
        temperature=0,
    )
    assert got.text == "hi"  # type: ignore[union-attr]
    parts = server.requests[-1].form()
    assert ("timestamp_granularities[]", "word") in parts
    assert ("timestamp_granularities[]", "segment") in parts
    assert ("chunking_strategy[type]", "server_vad") in parts
    assert ("temperature", "0") in parts


async def test_several_files_in_one_field(client: AsyncClient, server: LocalServer):
    server.add_route("POST", "/images/edits", lambda r: Scripted(json={"created": 1, "data": []}))
    got = await client.images.edit(
        image=[("a.png", b"A"), ("b.png", b"B")], prompt="merge", mask=("m.png", b"M")
    )
    assert got.created == 1
    parts = server.requests[-1].form()
    files = [(name, value[0]) for name, value in parts if isinstance(value, tuple)]
    assert files == [("image[]", "a.png"), ("image[]", "b.png"), ("mask", "m.png")]
    assert ("prompt", "merge") in parts


async def test_azure_routes_an_upload_by_the_form_s_model(tmp_path: Path):
    async with LocalServer(api_key=API_KEY, azure=True) as azure:
        azure.add_route("POST", "/audio/translations", lambda r: Scripted(json={"text": "hi"}))
        async with openai_async.AsyncAzureClient(
            api_key=API_KEY, api_version="2024-10-21", azure_endpoint=azure.azure_endpoint
        ) as client:
            got = await client.audio.translations.create(file=("a.wav", b"RIFF"), model="my-dep")
        assert got.text == "hi"  # type: ignore[union-attr]
        assert azure.requests[-1].path == "/openai/deployments/my-dep/audio/translations"


# -- binary responses ------------------------------------------------------------------------


async def test_a_binary_response_is_written_to_a_file_as_it_arrives(
    client: AsyncClient, server: LocalServer, tmp_path: Path
):
    content = bytes(range(256)) * 4096  # 1 MiB, sent in 64 KiB pieces
    server.add_route("GET", "/files/file_1/content", lambda r: Scripted(body=content))
    response = await client.files.content("file_1")
    assert isinstance(response, BinaryResponse)
    assert response.response_info.status_code == 200
    assert await response.write_to(tmp_path / "out.bin") == len(content)
    assert (tmp_path / "out.bin").read_bytes() == content
    with pytest.raises(InvalidRequestError, match="read already"):
        await response.read()

    chunks = [c async for c in (await client.files.content("file_1")).iter_bytes()]
    assert len(chunks) > 1 and b"".join(chunks) == content


async def test_speech_returns_audio_bytes(client: AsyncClient, server: LocalServer):
    server.add_route(
        "POST", "/audio/speech", lambda r: Scripted(body=b"mp3data", content_type="audio/mpeg")
    )
    async with await client.audio.speech.create(input="hi", model="tts-1", voice="alloy") as audio:
        assert audio.content_type == "audio/mpeg"
        assert await audio.read() == b"mp3data"
    assert server.requests[-1].json() == {"input": "hi", "model": "tts-1", "voice": "alloy"}


def test_the_sync_facade_iterates_a_binary_response(threaded_server: LocalServer, tmp_path):
    threaded_server.add_route("GET", "/files/f/content", lambda r: Scripted(body=b"abc" * 10))
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        response = client.files.content("f")
        assert isinstance(response, openai_async.SyncBinaryResponse)
        assert b"".join(response.iter_bytes()) == b"abc" * 10
        assert client.files.content("f").write_to(tmp_path / "f") == 30


def test_the_sync_facade_returns_speech_as_bytes_or_as_a_stream(threaded_server: LocalServer):
    def speech(request: RecordedRequest) -> Scripted:
        if request.json().get("stream_format") == "sse":
            done = '{"type": "speech.audio.done", "usage": {}}'
            delta = '{"type": "speech.audio.delta", "audio": "AAA="}'
            return Scripted(events=[(None, delta), (None, done)])
        return Scripted(body=b"mp3", content_type="audio/mpeg")

    threaded_server.add_route("POST", "/audio/speech", speech)
    with Client(api_key=API_KEY, base_url=threaded_server.base_url) as client:
        audio = client.audio.speech.create(input="hi", model="tts-1", voice="alloy")
        assert isinstance(audio, openai_async.SyncBinaryResponse) and audio.read() == b"mp3"
        with client.audio.speech.create(
            input="hi", model="gpt-4o-mini-tts", voice="alloy", stream_format="sse"
        ) as stream:
            assert isinstance(stream, openai_async.Stream)
            assert [e.type for e in stream] == ["speech.audio.delta", "speech.audio.done"]


# -- headers and deprecation -----------------------------------------------------------------


async def test_assistants_endpoints_send_the_beta_header(client: AsyncClient, server: LocalServer):
    thread = {"id": "thread_1", "object": "thread", "created_at": 1}
    server.add_route("GET", "/threads/thread_1", lambda r: Scripted(json=thread))
    got = await client.beta.threads.retrieve("thread_1")
    assert got.id == "thread_1"
    assert server.requests[-1].headers["OpenAI-Beta"] == "assistants=v2"
    await client.beta.threads.retrieve("thread_1", extra_headers={"openai-beta": "assistants=v1"})
    assert server.requests[-1].headers.getall("OpenAI-Beta") == ["assistants=v1"]


async def test_a_deprecated_operation_warns(client: AsyncClient, server: LocalServer):
    assistant = {"id": "asst_1", "object": "assistant", "created_at": 1, "model": "m", "tools": []}
    server.add_route("GET", "/assistants/asst_1", lambda r: Scripted(json=assistant))
    with pytest.warns(DeprecationWarning, match=r"beta\.assistants\.retrieve is deprecated"):
        got = await client.beta.assistants.retrieve("asst_1")
    assert got.id == "asst_1"
    assert client.beta.assistants.retrieve.__doc__.startswith("Deprecated")  # type: ignore[union-attr]


async def test_an_operation_without_a_response_body_returns_none(
    client: AsyncClient, server: LocalServer
):
    server.add_route("DELETE", "/containers/c1", lambda r: Scripted(body=b""))
    assert await client.containers.delete("c1") is None  # type: ignore[func-returns-value]


# -- stream kinds ----------------------------------------------------------------------------

RESPONSE = {"id": "resp_1", "object": "response", "created_at": 1, "model": "m", "output": []}


def _delta(n: int, text: str) -> str:
    return (
        '{"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,'
        f' "content_index": 0, "delta": "{text}", "sequence_number": {n}, "logprobs": []}}'
    )


def _responses_events(*, complete: bool) -> list[tuple[str | None, str]]:
    import orjson

    created = {"type": "response.created", "response": RESPONSE, "sequence_number": 0}
    done = {"type": "response.completed", "response": RESPONSE, "sequence_number": 4}
    events = [
        ("response.created", orjson.dumps(created).decode()),
        ("response.output_text.delta", _delta(1, "Hel")),
        ("response.output_text.delta", _delta(2, "lo")),
        ("response.future_event", '{"type": "response.future_event", "sequence_number": 3}'),
    ]
    return [*events, ("response.completed", orjson.dumps(done).decode())] if complete else events


async def test_a_responses_stream_ends_at_its_terminal_event(
    client: AsyncClient, server: LocalServer
):
    server.add_route(
        "POST", "/responses", lambda r: Scripted(events=_responses_events(complete=True))
    )
    stream = await client.responses.create(model="m", input="hi", stream=True)
    events = [e async for e in stream]
    assert "".join(e.delta for e in events if isinstance(e, ResponseTextDeltaEvent)) == "Hello"
    assert isinstance(events[3], UnknownVariant) and events[3].type == "response.future_event"
    assert isinstance(events[-1], ResponseCompletedEvent)
    assert server.requests[-1].json()["stream"] is True


async def test_a_responses_stream_cut_before_its_terminal_event_is_an_error(
    client: AsyncClient, server: LocalServer
):
    server.add_route(
        "POST", "/responses", lambda r: Scripted(events=_responses_events(complete=False))
    )
    stream = await client.responses.create(model="m", input="hi", stream=True)
    seen = []
    with pytest.raises(IncompleteStreamError, match=r"response\.completed"):
        async for event in stream:
            seen.append(event)
    assert len(seen) == 4


async def test_retrieving_a_response_can_stream_it(client: AsyncClient, server: LocalServer):
    server.add_route(
        "GET", "/responses/resp_1", lambda r: Scripted(events=_responses_events(complete=True))
    )
    stream = await client.responses.retrieve("resp_1", stream=True, starting_after=0)
    assert len([e async for e in stream]) == 5
    assert server.requests[-1].query == {"stream": "true", "starting_after": "0"}


def _run(status: str) -> str:
    import orjson

    run = {
        "id": "run_1",
        "object": "thread.run",
        "created_at": 1,
        "thread_id": "thread_1",
        "assistant_id": "asst_1",
        "status": status,
    }
    return orjson.dumps(run).decode()


async def test_an_assistants_run_stream_is_typed_by_event_name(
    client: AsyncClient, server: LocalServer
):
    delta = '{"id": "msg_1", "object": "thread.message.delta", "delta": {"content": []}}'
    events = [
        ("thread.run.created", _run("queued")),
        ("thread.message.delta", delta),
        ("thread.run.teleported", '{"id": "run_1"}'),
        ("thread.run.completed", _run("completed")),
        ("done", "[DONE]"),
    ]
    server.add_route("POST", "/threads/thread_1/runs", lambda r: Scripted(events=events))
    stream = await client.beta.threads.runs.create("thread_1", assistant_id="asst_1", stream=True)
    got = [e async for e in stream]
    assert [getattr(e, "event", None) for e in got[:2]] == [
        "thread.run.created",
        "thread.message.delta",
    ]
    assert isinstance(got[0].data, Run) and got[0].data.status == "queued"  # type: ignore[union-attr]
    assert isinstance(got[2], UnknownVariant)
    assert got[2].raw == {"event": "thread.run.teleported", "data": {"id": "run_1"}}
    assert got[3].data.status == "completed"  # type: ignore[union-attr]
    assert len(got) == 4
    assert server.requests[-1].headers["OpenAI-Beta"] == "assistants=v2"


async def test_an_assistants_stream_without_a_terminal_run_event_is_an_error(
    client: AsyncClient, server: LocalServer
):
    events = [("thread.run.created", _run("queued")), ("thread.run.in_progress", _run("x"))]
    server.add_route("POST", "/threads/runs", lambda r: Scripted(events=events))
    stream = await client.beta.threads.create_and_run(assistant_id="asst_1", stream=True)
    with pytest.raises(IncompleteStreamError, match=r"thread\.run\.completed"):
        [e async for e in stream]


async def test_an_http_error_of_a_generated_method_is_raised(
    client: AsyncClient, server: LocalServer
):
    with pytest.raises(APIStatusError) as info:
        await client.batches.retrieve("batch_404")
    assert info.value.status_code == 404


# -- the surface as a whole ------------------------------------------------------------------


def test_every_namespace_is_reachable_and_lazy():
    code = (
        "import sys, openai_async;"
        "assert not any(m.startswith(('openai_async.resources', 'openai_async.models.'))"
        " for m in sys.modules), sorted(m for m in sys.modules if 'resources' in m);"
        "c = openai_async.AsyncClient(api_key='k');"
        "c.admin.organization.projects.service_accounts.api_keys.create;"
        "assert 'openai_async.resources.admin' in sys.modules;"
        "assert 'openai_async.resources.chat' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    client = AsyncClient(api_key="k")
    for name in ("beta", "fine_tuning", "vector_stores", "containers", "realtime", "skills"):
        assert getattr(client, name) is getattr(client, name)
    assert callable(client.fine_tuning.jobs.list_events)
    assert callable(client.vector_stores.file_batches.create)
    assert callable(client.containers.files.content.retrieve)
    assert callable(client.beta.threads.runs.submit_tool_outputs)


def test_the_copy_of_a_client_gets_fresh_namespaces():
    client = AsyncClient(api_key="k")
    beta = client.beta
    copy = client.with_options(max_retries=0)
    assert copy.beta is not beta and copy.beta._client is copy
