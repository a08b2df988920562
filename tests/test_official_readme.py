"""The official SDK's README (openai 3.63.0) runs on us: its 32 ```python blocks, and its
13 ```py blocks too.

Each block is copied verbatim with ONLY its import lines changed (`from openai import X` ->
`from openai_async import X`, `import openai` -> `import openai_async as openai`); the client
finds the local server through `OPENAI_API_KEY` and `OPENAI_BASE_URL`, as the README's code
expects of a real deployment. Blocks that are fragments of a longer program (top-level
`await`, a `client` made earlier) run with the names the README made before them. Every run
block's result is checked: what it printed, the object it made, the request the server got.

A block that cannot run is an xfail(strict=True) naming the exception and why, so it turns
into a failure the day it starts working; `test_readme_summary` prints the tally.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import hashlib
import hmac
import importlib.util
import inspect
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from openai_async import (
    APIStatusError,
    AsyncOpenAI,
    ConfigurationError,
    DefaultAioHttpClient,
    OpenAI,
    Timeout,
)
from openai_async.testing import (
    Fault,
    LocalServer,
    RealtimeReply,
    RecordedRequest,
    Reply,
    Scripted,
)
from tests.conftest import API_KEY

_F = TypeVar("_F", bound=Callable[..., Any])

#: (fence, README block number) -> (README section, what happens to it here).
BLOCKS: dict[tuple[str, int], tuple[str, str]] = {}


def readme_block(
    number: int,
    section: str,
    *,
    fence: str = "python",
    xfail: str | None = None,
    raises: type[BaseException] | tuple[type[BaseException], ...] | None = None,
    skip: str | None = None,
) -> Callable[[_F], _F]:
    """Register a test as the README's `fence` block `number` (counted per fence: "python"
    or "py"); `xfail` says why it cannot run yet, `skip` what it needs that is not here."""

    def register(test: _F) -> _F:
        assert (fence, number) not in BLOCKS, number
        outcome = f"xfail: {xfail}" if xfail else f"skip: {skip}" if skip else "runs"
        BLOCKS[(fence, number)] = (section, outcome)
        if xfail is not None:
            return pytest.mark.xfail(strict=True, raises=raises, reason=xfail)(test)  # type: ignore[no-any-return]
        if skip is not None:
            return pytest.mark.skip(reason=skip)(test)  # type: ignore[no-any-return]
        return test

    return register


# -- running a block -------------------------------------------------------------------------


def run(source: str, **names: Any) -> dict[str, Any]:
    """Run a block as the body of a module (`__name__` is not "__main__") and return its
    names; a block with top-level `await` (a README fragment) runs in a new event loop."""
    code = compile(
        source, "<README block>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    namespace: dict[str, Any] = {"__name__": "readme_block", **names}
    result = eval(code, namespace)
    if inspect.iscoroutine(result):
        asyncio.run(result)
    return namespace


def run_async_fragment(source: str) -> dict[str, Any]:
    """Run a fragment that awaits on the README's `client = AsyncOpenAI()`."""
    code = compile(
        source, "<README block>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )

    async def main() -> dict[str, Any]:
        async with AsyncOpenAI() as client:
            namespace: dict[str, Any] = {"__name__": "readme_block", "client": client}
            result = eval(code, namespace)
            if inspect.iscoroutine(result):
                await result
            return namespace

    return asyncio.run(main())


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """The local server, found by the README's code through the environment."""
    with LocalServer.threaded(api_key=API_KEY) as srv:
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        yield srv


def posted(server: LocalServer, path: str) -> list[RecordedRequest]:
    return [r for r in server.requests if r.method == "POST" and r.path == "/v1" + path]


# -- Usage ------------------------------------------------------------------------------------


@readme_block(1, "Usage")
def test_usage(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add_reply(Reply("Use isinstance(obj, cls), matey."))
    run(
        """
import os
from openai_async import OpenAI

client = OpenAI(
    # This is the default and can be omitted
    api_key=os.environ.get("OPENAI_API_KEY"),
)

response = client.responses.create(
    model="gpt-6.2-sol",
    instructions="You are a coding assistant that talks like a pirate.",
    input="How do I check if a Python object is an instance of a class?",
)

print(response.output_text)
"""
    )
    assert capsys.readouterr().out == "Use isinstance(obj, cls), matey.\n"
    (request,) = posted(server, "/responses")
    assert request.json()["instructions"] == "You are a coding assistant that talks like a pirate."


# -- Workload Identity Authentication ---------------------------------------------------------

WORKLOAD_IDENTITY = (
    "workload identity federation is not implemented: the openai.auth token providers "
    "(Kubernetes, Azure managed identity, GCP metadata, X.509) exchange a platform token with "
    "OpenAI's identity service, which the local server does not have; api_key= takes a "
    "callable returning a fresh token instead"
)


@readme_block(
    2, "Workload Identity Authentication: Kubernetes", xfail=WORKLOAD_IDENTITY, raises=ImportError
)
def test_workload_identity_kubernetes(server: LocalServer) -> None:
    run(
        """
from openai_async import OpenAI
from openai_async.auth import k8s_service_account_token_provider

client = OpenAI(
    workload_identity={
        "identity_provider_id": "idp-123",
        "service_account_id": "sa-456",
        "provider": k8s_service_account_token_provider("/var/run/secrets/kubernetes.io/serviceaccount/token"),
    },
)

response = client.responses.create(
    model="gpt-6.2-sol",
    input="Hello!",
)
"""
    )


@readme_block(
    3,
    "Workload Identity Authentication: Azure (managed identity)",
    xfail=WORKLOAD_IDENTITY,
    raises=ImportError,
)
def test_workload_identity_azure(server: LocalServer) -> None:
    ns = run(
        """
from openai_async import OpenAI
from openai_async.auth import azure_managed_identity_token_provider

client = OpenAI(
    workload_identity={
        "identity_provider_id": "idp-123",
        "service_account_id": "sa-456",
        "provider": azure_managed_identity_token_provider(
            resource="https://management.azure.com/",
        ),
    },
)
"""
    )
    assert isinstance(ns["client"], OpenAI)


@readme_block(
    4,
    "Workload Identity Authentication: Google Cloud Platform",
    xfail=WORKLOAD_IDENTITY,
    raises=ImportError,
)
def test_workload_identity_gcp(server: LocalServer) -> None:
    ns = run(
        """
from openai_async import OpenAI
from openai_async.auth import gcp_id_token_provider

client = OpenAI(
    workload_identity={
        "identity_provider_id": "idp-123",
        "service_account_id": "sa-456",
        "provider": gcp_id_token_provider(audience="https://api.openai.com/v1"),
    },
)
"""
    )
    assert isinstance(ns["client"], OpenAI)


@readme_block(
    5,
    "Workload Identity Authentication: Custom subject token provider",
    xfail=WORKLOAD_IDENTITY,
    raises=ConfigurationError,
)
def test_workload_identity_custom_provider(server: LocalServer) -> None:
    ns = run(
        """
from openai_async import OpenAI


def get_custom_token() -> str:
    return "your-jwt-token"


client = OpenAI(
    workload_identity={
        "identity_provider_id": "idp-123",
        "service_account_id": "sa-456",
        "provider": {
            "token_type": "jwt",
            "get_token": get_custom_token,
        },
    }
)
"""
    )
    assert isinstance(ns["client"], OpenAI)


@readme_block(
    6,
    "Workload Identity Authentication: refresh_buffer_seconds",
    xfail=WORKLOAD_IDENTITY,
    raises=ImportError,
)
def test_workload_identity_refresh_buffer(server: LocalServer) -> None:
    ns = run(
        """
from openai_async import OpenAI
from openai_async.auth import k8s_service_account_token_provider

client = OpenAI(
    workload_identity={
        "identity_provider_id": "idp-123",
        "service_account_id": "sa-456",
        "provider": k8s_service_account_token_provider("/var/token"),
        "refresh_buffer_seconds": 120.0,
    }
)
"""
    )
    assert isinstance(ns["client"], OpenAI)


HTTPX2_CLIENT = (
    "DefaultHttpx2Client / DefaultAsyncHttpx2Client are httpx2 clients, and this SDK sends "
    "with aiohttp: pass proxy=, verify= (an ssl.SSLContext with the client certificate) or "
    "session= (an aiohttp.ClientSession) to the client instead"
)


@readme_block(
    7,
    "Workload Identity Authentication: X.509 workload identity (mutual TLS)",
    xfail=f"{WORKLOAD_IDENTITY}; and {HTTPX2_CLIENT}",
    raises=ImportError,
)
def test_workload_identity_x509(server: LocalServer) -> None:
    ns = run(
        """
import os
import ssl

from openai_async import OpenAI, DefaultHttpx2Client
from openai_async.auth import x509_workload_identity

tls_context = ssl.create_default_context(
    cafile=os.getenv("OPENAI_MTLS_CA_BUNDLE"),
)
tls_context.load_cert_chain(
    certfile=os.environ["OPENAI_MTLS_CERTIFICATE_CHAIN"],
    keyfile=os.environ["OPENAI_MTLS_PRIVATE_KEY"],
    password=os.getenv("OPENAI_MTLS_PRIVATE_KEY_PASSWORD"),
)

client = OpenAI(
    workload_identity=x509_workload_identity(
        identity_provider_id=os.environ["OPENAI_IDENTITY_PROVIDER_ID"],
        service_account_id=os.environ["OPENAI_SERVICE_ACCOUNT_ID"],
        # refresh_buffer_seconds=120.0,
    ),
    http_client=DefaultHttpx2Client(
        verify=tls_context,
        follow_redirects=False,
    ),
)
"""
    )
    assert isinstance(ns["client"], OpenAI)


# -- Vision -----------------------------------------------------------------------------------


@readme_block(8, "Vision (image URL; a fragment on the Usage section's client)")
def test_vision_image_url(server: LocalServer) -> None:
    server.add_reply(Reply("A painting."))
    with OpenAI() as client:
        ns = run(
            """
prompt = "What is in this image?"
img_url = "https://api.nga.gov/iiif/a2e6da57-3cd1-4235-b20e-95dcaefed6c8/full/!800,800/0/default.jpg"

response = client.responses.create(
    model="gpt-6.2-sol",
    input=[
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": prompt},
                {"type": "input_image", "image_url": f"{img_url}"},
            ],
        }
    ],
)
""",
            client=client,
        )
    assert ns["response"].output_text == "A painting."
    (request,) = posted(server, "/responses")
    assert request.json()["input"][0]["content"][1] == {
        "type": "input_image",
        "image_url": ns["img_url"],
    }


@readme_block(9, "Vision (base64-encoded image)")
def test_vision_base64(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = b"\x89PNG\r\n\x1a\n not really an image"
    (tmp_path / "path" / "to").mkdir(parents=True)
    (tmp_path / "path" / "to" / "image.png").write_bytes(image)
    monkeypatch.chdir(tmp_path)
    server.add_reply(Reply("Nothing much."))
    ns = run(
        """
import base64
from openai_async import OpenAI

client = OpenAI()

prompt = "What is in this image?"
with open("path/to/image.png", "rb") as image_file:
    b64_image = base64.b64encode(image_file.read()).decode("utf-8")

response = client.responses.create(
    model="gpt-6.2-sol",
    input=[
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": prompt},
                {"type": "input_image", "image_url": f"data:image/png;base64,{b64_image}"},
            ],
        }
    ],
)
"""
    )
    assert ns["response"].output_text == "Nothing much."
    (request,) = posted(server, "/responses")
    sent = request.json()["input"][0]["content"][1]["image_url"]
    assert sent == "data:image/png;base64," + base64.b64encode(image).decode()


# -- Async usage ------------------------------------------------------------------------------


@readme_block(10, "Async usage")
def test_async_usage(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add_reply(Reply("No more state church."))
    run(
        """
import os
import asyncio
from openai_async import AsyncOpenAI

client = AsyncOpenAI(
    # This is the default and can be omitted
    api_key=os.environ.get("OPENAI_API_KEY"),
)


async def main() -> None:
    response = await client.responses.create(
        model="gpt-6.2-sol", input="Explain disestablishmentarianism to a smart five year old."
    )
    print(response.output_text)


asyncio.run(main())
"""
    )
    assert capsys.readouterr().out == "No more state church.\n"


@readme_block(11, "Async usage: With aiohttp")
def test_async_usage_with_aiohttp(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add_reply(Reply("This is a test"))
    run(
        """
import os
import asyncio
from openai_async import DefaultAioHttpClient
from openai_async import AsyncOpenAI


async def main() -> None:
    async with AsyncOpenAI(
        api_key=os.environ.get("OPENAI_API_KEY"),  # This is the default and can be omitted
        http_client=DefaultAioHttpClient(),
    ) as client:
        response = await client.responses.create(
            model="gpt-6.2-sol",
            input="Say this is a test",
        )
        print(response.output_text)


asyncio.run(main())
"""
    )
    assert capsys.readouterr().out == "This is a test\n"


# -- Streaming responses ----------------------------------------------------------------------

STREAM_EVENTS = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]


def printed_event_types(out: str) -> list[str]:
    return re.findall(r"^\w+\(type='([\w.]+)'", out, flags=re.MULTILINE)


@readme_block(12, "Streaming responses")
def test_streaming(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add_reply(Reply(chunks=["Once", " upon"]))
    run(
        """
from openai_async import OpenAI

client = OpenAI()

stream = client.responses.create(
    model="gpt-6.2-sol",
    input="Write a one-sentence bedtime story about a unicorn.",
    stream=True,
)

for event in stream:
    print(event)
"""
    )
    out = capsys.readouterr().out
    assert printed_event_types(out) == STREAM_EVENTS
    assert "delta='Once'" in out and "delta=' upon'" in out


@readme_block(13, "Streaming responses (async)")
def test_streaming_async(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add_reply(Reply(chunks=["Once", " upon"]))
    run(
        """
import asyncio
from openai_async import AsyncOpenAI

client = AsyncOpenAI()


async def main():
    stream = await client.responses.create(
        model="gpt-6.2-sol",
        input="Write a one-sentence bedtime story about a unicorn.",
        stream=True,
    )

    async for event in stream:
        print(event)


asyncio.run(main())
"""
    )
    out = capsys.readouterr().out
    assert printed_event_types(out) == STREAM_EVENTS
    assert "delta='Once'" in out and "delta=' upon'" in out


# -- Pagination -------------------------------------------------------------------------------


def fine_tuning_job(number: int) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job",
        "id": f"ftjob-{number}",
        "model": "gpt-4o-mini-2024-07-18",
        "created_at": 1721764800 + number,
        "finished_at": None,
        "fine_tuned_model": None,
        "organization_id": "org-123",
        "result_files": [],
        "status": "queued",
        "validation_file": None,
        "training_file": "file-abc123",
        "hyperparameters": {"n_epochs": "auto"},
        "trained_tokens": None,
        "error": None,
        "seed": 42,
    }


@pytest.fixture
def job_pages(server: LocalServer) -> list[dict[str, str]]:
    """GET /fine_tuning/jobs: two pages (jobs 1 and 2, then job 3); returns the queries."""
    queries: list[dict[str, str]] = []

    def jobs(request: RecordedRequest) -> Scripted:
        queries.append(request.query)
        if request.query.get("after") == "ftjob-2":
            return Scripted(
                json={"object": "list", "data": [fine_tuning_job(3)], "has_more": False}
            )
        page = [fine_tuning_job(1), fine_tuning_job(2)]
        return Scripted(json={"object": "list", "data": page, "has_more": True})

    server.add_route("GET", "/fine_tuning/jobs", jobs)
    return queries


@readme_block(14, "Pagination")
def test_pagination(
    server: LocalServer, job_pages: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    ns = run(
        """
from openai_async import OpenAI

client = OpenAI()

all_jobs = []
# Automatically fetches more pages as needed.
for job in client.fine_tuning.jobs.list(
    limit=20,
):
    # Do something with job here
    all_jobs.append(job)
print(all_jobs)
"""
    )
    assert [job.id for job in ns["all_jobs"]] == ["ftjob-1", "ftjob-2", "ftjob-3"]
    assert capsys.readouterr().out.count("FineTuningJob(") == 3
    assert job_pages == [{"limit": "20"}, {"limit": "20", "after": "ftjob-2"}]


@readme_block(15, "Pagination (async)")
def test_pagination_async(
    server: LocalServer, job_pages: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        """
import asyncio
from openai_async import AsyncOpenAI

client = AsyncOpenAI()


async def main() -> None:
    all_jobs = []
    # Iterate through items across all pages, issuing requests as needed.
    async for job in client.fine_tuning.jobs.list(
        limit=20,
    ):
        all_jobs.append(job)
    print(all_jobs)


asyncio.run(main())
"""
    )
    assert re.findall(r"id='(ftjob-\d)'", capsys.readouterr().out) == [
        "ftjob-1",
        "ftjob-2",
        "ftjob-3",
    ]
    assert job_pages == [{"limit": "20"}, {"limit": "20", "after": "ftjob-2"}]


@readme_block(16, "Pagination: has_next_page / next_page_info / get_next_page")
def test_pagination_page_by_page(
    server: LocalServer, job_pages: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_async_fragment(
        """
first_page = await client.fine_tuning.jobs.list(
    limit=20,
)
if first_page.has_next_page():
    print(f"will fetch next page using these details: {first_page.next_page_info()}")
    next_page = await first_page.get_next_page()
    print(f"number of items we just fetched: {len(next_page.data)}")

# Remove `await` for non-async usage.
"""
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("will fetch next page using these details: ")
    assert "{'after': 'ftjob-2'}" in out[0]
    assert out[1:] == ["number of items we just fetched: 1"]
    assert job_pages == [{"limit": "20"}, {"limit": "20", "after": "ftjob-2"}]


@readme_block(
    17,
    "Pagination: the page's fields",
    xfail="a mistake of the official README: the API's page of fine-tuning jobs has no "
    "`after` field (it sends object, data, has_more), and the official AsyncCursorPage "
    "raises AttributeError for `first_page.after` as ours does",
    raises=AttributeError,
)
def test_pagination_page_fields(
    server: LocalServer, job_pages: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_async_fragment(
        """
first_page = await client.fine_tuning.jobs.list(
    limit=20,
)

print(f"next page cursor: {first_page.after}")  # => "next page cursor: ..."
for job in first_page.data:
    print(job.id)

# Remove `await` for non-async usage.
"""
    )
    assert capsys.readouterr().out.splitlines()[1:] == ["ftjob-1", "ftjob-2"]


# -- Nested params, file uploads --------------------------------------------------------------


@readme_block(18, "Nested params")
def test_nested_params(server: LocalServer) -> None:
    server.add_reply(Reply('{"price": 9.0}'))
    ns = run(
        """
from openai_async import OpenAI

client = OpenAI()

response = client.responses.create(
    input=[
        {
            "role": "user",
            "content": "Return the price of a $12 item after a 25% discount as a JSON object.",
        }
    ],
    model="gpt-6.2-sol",
    text={"format": {"type": "json_object"}},
)
"""
    )
    assert json.loads(ns["response"].output_text) == {"price": 9.0}
    (request,) = posted(server, "/responses")
    assert request.json()["text"] == {"format": {"type": "json_object"}}


@readme_block(19, "File uploads")
def test_file_upload(server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = b'{"messages": [{"role": "user", "content": "hi"}]}\n'
    (tmp_path / "input.jsonl").write_bytes(lines)
    monkeypatch.chdir(tmp_path)
    run(
        """
from pathlib import Path
from openai_async import OpenAI

client = OpenAI()

client.files.create(
    file=Path("input.jsonl"),
    purpose="fine-tune",
)
"""
    )
    (request,) = posted(server, "/files")
    form = dict(request.form())
    assert form["purpose"] == "fine-tune"
    assert form["file"][:2] == ("input.jsonl", lines)
    with OpenAI() as client:
        (stored,) = client.files.list().data
    assert (stored.filename, stored.purpose, stored.bytes) == (
        "input.jsonl",
        "fine-tune",
        len(lines),
    )


@readme_block(20, "File uploads (a tuple of file name, contents, media type; a fragment)")
def test_file_upload_tuple(server: LocalServer) -> None:
    server.add_route(
        "POST", "/audio/transcriptions", lambda request: Scripted(json={"text": "Hello there."})
    )
    audio_bytes = b"RIFF....WAVEfmt "
    with OpenAI() as client:
        ns = run(
            """
import io

audio = io.BytesIO(audio_bytes)
transcription = client.audio.transcriptions.create(
    model="gpt-4o-transcribe",
    file=("audio.wav", audio, "audio/wav"),
)
""",
            client=client,
            audio_bytes=audio_bytes,
        )
    assert ns["transcription"].text == "Hello there."
    (request,) = posted(server, "/audio/transcriptions")
    form = dict(request.form())
    assert form["model"] == "gpt-4o-transcribe"
    assert form["file"] == ("audio.wav", audio_bytes, "audio/wav")


# -- Webhook verification ---------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"a webhook secret of 32 bytes....").decode()


def signed_webhook(body: str) -> dict[str, str]:
    """Standard Webhooks headers signing `body` with WEBHOOK_SECRET."""
    webhook_id, timestamp = "wh_123", str(int(time.time()))
    key = base64.b64decode(WEBHOOK_SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
        "content-type": "application/json",
    }


def post_webhook(app: Any, *, signed: bool = True) -> Any:
    body = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "response.completed",
            "created_at": 1750000000,
            "data": {"id": "resp_1"},
        }
    )
    headers = signed_webhook(body) if signed else {"content-type": "application/json"}
    return app.test_client().post("/webhook", data=body, headers=headers)


@readme_block(21, "Webhook Verification: Parsing webhook payloads")
def test_webhook_unwrap(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("flask", reason="the block serves webhooks with Flask")
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    ns = run(
        """
from openai_async import OpenAI
from flask import Flask, request

app = Flask(__name__)
client = OpenAI()  # OPENAI_WEBHOOK_SECRET environment variable is used by default


@app.route("/webhook", methods=["POST"])
def webhook():
    request_body = request.get_data(as_text=True)

    try:
        event = client.webhooks.unwrap(request_body, request.headers)

        if event.type == "response.completed":
            print("Response completed:", event.data)
        elif event.type == "response.failed":
            print("Response failed:", event.data)
        else:
            print("Unhandled event type:", event.type)

        return "ok"
    except Exception as e:
        print("Invalid signature:", e)
        return "Invalid signature", 400


if __name__ == "__main__":
    app.run(port=8000)
"""
    )
    reply = post_webhook(ns["app"])
    out = capsys.readouterr().out
    assert (reply.status_code, reply.data) == (200, b"ok"), out
    assert out.startswith("Response completed: ") and "resp_1" in out
    assert post_webhook(ns["app"], signed=False).status_code == 400
    assert capsys.readouterr().out.startswith("Invalid signature: ")


@readme_block(
    22,
    "Webhook Verification: Verifying webhook payloads directly",
)
def test_webhook_verify_signature(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("flask", reason="the block serves webhooks with Flask")
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    ns = run(
        """
import json
from openai_async import OpenAI
from flask import Flask, request

app = Flask(__name__)
client = OpenAI()  # OPENAI_WEBHOOK_SECRET environment variable is used by default


@app.route("/webhook", methods=["POST"])
def webhook():
    request_body = request.get_data(as_text=True)

    try:
        client.webhooks.verify_signature(request_body, request.headers)

        # Parse the body after verification
        event = json.loads(request_body)
        print("Verified event:", event)

        return "ok"
    except Exception as e:
        print("Invalid signature:", e)
        return "Invalid signature", 400


if __name__ == "__main__":
    app.run(port=8000)
"""
    )
    reply = post_webhook(ns["app"])
    out = capsys.readouterr().out
    assert (reply.status_code, reply.data) == (200, b"ok"), out
    assert out.startswith("Verified event: {'id': 'evt_1'")
    assert post_webhook(ns["app"], signed=False).status_code == 400
    assert capsys.readouterr().out.startswith("Invalid signature: ")


# -- Handling errors, request IDs -------------------------------------------------------------


HANDLING_ERRORS = """
import openai_async as openai
from openai_async import OpenAI

client = OpenAI()

try:
    client.fine_tuning.jobs.create(
        model="gpt-4o",
        training_file="file-abc123",
    )
except openai.APIConnectionError as e:
    print("The server could not be reached")
    print(e.__cause__)  # an underlying Exception, likely raised within HTTPX2.
except openai.RateLimitError as e:
    print("A 429 status code was received; we should back off a bit.")
except openai.APIStatusError as e:
    print("Another non-200-range status code was received")
    print(e.status_code)
    print(e.response)
"""


@readme_block(23, "Handling errors (each of its three branches)")
def test_handling_errors(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server.add_fault(Fault.status(400, path="/v1/fine_tuning/jobs"))
    run(HANDLING_ERRORS)
    assert capsys.readouterr().out.splitlines() == [
        "Another non-200-range status code was received",
        "400",
        "<HTTPResponse [400 Bad Request]>",
    ]

    for _ in range(3):  # the first try and the default two retries
        server.add_fault(Fault.status(429, retry_after=0, path="/v1/fine_tuning/jobs"))
    run(HANDLING_ERRORS)
    assert capsys.readouterr().out == (
        "A 429 status code was received; we should back off a bit.\n"
    )

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    run(HANDLING_ERRORS)
    reached, cause = capsys.readouterr().out.splitlines()
    assert reached == "The server could not be reached"
    assert f"127.0.0.1:{port}" in cause


@readme_block(
    24,
    "Request IDs",
)
def test_request_id(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    run_async_fragment(
        """
response = await client.responses.create(
    model="gpt-6.2-sol",
    input="Say 'this is a test'.",
)
print(response._request_id)  # req_123
"""
    )
    assert re.fullmatch(r"req_\d+\n", capsys.readouterr().out)


@readme_block(25, "Request IDs (of an error)")
def test_request_id_of_an_error(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.add_fault(Fault.status(400, path="/v1/responses"))
    with pytest.raises(APIStatusError) as caught:
        run_async_fragment(
            """
import openai_async as openai

try:
    response = await client.responses.create(
        model="gpt-6.2-sol",
        input="Say this is a test",
    )
except openai.APIStatusError as exc:
    print(exc.request_id)  # req_123
    raise exc
"""
        )
    assert caught.value.status_code == 400
    assert capsys.readouterr().out == f"{caught.value.request_id}\n"
    assert re.fullmatch(r"req_\d+", caught.value.request_id or "")


# -- Retries, timeouts ------------------------------------------------------------------------


@readme_block(26, "Retries")
def test_retries(server: LocalServer) -> None:
    for _ in range(3):
        server.add_fault(Fault.status(500, retry_after=0, path="/v1/responses"))
    ns = run(
        """
from openai_async import OpenAI

# Configure the default for all requests:
client = OpenAI(
    # default is 2
    max_retries=0,
)

# Or, configure per-request:
client.with_options(max_retries=5).responses.create(
    model="gpt-6.2-sol",
    input="How can I get the name of the current day in JavaScript?",
)
"""
    )
    assert ns["client"].max_retries == 0
    assert len(posted(server, "/responses")) == 4  # three 500s retried, then the answer


@readme_block(27, "Timeouts")
def test_timeouts(server: LocalServer) -> None:
    pytest.importorskip("httpx2", reason="the block builds an httpx2.Timeout")
    ns = run(
        """
import httpx2
from openai_async import OpenAI

# Configure the default for all requests:
client = OpenAI(
    # 20 seconds (default is 10 minutes)
    timeout=20.0,
)

# More granular control:
client = OpenAI(
    timeout=httpx2.Timeout(60.0, read=5.0, write=10.0, connect=2.0),
)

# Override per-request:
client.with_options(timeout=5.0).responses.create(
    model="gpt-6.2-sol",
    input="How can I list all files in a directory using Python?",
)
"""
    )
    assert ns["client"].timeout == Timeout(connect=2.0, read=5.0, stream_idle=5.0, total=None)
    assert len(posted(server, "/responses")) == 1


# -- Advanced ---------------------------------------------------------------------------------


@readme_block(28, "Accessing raw response data: .with_streaming_response (a fragment)")
def test_with_streaming_response(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.rate_limit_headers["X-My-Header"] = "my value"
    server.add_reply(Reply("This is a test"))
    with OpenAI() as client:
        run(
            """
with client.responses.with_streaming_response.create(
    model="gpt-6.2-sol",
    input="Say this is a test",
) as response:
    print(response.headers.get("X-My-Header"))

    for line in response.iter_lines():
        print(line)
""",
            client=client,
        )
    header, *lines = capsys.readouterr().out.splitlines()
    assert header == "my value"
    body = json.loads("\n".join(lines))
    assert body["object"] == "response"
    assert body["output"][0]["content"][0]["text"] == "This is a test"


@readme_block(29, "Configuring the HTTP client", xfail=HTTPX2_CLIENT, raises=ImportError)
def test_configuring_the_http_client(server: LocalServer) -> None:
    ns = run(
        """
import httpx2
from openai_async import OpenAI, DefaultHttpx2Client

client = OpenAI(
    # Or use the `OPENAI_BASE_URL` env var
    base_url="http://my.test.server.example.com:8083/v1",
    http_client=DefaultHttpx2Client(
        proxy="http://my.test.proxy.example.com",
        transport=httpx2.HTTPTransport(local_address="0.0.0.0"),
    ),
)
"""
    )
    assert ns["client"].base_url == "http://my.test.server.example.com:8083/v1"


@readme_block(
    30,
    "Configuring the HTTP client: per request (a fragment)",
    xfail=HTTPX2_CLIENT,
    raises=ImportError,
)
def test_configuring_the_http_client_per_request(server: LocalServer) -> None:
    # The fragment uses the names the section's previous block imported.
    run("from openai_async import OpenAI, DefaultHttpx2Client\nclient = OpenAI()")
    ns = run(
        """
client.with_options(http_client=DefaultHttpx2Client(...))
"""
    )
    assert isinstance(ns["client"], OpenAI)


@readme_block(31, "Mutual TLS", xfail=HTTPX2_CLIENT, raises=ImportError)
def test_mutual_tls(server: LocalServer) -> None:
    ns = run(
        """
import os
import ssl

from openai_async import OpenAI, DefaultHttpx2Client

# Server trust is configured independently. Without `cafile`, this uses the
# operating system's normal trusted certificate authorities.
ssl_context = ssl.create_default_context(
    cafile=os.environ.get("OPENAI_MTLS_CA_BUNDLE"),
)
ssl_context.load_cert_chain(
    # This PEM must contain the leaf certificate first, followed by every
    # intermediate certificate needed to reach the server's trust anchor.
    certfile=os.environ["OPENAI_MTLS_CERTIFICATE_CHAIN"],
    keyfile=os.environ["OPENAI_MTLS_PRIVATE_KEY"],
    password=os.environ.get("OPENAI_MTLS_PRIVATE_KEY_PASSWORD"),
)

client = OpenAI(
    api_key=os.environ["OPENAI_API_KEY"],
    # A custom HTTP client does not tell the SDK that mTLS is configured, so
    # select the mTLS endpoint explicitly. Preserve an EU or custom override.
    base_url=os.environ.get(
        "OPENAI_BASE_URL",
        "https://mtls.api.openai.com/v1",
    ),
    # A client certificate belongs to the HTTP client, not the base URL.
    # Disable redirects so it cannot follow a response to another origin.
    http_client=DefaultHttpx2Client(
        verify=ssl_context,
        follow_redirects=False,
    ),
)
"""
    )
    assert isinstance(ns["client"], OpenAI)


@readme_block(32, "Mutual TLS (async)", xfail=HTTPX2_CLIENT, raises=ImportError)
def test_mutual_tls_async(server: LocalServer) -> None:
    ns = run(
        """
import os
import ssl

from openai_async import AsyncOpenAI, DefaultAsyncHttpx2Client

ssl_context = ssl.create_default_context(
    cafile=os.environ.get("OPENAI_MTLS_CA_BUNDLE"),
)
ssl_context.load_cert_chain(
    certfile=os.environ["OPENAI_MTLS_CERTIFICATE_CHAIN"],
    keyfile=os.environ["OPENAI_MTLS_PRIVATE_KEY"],
    password=os.environ.get("OPENAI_MTLS_PRIVATE_KEY_PASSWORD"),
)

client = AsyncOpenAI(
    api_key=os.environ["OPENAI_API_KEY"],
    base_url=os.environ.get(
        "OPENAI_BASE_URL",
        "https://mtls.api.openai.com/v1",
    ),
    http_client=DefaultAsyncHttpx2Client(
        verify=ssl_context,
        follow_redirects=False,
    ),
)
"""
    )
    assert isinstance(ns["client"], AsyncOpenAI)


# -- the README's ```py blocks ----------------------------------------------------------------


@readme_block(1, "Realtime API", fence="py")
def test_py_realtime(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.realtime.add_reply(RealtimeReply(text="Hello!"))
    run(
        """
import asyncio
from openai_async import AsyncOpenAI, OpenAIError


async def main():
    client = AsyncOpenAI()

    async with client.realtime.connect(model="gpt-realtime-2") as connection:
        await connection.session.update(session={"type": "realtime", "output_modalities": ["text"]})

        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Say hello!"}],
            }
        )
        await connection.response.create()

        async for event in connection:
            if event.type == "response.output_text.delta":
                print(event.delta, flush=True, end="")

            elif event.type == "response.output_text.done":
                print()

            elif event.type == "response.done":
                if event.response.status != "completed":
                    raise OpenAIError("The Realtime response did not complete")
                break
            elif event.type == "error":
                raise OpenAIError("Realtime returned an error; inspect the event in your application")
        else:
            raise OpenAIError("Realtime disconnected before response.done")


asyncio.run(main())
"""
    )
    assert capsys.readouterr().out == "Hello!\n"


@readme_block(2, "Realtime error handling (a fragment)", fence="py")
def test_py_realtime_errors(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    error = {
        "type": "error",
        "event_id": "event_1",
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_value",
            "event_id": "client_1",
            "message": "Invalid value.",
        },
    }
    # The server sends an error event unasked, then ends the session normally.
    server.realtime.add_on_connect(RealtimeReply(events=[error], close_code=1000, after_events=1))
    # The fragment names AsyncOpenAI as the section's previous block imported it.
    run(
        """
client = AsyncOpenAI()

async with client.realtime.connect(model="gpt-realtime-2") as connection:
    ...
    async for event in connection:
        if event.type == "error":
            print(event.error.type)
            print(event.error.code)
            print(event.error.event_id)
            print(event.error.message)
""",
        AsyncOpenAI=AsyncOpenAI,
    )
    assert (
        capsys.readouterr().out
        == "invalid_request_error\ninvalid_value\nclient_1\nInvalid value.\n"
    )


@readme_block(
    3,
    "How to tell whether `None` means `null` or missing (a fragment)",
    fence="py",
)
def test_py_null_or_missing(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    model = {"id": "m1", "object": "model", "created": 1, "owned_by": "me", "my_field": None}
    server.add_route("GET", "/models/m1", lambda request: Scripted(json=model))
    with OpenAI() as client:
        response = client.models.retrieve("m1")
    run(
        """
if response.my_field is None:
    if "my_field" not in response.model_fields_set:
        print('Got json like {}, without a "my_field" key present at all.')
    else:
        print('Got json like {"my_field": null}.')
""",
        response=response,
    )
    assert capsys.readouterr().out == 'Got json like {"my_field": null}.\n'


@readme_block(4, "Accessing raw response data (e.g. headers)", fence="py")
def test_py_raw_response(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.rate_limit_headers["X-My-Header"] = "my value"
    server.add_reply(Reply("This is a test"))
    run(
        """
from openai_async import OpenAI

client = OpenAI()
raw_response = client.responses.with_raw_response.create(
    model="gpt-6.2-sol",
    input="Say this is a test",
)
print(raw_response.headers.get("X-My-Header"))

response = raw_response.parse()  # get the object that `responses.create()` would have returned
print(response.output_text)
"""
    )
    assert capsys.readouterr().out == "my value\nThis is a test\n"


@readme_block(
    5,
    "Making custom/undocumented requests: Undocumented endpoints (a fragment)",
    fence="py",
    xfail="the clients have no get/post/put/patch/delete(path, cast_to=...) for undocumented "
    "endpoints (and cast_to=httpx2.Response is an httpx type): AsyncClient.request(method, "
    "path, ...) and extra_body / extra_query / extra_headers are ours",
    raises=AttributeError,
)
def test_py_undocumented_endpoint(server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("httpx2", reason="the block casts to httpx2.Response")
    server.add_route(
        "POST", "/foo", lambda request: Scripted(json={"ok": True}, headers={"x-foo": "bar"})
    )
    with OpenAI() as client:
        run(
            """
import httpx2

response = client.post(
    "/foo",
    cast_to=httpx2.Response,
    body={"my_param": True},
)

print(response.headers.get("x-foo"))
""",
            client=client,
        )
    assert capsys.readouterr().out == "bar\n"
    assert posted(server, "/foo")[0].json() == {"my_param": True}


@readme_block(6, "Managing HTTP resources", fence="py")
def test_py_managing_http_resources(server: LocalServer) -> None:
    ns = run(
        """
from openai_async import OpenAI

with OpenAI() as client:
    # make requests here
    ...

# HTTP client is now closed
"""
    )
    with pytest.raises(ConfigurationError, match="closed"):
        ns["client"].models.list()


@readme_block(7, "Managing HTTP resources (async)", fence="py")
def test_py_managing_http_resources_async(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.add_reply(Reply("This is a test"))
    run(
        """
import asyncio
from openai_async import AsyncOpenAI


async def main() -> None:
    async with AsyncOpenAI() as client:
        response = await client.responses.create(model="gpt-6.2-sol", input="Say this is a test")
        print(response.output_text)


asyncio.run(main())
"""
    )
    assert capsys.readouterr().out == "This is a test\n"


@readme_block(
    8,
    "Microsoft Azure OpenAI",
    fence="py",
    skip="needs the Azure OpenAI resource its code names (base_url is a literal "
    "https://example-endpoint.openai.azure.com, not read from the environment)",
)
def test_py_azure_v1(server: LocalServer) -> None:
    run(
        """
import os
from openai_async import OpenAI

client = OpenAI(
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    base_url="https://example-endpoint.openai.azure.com/openai/v1/",
)

response = client.responses.create(
    model="deployment-name",
    input="How do I output all files in a directory using Python?",
)
print(response.output_text)
"""
    )


BEDROCK = (
    "Amazon Bedrock (openai.providers.bedrock, BedrockOpenAI: AWS SigV4 signing from AWS "
    "credentials) is not implemented, and would need AWS to run"
)


@readme_block(9, "Amazon Bedrock", fence="py", xfail=BEDROCK, raises=ImportError)
def test_py_bedrock(server: LocalServer) -> None:
    run(
        """
from openai_async import OpenAI
from openai_async.providers import bedrock

# Uses your normal AWS credentials. You can omit region when it is
# configured through AWS_REGION, AWS_DEFAULT_REGION, or your AWS profile.
client = OpenAI(
    provider=bedrock(
        region="us-west-2",
    )
)

response = client.responses.create(
    model="openai.gpt-5.4",
    input="Say hello!",
)

print(response.output_text)
"""
    )


@readme_block(
    10, "Amazon Bedrock: profile (a fragment)", fence="py", xfail=BEDROCK, raises=ImportError
)
def test_py_bedrock_profile(server: LocalServer) -> None:
    # The fragment uses the names the section's first block imported.
    run("from openai_async import OpenAI\nfrom openai_async.providers import bedrock")
    run(
        """
client = OpenAI(
    provider=bedrock(
        profile="my-profile",
    )
)
"""
    )


@readme_block(
    11, "Amazon Bedrock: token provider (a fragment)", fence="py", xfail=BEDROCK, raises=ImportError
)
def test_py_bedrock_token_provider(server: LocalServer) -> None:
    run("from openai_async import OpenAI\nfrom openai_async.providers import bedrock")
    run(
        """
client = OpenAI(
    provider=bedrock(
        region="us-west-2",
        token_provider=lambda: refresh_bedrock_token(),
    )
)
"""
    )


@readme_block(12, "Legacy `BedrockOpenAI` client", fence="py", xfail=BEDROCK, raises=ImportError)
def test_py_bedrock_legacy_client(server: LocalServer) -> None:
    run(
        """
from openai_async import BedrockOpenAI

client = BedrockOpenAI(
    aws_region="us-west-2",
    aws_profile="my-profile",
)
"""
    )


@readme_block(13, "Determining the installed version", fence="py")
def test_py_version(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        """
import openai_async as openai

print(openai.__version__)
"""
    )
    out = capsys.readouterr().out
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*\n", out), out


# -- the tally --------------------------------------------------------------------------------

#: Blocks that need a package of the test extras, skipped without it.
OPTIONAL = {("python", 21): "flask", ("python", 22): "flask", ("python", 27): "httpx2"}


def test_readme_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Every code block of the README has its test; print what runs and what does not."""
    assert sorted(n for fence, n in BLOCKS if fence == "python") == list(range(1, 33))
    assert sorted(n for fence, n in BLOCKS if fence == "py") == list(range(1, 14))
    missing = {key: m for key, m in OPTIONAL.items() if importlib.util.find_spec(m) is None}
    lines = ["official README (openai 3.63.0):"]
    for fence in ("python", "py"):
        outcomes = {n: o for (f, n), (_, o) in BLOCKS.items() if f == fence}
        runs = sum(o == "runs" and (fence, n) not in missing for n, o in outcomes.items())
        xfails = sum(o.startswith("xfail") for o in outcomes.values())
        skips = len(outcomes) - runs - xfails
        lines.append(
            f"  {len(outcomes)} ```{fence} blocks: {runs} run and pass, {xfails} xfail, "
            f"{skips} skipped"
        )
    for (fence, number), (section, outcome) in sorted(
        BLOCKS.items(), key=lambda item: (item[0][0] != "python", item[0][1])
    ):
        if outcome != "runs":
            lines.append(f"  ```{fence} block {number} ({section}): {outcome}")
        if (fence, number) in missing:
            lines.append(
                f"  ```{fence} block {number} ({section}): skipped: "
                f"{missing[(fence, number)]} not installed"
            )
    with capsys.disabled():
        print("\n" + "\n".join(lines))


# -- what the README needed of the SDK --------------------------------------------------------


def test_default_aiohttp_client_keeps_our_transport_and_refuses_httpx_options() -> None:
    client = AsyncOpenAI(api_key=API_KEY, http_client=DefaultAioHttpClient())
    client.with_options(http_client=DefaultAioHttpClient())
    OpenAI(api_key=API_KEY, http_client=DefaultAioHttpClient()).close()
    with pytest.raises(ConfigurationError, match=r"DefaultAioHttpClient\(timeout=...\).*session="):
        DefaultAioHttpClient(timeout=5)


def test_the_sync_client_has_the_official_settings_attributes() -> None:
    with OpenAI(
        api_key=API_KEY,
        base_url="http://127.0.0.1:1/v1",
        organization="org-1",
        project="proj-1",
        webhook_secret=WEBHOOK_SECRET,
        timeout=20.0,
        max_retries=0,
        default_headers={"X-A": "1"},
        default_query={"q": "1"},
    ) as client:
        assert client.base_url == "http://127.0.0.1:1/v1"
        assert (client.organization, client.project) == ("org-1", "proj-1")
        assert client.timeout == Timeout(connect=20.0, read=20.0, stream_idle=20.0)
        assert client.max_retries == 0
        assert client.default_headers == {"X-A": "1"}
        assert client.default_query == {"q": "1"}
        assert client.webhook_secret == WEBHOOK_SECRET
        assert client.admin_api_key is None
        copy = client.with_options(max_retries=5, timeout=5.0)
        assert (copy.max_retries, copy.timeout.read, client.max_retries) == (5, 5.0, 0)
        with pytest.raises(AttributeError):
            client.max_retries = 3  # type: ignore[misc]
