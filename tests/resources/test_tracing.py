"""OpenTelemetry spans and metrics through a real socket, with the real SDK's in-memory
span exporter and metric reader (providers passed in ``Telemetry``, so no global state)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracerProvider, SpanKind, StatusCode

from openai_async import (
    APIStreamError,
    AsyncAzureClient,
    AsyncClient,
    BadRequestError,
    Client,
    IncompleteStreamError,
    Telemetry,
)
from openai_async.testing import Fault, LocalServer

from ..conftest import API_KEY, FAST_RETRIES

pytestmark = pytest.mark.anyio

MESSAGES: Any = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "hi"},
]


class Otel:
    """A tracer provider and a meter provider that keep what they get in memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def telemetry(self, **options: Any) -> Telemetry:
        return Telemetry(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def span(self) -> ReadableSpan:
        (span,) = [s for s in self.spans() if s.parent is None]
        return span

    def metrics(self) -> dict[str, list[Any]]:
        """Metric name -> its data points."""
        found: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture
def otel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Otel]:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    found = Otel()
    yield found
    found.tracer_provider.shutdown()
    found.meter_provider.shutdown()


@pytest.fixture
async def traced(server: LocalServer, otel: Otel) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        retry_policy=FAST_RETRIES,
        telemetry=otel.telemetry(),
    ) as c:
        yield c


def _no_secrets(spans: list[ReadableSpan]) -> None:
    for span in spans:
        text = json.dumps(
            {
                "a": dict(span.attributes or {}),
                "e": [dict(e.attributes or {}) for e in span.events],
            },
            default=str,
        )
        assert API_KEY not in text
        assert "Bearer" not in text


# --- chat ----------------------------------------------------------------------------


async def test_chat_span_follows_the_genai_conventions(traced, server, otel):
    completion = await traced.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, max_tokens=50, top_p=0.9,
        stop=["\n"], seed=7,
    )  # fmt: skip
    span = otel.span()
    assert span.name == "chat gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    attributes = dict(span.attributes or {})
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "openai.api.type": "chat_completions",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.stop_sequences": ("\n",),
        "gen_ai.request.seed": 7,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "gen_ai.response.id": completion.id,
        "gen_ai.response.model": completion.model,
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": completion.usage.prompt_tokens,
        "gen_ai.usage.output_tokens": completion.usage.completion_tokens,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.reasoning.output_tokens": 0,
        "openai.response.system_fingerprint": completion.system_fingerprint,
        "openai.response.service_tier": completion.service_tier,
    }
    _no_secrets(otel.spans())  # no content either: it is opt-in
    metrics = otel.metrics()
    (duration,) = metrics["gen_ai.client.operation.duration"]
    assert duration.count == 1
    assert duration.attributes["gen_ai.operation.name"] == "chat"
    assert duration.attributes["gen_ai.response.model"] == completion.model
    assert "error.type" not in duration.attributes
    tokens = {
        p.attributes["gen_ai.token.type"]: p.sum for p in metrics["gen_ai.client.token.usage"]
    }
    assert tokens == {
        "input": completion.usage.prompt_tokens,
        "output": completion.usage.completion_tokens,
    }


async def test_streamed_chat_span_ends_with_the_stream(traced, otel):
    stream = await traced.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    assert otel.spans() == []  # open while the stream is
    chunks = [chunk async for chunk in stream]
    span = otel.span()
    attributes = dict(span.attributes or {})
    usage = chunks[-1].usage
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["gen_ai.response.id"] == chunks[0].id
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.input_tokens"] == usage.prompt_tokens
    assert attributes["gen_ai.usage.output_tokens"] == usage.completion_tokens
    assert attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert span.status.status_code is StatusCode.UNSET
    assert [e.name for e in span.events] == []
    metrics = otel.metrics()
    (first,) = metrics["gen_ai.client.operation.time_to_first_chunk"]
    assert first.count == 1
    assert first.sum == attributes["gen_ai.response.time_to_first_chunk"]
    assert metrics["gen_ai.client.operation.duration"][0].count == 1


