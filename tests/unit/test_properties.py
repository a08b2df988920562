"""Property-based tests (hypothesis): the SSE decoder, the converter, URL building.

- The SSE decoder gives the events a plain line-by-line reading of the WHATWG rules gives,
  for any split of the byte stream and any of CR, LF and CRLF line endings (mixed too).
- Schema-valid instances of response schemas, and random mutations of them, become a model
  or an `APIResponseValidationError` through `structure_response`, never another exception.
- `path_param` and `build_url` never change the route: every path parameter stays one
  segment and comes back unchanged, every query pair comes back unchanged.

Deterministic in CI: `derandomize=True` (the same examples every run, no database), a
bounded number of examples and no deadline (a busy machine must not fail a test).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from openai_async import APIResponseValidationError, InvalidRequestError
from openai_async._client import structure_response
from openai_async._request import build_url, path_param
from openai_async._response import ResponseInfo
from openai_async._sse import ServerSentEvent, SSEDecoder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _schema_instances import Instances

from tests.unit.test_models_random import generator, response_classes  # the model generator

__all__ = ["generator"]  # a fixture, used by name

PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    report_multiple_bugs=False,  # one failure, shrunk, well inside the 60 s test timeout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the SSE decoder --------------------------------------------------------------------

BOM = "\ufeff"
# Line content: any text but the three line-end characters (str.splitlines' others are data).
line_text = st.text(st.characters(exclude_characters="\r\n"), max_size=12)
field_name = st.sampled_from(["data", "event", "id", "retry", "", "dat", "foo", "Data"])
field_value = st.one_of(
    line_text,
    st.integers(0, 10**6).map(str),  # numeric, for retry
    st.sampled_from(["\0", "1\0", "[DONE]", "{}", " x", "\uff11\uff12"]),  # NUL, fullwidth digits
)


@st.composite
def field_lines(draw: st.DrawFn) -> str:
    """One line of an event stream: a field, a comment or a blank line."""
    kind = draw(st.sampled_from(["field", "field", "field", "comment", "blank", "bare"]))
    if kind == "blank":
        return ""
    if kind == "comment":
        return ":" + draw(line_text)
    if kind == "bare":  # a field name with no colon ("data" alone is an empty data line)
        return draw(field_name.filter(bool))
    space = draw(st.sampled_from(["", " ", "  "]))
    return f"{draw(field_name)}:{space}{draw(field_value)}"


def reference(lines: list[str], complete: bool) -> tuple[list[ServerSentEvent], dict[str, Any]]:
    """The WHATWG event-stream interpretation of whole `lines`, written plainly.

    `complete`: the last line has its line end (else it is an unfinished line, dropped).
    """
    events: list[ServerSentEvent] = []
    data: list[str] = []
    event: str | None = None
    block_retry: int | None = None
    last_id: str | None = None
    retry: int | None = None
    comments = 0
    in_block = False  # a non-data field since the last blank line
    whole = lines if complete else lines[:-1]
    for line in whole:
        if not line:
            if data:
                events.append(ServerSentEvent("\n".join(data), event, last_id, block_retry))
            data, event, block_retry, in_block = [], None, None, False
            continue
        if line.startswith(":"):
            comments += 1
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
            continue
        in_block = True
        if name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            retry = block_retry = int(value)
    unfinished = not complete and bool(lines[-1])
    state = {
        "truncated": unfinished or bool(data) or in_block,
        "last_event_id": last_id,
        "retry": retry,
        "comments": comments,
    }
    return events, state


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[list[str], bool, bytes]:
    """(lines, whether the last one is ended, the stream's bytes with random line ends)."""
    lines = draw(st.lists(field_lines(), min_size=1, max_size=25))
    mode = draw(st.sampled_from(["\n", "\r", "\r\n", "mixed"]))
    complete = draw(st.booleans()) or not lines[-1]
    out: list[str] = [BOM] if draw(st.booleans()) else []
    previous = ""
    for i, line in enumerate(lines):
        out.append(line)
        if i == len(lines) - 1 and not complete:
            break
        eol = draw(st.sampled_from(["\n", "\r", "\r\n"])) if mode == "mixed" else mode
        # A CR followed by an empty line's LF would read as one CRLF: not that pairing.
        if eol == "\n" and previous == "\r" and not line:
            eol = "\r\n"
        out.append(eol)
        previous = eol
    return lines, complete, "".join(out).encode()


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def decode(chunks: list[bytes]) -> tuple[list[ServerSentEvent], dict[str, Any]]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.finish()
    state = {
        "truncated": decoder.truncated,
        "last_event_id": decoder.last_event_id,
        "retry": decoder.retry,
        "comments": decoder.comments,
    }
    return events, state


@PROPERTY
@given(event_streams(), st.lists(st.integers(0, 10**6), max_size=12))
def test_sse_any_split_and_line_ending_gives_the_reference_events(
    stream: tuple[list[str], bool, bytes], cuts: list[int]
) -> None:
    lines, complete, data = stream
    expected = reference(lines, complete)
    assert decode([data]) == expected
    assert decode(split(data, cuts)) == expected
    assert decode([data[i : i + 1] for i in range(len(data))]) == expected  # byte by byte


@PROPERTY
@given(event_streams(), event_streams())
def test_sse_a_decoder_reused_after_finish_starts_clean(
    first: tuple[list[str], bool, bytes], second: tuple[list[str], bool, bytes]
) -> None:
    decoder = SSEDecoder()
    decoder.feed(first[2])
    decoder.finish()
    events = decoder.feed(second[2]) + decoder.finish()
    # Events carry the id in force; a reconnection keeps the last id, so compare the rest.
    expected, state = reference(second[0], second[1])
    assert [(e.data, e.event, e.retry) for e in events] == [
        (e.data, e.event, e.retry) for e in expected
    ]
    assert decoder.truncated == state["truncated"]


# --- the converter ----------------------------------------------------------------------

INFO = ResponseInfo(status_code=200, headers={}, method="GET", url="http://127.0.0.1/v1/x")


def json_value(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value: scalars of every type, small lists and objects."""
    kind = rng.randrange(8 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, -1, 2**63 - 1, -(2**63), 2**64 - 1, rng.randint(-1000, 1000)])
    if kind == 3:
        return rng.choice([0.0, -0.0, 1e308, -2.5e-308, rng.uniform(-1e6, 1e6)])
    if kind in (4, 5):
        return rng.choice(["", "x", "null", "\u00e9\u4e2d\U0001f600", "[DONE]", "0"])
    if kind == 6:
        return [json_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {rng.choice(["", "id", "type", "object", "k"]): json_value(rng, depth + 1)}


def containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every dict and list inside `value` (the root included)."""
    found = [path] if isinstance(value, (dict, list)) else []
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        items = ()
    for key, child in items:
        found += containers(child, (*path, key))
    return found


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def mutate(value: Any, rng: random.Random) -> Any:
    """A copy of `value` after a few random edits: a member replaced, dropped, added,
    nulled or wrapped in a list."""
    value = orjson.loads(orjson.dumps(value))  # a private deep copy
    for _ in range(rng.randint(1, 3)):
        paths = containers(value)
        if not paths:
            return json_value(rng)
        target = at(value, rng.choice(paths))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        action = rng.choice(["replace", "drop", "add", "wrap", "null"])
        if action == "add" or not keys:
            if isinstance(target, dict):
                target[rng.choice(["extra", "id", "type", ""])] = json_value(rng)
            else:
                target.append(json_value(rng))
            continue
        key = rng.choice(keys)
        if action == "drop":
            del target[key]
        elif action == "replace":
            target[key] = json_value(rng)
        elif action == "wrap":
            target[key] = [target[key]]
        else:
            target[key] = None
    return value


class ResponseSchemas:
    """The spec's schemas and the response classes (a short repr for failure reports)."""

    def __init__(self, generator: Any) -> None:
        self.schemas: dict[str, Any] = generator.spec.schemas
        self.classes: list[tuple[str, type]] = response_classes(generator)

    def __repr__(self) -> str:
        return f"<{len(self.classes)} response schemas>"


@pytest.fixture(scope="module")
def response_schemas(generator: Any) -> ResponseSchemas:
    return ResponseSchemas(generator)


def test_response_schemas_are_there(response_schemas: Any) -> None:
    assert len(response_schemas.classes) > 900


seeds = st.integers(0, 2**32)


@PROPERTY
@given(schema=seeds, seed=seeds)
def test_converter_gives_a_model_for_any_schema_valid_instance(
    response_schemas: ResponseSchemas, schema: int, seed: int
) -> None:
    name, cls = response_schemas.classes[schema % len(response_schemas.classes)]
    instance = Instances(response_schemas.schemas, seed=seed).of(name)
    raw = orjson.dumps(instance)
    assert type(structure_response(orjson.loads(raw), cls, INFO, raw=raw)) is cls


@PROPERTY
@given(schema=seeds, seed=seeds, edits=seeds)
def test_converter_gives_a_model_or_a_validation_error_for_mutations(
    response_schemas: ResponseSchemas, schema: int, seed: int, edits: int
) -> None:
    name, cls = response_schemas.classes[schema % len(response_schemas.classes)]
    value = mutate(Instances(response_schemas.schemas, seed=seed).of(name), random.Random(edits))
    raw = orjson.dumps(value)
    try:
        result = structure_response(orjson.loads(raw), cls, INFO, raw=raw)
    except APIResponseValidationError as error:
        assert error.response_info is INFO
        assert cls.__name__ in str(error)
    else:
        assert type(result) is cls
        assert result.response_info is INFO


# --- path and query encoding ------------------------------------------------------------

BASE = "http://127.0.0.1:8080/v1"
# Any text: reserved URL characters, dot segments, spaces, non-ASCII, lone surrogates.
anything = st.one_of(
    st.text(st.characters(codec=None, categories=None), max_size=12),
    st.sampled_from(
        [".", "..", "../x", "a/../b", "%2F", "%", "?a=b#c", "a b+c", "/", "ft:x:y", "a\ud800"]
    ),
)
query_values = st.one_of(
    anything,
    st.integers(),
    st.booleans(),
    st.lists(anything, max_size=3),
    st.dictionaries(anything, anything, max_size=3),
)


@PROPERTY
@given(st.lists(anything, min_size=1, max_size=3))
def test_path_params_stay_one_segment_each(values: list[str]) -> None:
    try:
        segments = [path_param(v, "id") for v in values]
    except InvalidRequestError:
        assert any(v in ("", ".", "..") or _surrogate(v) for v in values)
        return
    url = URL(build_url(BASE, "/files/" + "/".join(segments) + "/content"), encoded=True)
    assert url.raw_parts == ("/", "v1", "files", *segments, "content")
    assert [unquote(s, errors="strict") for s in segments] == values
    assert not url.query_string and not url.fragment


def _surrogate(value: object) -> bool:
    """Whether `value` holds a lone surrogate (text that cannot be sent as UTF-8)."""
    if isinstance(value, dict):
        return any(_surrogate(k) or _surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_surrogate, value))
    return isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value)


@PROPERTY
@given(st.dictionaries(anything, query_values, max_size=4))
def test_query_encoding_keeps_the_path_and_every_pair(query: dict[str, Any]) -> None:
    try:
        url = URL(build_url(BASE, "/files/f%2F1/content", query), encoded=True)
    except InvalidRequestError:
        assert _surrogate(query)
        return
    assert url.raw_path == "/v1/files/f%2F1/content"
    expected: list[tuple[str, str]] = []
    for key, value in query.items():
        if isinstance(value, list):
            expected += [(key, _text(v)) for v in value]
        elif isinstance(value, dict):
            expected += [(f"{key}[{k}]", _text(v)) for k, v in value.items()]
        else:
            expected.append((key, _text(value)))
    assert list(url.query.items()) == expected


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
