"""OpenTelemetry GenAI spans and metrics, printed to the console.

Needs `pip install "openai_async[otel]" opentelemetry-sdk`. Set the providers once, as
any OpenTelemetry application does; every call then reports a span (`chat gpt-4o-mini`
...) and the `gen_ai.client.*` metrics. Swap the console exporter for an OTLP one to send
them to Jaeger, Tempo, Honeycomb, Logfire, Langfuse ...
"""

from __future__ import annotations

import asyncio

from _local import async_client
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor


def one_line(span: ReadableSpan) -> str:
    """A span as one line (the default formatter prints each span as indented JSON)."""
    attributes = dict(span.attributes or {})
    shown = {
        k: v for k, v in attributes.items() if k.startswith(("gen_ai.response", "gen_ai.usage"))
    }
    return f"span {span.name!r} {span.status.status_code.name}: {shown}\n"


async def main() -> None:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(formatter=one_line)))
    trace.set_tracer_provider(tracer_provider)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

    async with async_client() as client:
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello."}]
        )
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Count to three."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        async for _ in stream:  # the span ends with the stream
            pass
        await client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])

    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    if isinstance(point, HistogramDataPoint):
                        labels = point.attributes or {}
                        operation = labels.get("gen_ai.operation.name")
                        kind = labels.get("gen_ai.token.type", "")
                        print(f"metric {metric.name} {operation} {kind} count={point.count}")
    tracer_provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