async def test_stream_closed_early_ends_its_span(traced, otel):
    stream = await traced.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    async with stream:
        async for _ in stream:
            assert otel.spans() == []
            break
        assert len(otel.spans()) == 1  # leaving the loop early closed the stream
    span = otel.span()
    assert [e.name for e in span.events] == ["openai_async.stream.closed"]
    assert span.status.status_code is StatusCode.UNSET
    assert "gen_ai.response.id" in (span.attributes or {})


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.truncate(after_events=2), IncompleteStreamError),
        (Fault.error_event(after_events=2), APIStreamError),
    ],
)
async def test_stream_that_fails_ends_its_span_with_the_error(traced, server, otel, fault, error):
    server.add_fault(fault)
    stream = await traced.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    with pytest.raises(error):
        async for _ in stream:
            pass
    span = otel.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == error.__name__
    (duration,) = otel.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["error.type"] == error.__name__


async def test_cancelled_stream_ends_its_span(traced, server, otel):
    server.add_fault(Fault.stall(after_events=2, seconds=5))
    stream = await traced.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    two = anyio.Event()

    async def consume() -> None:
        count = 0
        async for _ in stream:
            count += 1
            if count == 2:
                two.set()

    with anyio.fail_after(3):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await two.wait()
            tg.cancel_scope.cancel()
    span = otel.span()
    assert span.attributes["error.type"] == "CancelledError"
    assert span.status.status_code is StatusCode.ERROR


# --- other operations ----------------------------------------------------------------


async def test_embeddings_span(traced, otel):
    result = await traced.embeddings.create(
        model="text-embedding-3-small", input=["a", "b"], dimensions=8
    )
    span = otel.span()
    assert span.name == "embeddings text-embedding-3-small"
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "embeddings"
    assert attributes["gen_ai.embeddings.dimension.count"] == 8
    assert attributes["gen_ai.usage.input_tokens"] == result.usage.prompt_tokens
    assert "gen_ai.usage.output_tokens" not in attributes
    tokens = otel.metrics()["gen_ai.client.token.usage"]
    assert [p.attributes["gen_ai.token.type"] for p in tokens] == ["input"]


async def test_responses_span_plain_and_streamed(traced, otel):
    response = await traced.responses.create(
        model="gpt-4o-mini", input="hello", max_output_tokens=64, instructions="Be brief."
    )
    async with await traced.responses.create(model="gpt-4o-mini", input="hello", stream=True) as s:
        events = [e async for e in s]
    plain, streamed = sorted(otel.spans(), key=lambda s: s.start_time or 0)
    for span in (plain, streamed):
        assert span.name == "chat gpt-4o-mini"
        assert span.attributes["openai.api.type"] == "responses"
        assert span.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert plain.attributes["gen_ai.request.max_tokens"] == 64
    assert plain.attributes["gen_ai.response.id"] == response.id
    assert plain.attributes["gen_ai.usage.output_tokens"] == response.usage.output_tokens
    final = events[-1].response
    assert streamed.attributes["gen_ai.response.id"] == final.id
    assert streamed.attributes["gen_ai.usage.input_tokens"] == final.usage.input_tokens


async def test_other_endpoints_get_a_plain_client_span_and_no_genai_metrics(traced, otel):
    await traced.models.retrieve("gpt-4o")
    span = otel.span()
    assert span.name == "GET models"
    assert "gen_ai.operation.name" not in (span.attributes or {})
    assert span.attributes["gen_ai.provider.name"] == "openai"
    assert "gen_ai.client.operation.duration" not in otel.metrics()


async def test_azure_is_its_own_provider(otel):
    async with (
        LocalServer(api_key=API_KEY, azure=True) as azure,
        AsyncAzureClient(
            api_key=API_KEY,
            azure_endpoint=azure.azure_endpoint,
            api_version="2024-10-21",
            telemetry=otel.telemetry(),
        ) as client,
    ):
        await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert otel.span().attributes["gen_ai.provider.name"] == "azure.ai.openai"


# --- errors and retries --------------------------------------------------------------


async def test_error_sets_error_type_and_status(traced, server, otel):
    server.add_fault(Fault.status(400))
    with pytest.raises(BadRequestError):
        await traced.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    span = otel.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "BadRequestError"
    assert span.attributes["http.response.status_code"] == 400
    (duration,) = otel.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["error.type"] == "BadRequestError"
    _no_secrets(otel.spans())


async def test_retries_are_span_events_and_attempts_child_spans_when_asked(server, otel):
    server.add_fault(Fault.status(500))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.base_url,
        retry_policy=FAST_RETRIES,
        telemetry=otel.telemetry(http_spans=True),
    ) as client:
        await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    span = otel.span()
    assert span.status.status_code is StatusCode.UNSET
    (retry,) = span.events
    assert retry.name == "openai_async.retry"
    assert retry.attributes["openai_async.retry.attempt"] == 1
    assert retry.attributes["openai_async.retry.delay"] == pytest.approx(0.01)
    assert retry.attributes["error.type"] == "InternalServerError"
    assert retry.attributes["http.response.status_code"] == 500
    attempts = sorted(
        (s for s in otel.spans() if s.parent is not None), key=lambda s: s.start_time or 0
    )
    assert [s.name for s in attempts] == ["POST", "POST"]
    assert all(s.parent.span_id == span.context.span_id for s in attempts)
    assert attempts[0].attributes["http.response.status_code"] == 500
    assert attempts[0].attributes["error.type"] == "500"
    assert attempts[1].attributes["http.request.resend_count"] == 1
    assert attempts[1].attributes["url.full"] == f"{server.base_url}/chat/completions"
    _no_secrets(otel.spans())


async def test_no_http_spans_unless_asked(traced, server, otel):
    server.add_fault(Fault.status(500))
    await traced.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(otel.spans()) == 1


# --- message content -----------------------------------------------------------------


async def test_content_is_recorded_on_opt_in_only(server, otel, monkeypatch):
    tools: Any = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    async with AsyncClient(
        api_key=API_KEY, base_url=server.base_url, telemetry=otel.telemetry()
    ) as client:
        await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=tools)
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
        completion = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    without, with_content = sorted(otel.spans(), key=lambda s: s.start_time or 0)
    assert not any(k.startswith("gen_ai.input") for k in without.attributes or {})
    assert json.loads(with_content.attributes["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
    ]
    assert json.loads(with_content.attributes["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": completion.choices[0].message.content}],
            "finish_reason": "stop",
        }
    ]
    _no_secrets(otel.spans())


async def test_content_option_wins_over_the_environment(server, otel, monkeypatch):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    async with AsyncClient(
        api_key=API_KEY, base_url=server.base_url, telemetry=otel.telemetry()
    ) as client:
        stream = await client.with_options(
            telemetry=otel.telemetry(capture_content=False)
        ).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        async for _ in stream:
            pass
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    off, on = sorted(otel.spans(), key=lambda s: s.start_time or 0)
    assert "gen_ai.output.messages" not in (off.attributes or {})
    (message,) = json.loads(on.attributes["gen_ai.output.messages"])
    assert message["parts"] == [{"type": "text", "content": text}]


# --- off switches --------------------------------------------------------------------


async def test_disabled_or_no_op_providers_record_nothing(server, otel):
    for telemetry in (
        Telemetry(enabled=False, tracer_provider=otel.tracer_provider),
        Telemetry(tracer_provider=NoOpTracerProvider()),
    ):
        async with AsyncClient(
            api_key=API_KEY, base_url=server.base_url, telemetry=telemetry
        ) as client:
            await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            stream = await client.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True
            )
            async for _ in stream:
                pass
    assert otel.spans() == []


# --- sync ----------------------------------------------------------------------------


def test_sync_client_chat_and_stream(threaded_server, otel):
    with Client(
        api_key=API_KEY,
        base_url=threaded_server.base_url,
        retry_policy=FAST_RETRIES,
        telemetry=otel.telemetry(),
    ) as client:
        threaded_server.add_fault(Fault.status(503))
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        ) as stream:
            for _ in stream:
                break
    plain, streamed = sorted(otel.spans(), key=lambda s: s.start_time or 0)
    assert plain.name == streamed.name == "chat gpt-4o-mini"
    assert [e.name for e in plain.events] == ["openai_async.retry"]
    assert [e.name for e in streamed.events] == ["openai_async.stream.closed"]
    assert otel.metrics()["gen_ai.client.operation.duration"][0].count == 2
