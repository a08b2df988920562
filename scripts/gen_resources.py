"""Generate the async resource classes (``openai_async/resources/``) from the OpenAPI spec.

``scripts/operations.toml`` (reviewed data) names each operation's namespace and method
(its ``[legacy]`` table too, for the operations of the spec loaded); one module per
top-level namespace (``client.chat`` -> ``resources/chat.py``; the children of SPLIT
namespaces get their own, loaded on first use), one class per namespace
(``client.chat.completions`` -> ``AsyncChatCompletions``). Rules:

- parameters: as in the official SDK, the last path parameter (the resource's own id) is
  positional and the parent ids are keyword-only (``runs.retrieve(run_id, *, thread_id)``;
  a derived helper may differ: ``Derived.by_position``); all go through ``path_param()``.
  Then keyword-only: required body / query parameters first, the optional ones with
  ``NOT_GIVEN``; every method ends with
  ``extra_headers``, ``extra_query``, ``extra_body`` (not for GET / DELETE), ``timeout``,
  ``max_retries``, ``options``. Types come from the model generator (request side).
- bodies: JSON, or multipart/form-data when the spec offers it (file fields take
  ``FileTypes``: a path, bytes, a binary file object, or ``(filename, content[, type])``).
- returns: the JSON model of the first 2xx response; ``BinaryResponse`` for non-JSON
  responses (and BINARY); ``None`` without a body; an ``AsyncPaginator`` for GET lists (a
  ``data`` array with an ``after`` / ``page`` query parameter, or a ``list`` method).
- streams (STREAMS): overloads on the flag; the stream kind picks the tracker.
- beta headers by path (BETA_HEADERS) or ``x-oaiBeta``, overridable through
  ``extra_headers``; deprecated operations warn (``DeprecationWarning``, with the
  ``x-oaiDeprecated`` replacement when the spec gives one) and say so in their docstring.
- the model generator's ALIASES are used for their targets (``ChatCompletion``).
- hand-written code lives outside: a namespace may take a mixin base (MIXINS) and an
  operation pre/post-processing hooks (HOOKS), both from ``openai_async/lib/``.

Also writes ``docs/API.md``, the table of every namespace and method.

    python scripts/gen_resources.py            # rewrite openai_async/resources/ and docs/API.md
    python scripts/gen_resources.py --check    # exit 1 if either differs (whole tree)
    ... --spec PATH                            # default: ../shared/openapi/openapi.yaml
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # however this file is loaded
import gen_models as gm
from _codegen import ROOT, header, load_operations, parser, write_files, write_or_check

OUT = ROOT / "openai_async" / "resources"
API_DOC = ROOT / "docs" / "API.md"
HEADER = header("gen_resources.py", "the OpenAPI spec and scripts/operations.toml")

# --- reviewed tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    flag: str  # the parameter that asks for a stream
    value: Any  # ... and the value that does
    event: str  # component schema of one event
    tracker: str  # expression of the stream kind's tracker ("" for the default, choices)


_RESPONSES = "EventTracker(RESPONSE_END)"
_ASSISTANT = (
    'EventTracker(ASSISTANT_RUN_END, key="event", done_marker="[DONE]", event_field="event")'
)
STREAMS = {
    "createChatCompletion": Stream("stream", True, "CreateChatCompletionStreamResponse", ""),
    "createCompletion": Stream("stream", True, "CreateCompletionResponse", ""),
    "createResponse": Stream("stream", True, "ResponseStreamEvent", _RESPONSES),
    "getResponse": Stream("stream", True, "ResponseStreamEvent", _RESPONSES),
    "beta_createResponse": Stream("stream", True, "BetaResponseStreamEvent", _RESPONSES),
    "beta_getResponse": Stream("stream", True, "BetaResponseStreamEvent", _RESPONSES),
    "createImage": Stream("stream", True, "ImageGenStreamEvent", "EventTracker(IMAGE_END)"),
    "createImageEdit": Stream("stream", True, "ImageEditStreamEvent", "EventTracker(IMAGE_END)"),
    "createSpeech": Stream(
        "stream_format", "sse", "CreateSpeechResponseStreamEvent", "EventTracker(SPEECH_END)"
    ),
    "createTranscription": Stream(
        "stream",
        True,
        "CreateTranscriptionResponseStreamEvent",
        "EventTracker(TRANSCRIPTION_END)",
    ),
    # Declared as JSON only in the spec, but they stream with stream=true.
    "createThreadAndRun": Stream("stream", True, "AssistantStreamEvent", _ASSISTANT),
    "createRun": Stream("stream", True, "AssistantStreamEvent", _ASSISTANT),
    "submitToolOuputsToRun": Stream("stream", True, "AssistantStreamEvent", _ASSISTANT),
}
# Responses the spec declares as JSON (a string, or nothing) that are file contents.
BINARY = {"downloadFile", "RetrieveContainerFileContent"}
# Path prefix -> the OpenAI-Beta header its operations need.
BETA_HEADERS = {
    "/assistants": "assistants=v2",
    "/threads": "assistants=v2",
    "/chatkit": "chatkit_beta=v1",
}
# Namespace -> (module under openai_async, class): a hand-written base with extra methods.
MIXINS = {
    "batches": ("lib.batch_api", "AsyncBatchesHelpers"),
    "embeddings": ("lib.embeddings", "AsyncEmbeddingsHelpers"),
    "beta.threads.runs": ("lib.pollers", "AsyncRunsHelpers"),
    "files": ("lib.pollers", "AsyncFilesHelpers"),
    "vector_stores.files": ("lib.pollers", "AsyncVectorStoreFilesHelpers"),
    "vector_stores.file_batches": ("lib.pollers", "AsyncFileBatchesHelpers"),
    "realtime": ("lib.realtime", "AsyncRealtimeHelpers"),
}


@dataclass(frozen=True)
class Derived:
    """A helper method generated next to an operation's method, with its typed parameters.

    ``name(...)`` takes the operation's parameters (not the stream flag) plus ``keywords``
    and returns ``await function(self, lambda: self.<operation>(...), **keywords)``; the
    function (in ``module`` under openai_async) does the rest: poll, wrap a stream ...
    """

    name: str
    module: str
    function: str
    returns: str
    doc: tuple[str, ...]
    stream: bool = False  # the operation is called with its stream flag on
    keywords: tuple[tuple[str, str], ...] = ()  # (name, "annotation = default")
    # Parameters of the operation the helper transforms before they are sent: (name, new
    # "annotation = default" or "" to keep it); the function gets them as keywords and
    # passes them, transformed, to the lambda as positional arguments.
    through: tuple[tuple[str, str], ...] = ()
    imports: tuple[str, ...] = ()  # other names the signature needs from ``module``
    # Its ``timeout`` is the whole helper's deadline; the requests use the client's.
    own_timeout: bool = False
    # The parameters taken by position when the official helper of this name differs
    # from the operation's :func:`positional` (``()``: all keyword-only).
    by_position: tuple[str, ...] | None = None


_POLL_KW = (("poll_interval", "float = 1.0"), ("timeout", "float | None = None"))
_POLL_DOC = (
    "",
    "Polls at the server's ``openai-poll-after-ms`` when it sends one, else every",
    "``poll_interval`` seconds; past ``timeout`` seconds (creation included) raises",
    ":class:`PollTimeoutError` holding the last state seen. Request timeouts are the",
    "client's. Cancelling stops the polling; the work goes on on the server.",
)
_RUN_STREAM_DOC = (
    "",
    "Use it with ``async with``; iterate its typed events or call ``until_done()``;",
    "``submit_tool_outputs(...)`` continues the same iteration when the run requires",
    "action.",
)
DERIVED = {
    "createRun": (
        Derived(
            "create_and_poll",
            "lib.pollers",
            "poll_run",
            "Run",
            ("Create a run and poll it until it ends or requires action.", *_POLL_DOC),
            keywords=_POLL_KW,
            own_timeout=True,
            by_position=(),  # official: runs.<helper>(*, thread_id, ...)
        ),
        Derived(
            "stream",
            "lib.assistant_stream",
            "assistant_stream",
            "AsyncAssistantStream",
            (
                "Create a run and stream its events through an accumulating helper.",
                *_RUN_STREAM_DOC,
            ),
            stream=True,
            imports=("AsyncAssistantStream",),
            by_position=(),  # official: runs.<helper>(*, thread_id, ...)
        ),
    ),
    "submitToolOuputsToRun": (
        Derived(
            "submit_tool_outputs_and_poll",
            "lib.pollers",
            "poll_run",
            "Run",
            ("Submit tool outputs and poll the run until it ends or requires action.", *_POLL_DOC),
            keywords=_POLL_KW,
            own_timeout=True,
            by_position=(),  # official: runs.<helper>(*, thread_id, ...)
        ),
        Derived(
            "submit_tool_outputs_stream",
            "lib.assistant_stream",
            "assistant_stream",
            "AsyncAssistantStream",
            (
                "Submit tool outputs and stream the rest of the run through the helper.",
                *_RUN_STREAM_DOC,
            ),
            stream=True,
            imports=("AsyncAssistantStream",),
            by_position=(),  # official: runs.<helper>(*, thread_id, ...)
        ),
    ),
    "createThreadAndRun": (
        Derived(
            "create_and_run_poll",
            "lib.pollers",
            "poll_run",
            "Run",
            (
                "Create a thread and a run, and poll the run until it ends or requires action.",
                *_POLL_DOC,
            ),
            keywords=_POLL_KW,
            own_timeout=True,
        ),
        Derived(
            "create_and_run_stream",
            "lib.assistant_stream",
            "assistant_stream",
            "AsyncAssistantStream",
            (
                "Create a thread and a run, and stream its events through the helper.",
                *_RUN_STREAM_DOC,
            ),
            stream=True,
            imports=("AsyncAssistantStream",),
        ),
    ),
    "createVectorStoreFile": (
        Derived(
            "create_and_poll",
            "lib.pollers",
            "poll_vector_store_file",
            "VectorStoreFile",
            ("Attach a file to a vector store and poll until it is processed.", *_POLL_DOC),
            keywords=_POLL_KW,
            own_timeout=True,
            by_position=("file_id",),  # official: (file_id, *, vector_store_id)
        ),
    ),
    "createVectorStoreFileBatch": (
        Derived(
            "create_and_poll",
            "lib.pollers",
            "poll_file_batch",
            "VectorStoreFileBatch",
            ("Create a file batch and poll until every file is processed.", *_POLL_DOC),
            keywords=_POLL_KW,
            own_timeout=True,
        ),
    ),
    "createChatCompletion": (
        Derived(
            "parse",
            "lib.chat",
            "parse_chat_completion",
            "ParsedChatCompletion[ResponseFormatT]",
            (
                "A chat completion whose ``choices[i].message.parsed`` is a ``response_format``",
                "instance (a pydantic model, dataclass, TypedDict or attrs class, sent as a",
                "strict JSON Schema) and whose function tool calls carry",
                "``function.parsed_arguments`` (``tools`` may be :func:`function_tool` or",
                ":func:`pydantic_function_tool` entries).",
                "Refusals stay in ``message.refusal``, not parsed; a choice cut at the token",
                "limit raises :class:`LengthFinishReasonError`.",
            ),
            through=(
                ("response_format", "type[ResponseFormatT] | None = None"),
                ("tools", "ChatToolsArg | NotGiven = NOT_GIVEN"),
            ),
            imports=("ChatToolsArg", "ParsedChatCompletion", "ResponseFormatT"),
        ),
        Derived(
            "stream",
            "lib.chat",
            "stream_chat_completion",
            "AsyncChatCompletionStream",
            (
                "Stream a chat completion through :class:`AsyncChatCompletionStream`:",
                "``text_deltas()``, typed ``events()``, ``final_completion()``; with a",
                "``response_format`` class (sent as a strict JSON Schema) or :func:`function_tool`",
                "/ :func:`pydantic_function_tool` entries in ``tools``, ``final_parsed()`` and the done",
                "events carry parsed objects. Use it with ``async with``.",
            ),
            stream=True,
            through=(
                ("response_format", "type[Any] | None = None"),
                ("tools", "ChatToolsArg | NotGiven = NOT_GIVEN"),
            ),
            imports=("AsyncChatCompletionStream", "ChatToolsArg"),
        ),
    ),
    "createResponse": (
        Derived(
            "parse",
            "lib.responses",
            "parse_response",
            "ParsedResponse[TextT]",
            (
                "A response whose output text is parsed into ``text_format`` (a pydantic model,",
                "dataclass, TypedDict or attrs class, sent as a strict JSON Schema in",
                "``text.format``) and whose function calls carry ``parsed_arguments``",
                "(``tools`` may be :func:`function_tool` entries); a refusal leaves",
                "``output_parsed`` None; a response cut at ``max_output_tokens`` raises",
                ":class:`LengthFinishReasonError`.",
            ),
            keywords=(("text_format", "type[TextT] | None = None"),),
            through=(("text", ""), ("tools", "ResponsesToolsArg | NotGiven = NOT_GIVEN")),
            imports=("ParsedResponse", "ResponsesToolsArg", "TextT"),
        ),
        Derived(
            "stream",
            "lib.response_stream",
            "response_stream",
            "AsyncResponseStream",
            (
                "Create a response and stream its typed events through a helper:",
                "``text_deltas()``, ``final_response()`` (raises unless ``response.completed``",
                "arrived); with ``text_format`` (a class, sent as a strict JSON Schema)",
                "``final_parsed()`` too. Use it with ``async with``.",
            ),
            stream=True,
            keywords=(("text_format", "type[Any] | None = None"),),
            through=(("text", ""),),
            imports=("AsyncResponseStream",),
        ),
    ),
}
# Namespaces whose children get a module each, loaded on first use (``client.beta.threads``
# need not load the models of the beta Responses API).
SPLIT = {"beta"}
# Module -> (module under openai_async, names) re-exported by it.
REEXPORTS = {
    "embeddings": ("lib.embeddings", ["base64_embedding_bytes", "decode_base64_embedding"])
}


@dataclass(frozen=True)
class Hook:
    module: str  # under openai_async
    before: str | None = None  # body dict -> body dict
    after: str | None = None  # (decoded JSON, ResponseInfo) -> decoded JSON
    doc: tuple[str, ...] = ()


_OUTPUT_TEXT = Hook(
    "lib.responses",
    after="with_output_text",
    doc=(
        "``output_text`` (which the API leaves to SDKs) is filled in: the text of the",
        "output messages, joined.",
    ),
)
HOOKS = {
    "createResponse": _OUTPUT_TEXT,
    "getResponse": _OUTPUT_TEXT,
    "createEmbedding": Hook(
        "lib.embeddings",
        before="embedding_request_body",
        after="decode_embedding_vectors",
        doc=(
            "Vectors always arrive as lists of floats. When ``encoding_format`` is left out",
            "the SDK asks for base64 (a quarter of the bytes on the wire) and decodes it.",
        ),
    ),
}
# Names the generated code itself uses; a model by one of these names would clash.
RESERVED = {"Any", "Literal", "NoneType", "cast", "overload", "warnings", "builtins"}

# --- one operation ---------------------------------------------------------------------------


@dataclass
class Param:
    name: str  # the Python parameter
    key: str  # the wire name
    where: str  # path | query | body
    ann: str
    required: bool
    doc: list[str] | None
    is_file: bool = False


@dataclass
class Method:
    op: gm.Operation
    namespace: tuple[str, ...]
    name: str
    params: list[Param]
    kind: str  # json | none | binary | page
    ret: str  # the return annotation (json / page item)
    ret_cast: str  # the expression passed as cast_to / item_type
    multipart: bool
    has_body: bool
    deps: set[str] = field(default_factory=set)
    cursor: str | None = None
    next_field: str | None = None
    stream: Stream | None = None
    event_ann: str = ""
    event_cast: str = ""


STANDARD = {"extra_headers", "extra_query", "extra_body", "timeout", "max_retries", "options"}


def _contains_binary(s: Any) -> bool:
    if isinstance(s, dict):
        if s.get("format") == "binary":
            return True
        return any(_contains_binary(v) for k, v in s.items() if k != "x-oaiMeta")
    if isinstance(s, list):
        return any(_contains_binary(v) for v in s)
    return False


def _is_array(s: dict[str, Any]) -> bool:
    return s.get("type") == "array" or any(
        isinstance(m, dict) and m.get("type") == "array" for m in s.get("oneOf", s.get("anyOf", []))
    )


class Builder:
    def __init__(self, gen: gm.Generator) -> None:
        self.gen = gen
        self.spec = gen.spec
        self.params_by_ref: dict[str, Any] = self.spec.raw["components"].get("parameters", {})

    def deref(self, s: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in s:
            s = self.spec.schemas[s["$ref"].rsplit("/", 1)[1]]
        return s

    def ann(self, s: dict[str, Any], hint: str, side: gm.Side, op: gm.Operation) -> gm.Ann:
        return self.gen.type_of(s, hint, side, gm.Ctx(None, op.module))

    def method(self, op: gm.Operation, where: str) -> Method:
        parts = where.split(".")
        params: list[Param] = []
        deps: set[str] = set()
        raw = op.raw
        for p in raw.get("parameters", ()):
            if "$ref" in p:
                p = self.params_by_ref[p["$ref"].rsplit("/", 1)[1]]
            schema = p.get("schema", {})
            if p["in"] == "path":
                params.append(Param(gm.py_name(p["name"]), p["name"], "path", "str", True, None))
                continue
            if p["in"] != "query":
                continue
            a = self.ann(schema, gm.pascal(op.id) + gm.pascal(p["name"]), "req", op)
            deps |= a.deps
            doc = gm.with_deprecated(
                gm.first_paragraph(p.get("description") or schema.get("description")),
                bool(p.get("deprecated")),
            )
            params.append(
                Param(
                    gm.py_name(p["name"].removesuffix("[]")),
                    p["name"],
                    "query",
                    a.optional_text(),
                    bool(p.get("required")),
                    doc,
                )
            )
        content = (raw.get("requestBody") or {}).get("content") or {}
        multipart = "multipart/form-data" in content
        media = content.get("multipart/form-data") or content.get("application/json")
        has_body = media is not None
        if media is not None:
            body = media["schema"]
            owner = body["$ref"].rsplit("/", 1)[1] if "$ref" in body else None
            shape = self.gen.object_shape(self.gen.split(self.deref(body))[0])
            if shape is None:
                raise SystemExit(f"{op.id}: the request body is not an object")
            required = set(shape.get("required", ()))
            owners = shape.get("x-owners", {})
            for key, prop in shape["properties"].items():
                if prop.get("readOnly"):
                    continue
                is_file = multipart and _contains_binary(prop)
                if is_file:
                    text = "FileTypes | list[FileTypes]" if _is_array(prop) else "FileTypes"
                    a = gm.Ann(text, deps={"FileTypes"})
                else:
                    own = owners.get(key) or owner
                    ctx = gm.Ctx(own, self.spec.module_of(own) if own else op.module)
                    a = self.gen.type_of(
                        prop, (own or gm.pascal(op.id)) + gm.pascal(key), "req", ctx
                    )
                deps |= a.deps
                params.append(
                    Param(
                        gm.py_name(key),
                        key,
                        "body",
                        a.optional_text(),
                        key in required,
                        gm.doc_of(prop),
                        is_file,
                    )
                )
        names = [p.name for p in params]
        clash = {n for n in names if names.count(n) > 1} | (set(names) & STANDARD)
        if clash:
            raise SystemExit(f"{op.id}: parameter names clash: {sorted(clash)}")
        m = Method(
            op, tuple(parts[:-1]), parts[-1], params, "json", "None", "", multipart, has_body
        )
        self._returns(m)
        m.deps |= deps
        stream = STREAMS.get(op.id)
        if stream is not None:
            m.stream = stream
            ev = self.gen.ref(stream.event, "resp")
            m.event_ann, m.event_cast = ev.text, self._cast(ev)
            m.deps |= ev.deps
            if not any(p.name == stream.flag for p in params):
                raise SystemExit(f"{op.id}: no parameter {stream.flag} to ask for a stream")
        elif self._declares_sse(op):
            raise SystemExit(f"{op.id} declares text/event-stream: add it to STREAMS")
        return m

    def _declares_sse(self, op: gm.Operation) -> bool:
        return any(
            "text/event-stream" in (r.get("content") or {}) for r in op.raw["responses"].values()
        )

    def _cast(self, a: gm.Ann) -> str:
        return a.text if a.is_class else f'cast("type[{a.text}]", {a.text})'

    def _returns(self, m: Method) -> None:
        op = m.op
        ok = [
            r if "$ref" not in r else self.spec.responses[r["$ref"].rsplit("/", 1)[1]]
            for code, r in op.raw["responses"].items()
            if str(code).startswith("2")
        ]
        content: dict[str, Any] = ok[0].get("content") or {} if ok else {}
        others = set(content) - {"application/json", "text/event-stream"}
        if op.id in BINARY or others:
            m.kind, m.ret = "binary", "BinaryResponse"
            return
        if "application/json" not in content:
            m.kind, m.ret = "none", "None"
            return
        schema = content["application/json"]["schema"]
        a = self.ann(schema, gm.pascal(op.id) + "Response", "resp", op)
        shape = self.gen.object_shape(self.gen.split(self.deref(schema))[0])
        props = (shape or {}).get("properties", {})
        query = {p.key for p in m.params if p.where == "query"}
        data = props.get("data")
        if (
            op.method == "get"
            and data is not None
            and self.deref(data).get("type") == "array"
            and ({"after", "page"} & query or m.name.startswith("list"))
        ):
            item = self.gen.type_of(
                self.deref(data)["items"],
                gm.pascal(op.id) + "Item",
                "resp",
                gm.Ctx(None, op.module),
            )
            m.kind, m.ret, m.ret_cast = "page", item.optional_text(), item.text
            m.deps |= item.deps
            if "next_page" in props and "page" in query:
                m.cursor, m.next_field = "page", "next_page"
            elif "after" in query:
                m.cursor = "after"
                m.next_field = "next" if "next" in props and "last_id" not in props else None
            return
        m.kind, m.ret, m.ret_cast = "json", a.optional_text(), self._cast(a)
        m.deps |= a.deps


# --- rendering -------------------------------------------------------------------------------


def class_name(namespace: tuple[str, ...]) -> str:
    return "Async" + "".join(gm.pascal(p) for p in namespace)


def _doc_lines(m: Method) -> list[str]:
    raw = m.op.raw
    summary = (raw.get("summary") or "").strip()
    desc = gm.first_paragraph(raw.get("description"))
    lines: list[str] = []
    if summary and not (desc and desc[0].startswith(summary.rstrip("."))):
        lines.append(summary if summary.endswith(".") else summary + ".")
    if desc:
        if lines:
            lines.append("")
        lines += desc
    if not lines:
        lines = [f"``{m.op.method.upper()} {m.op.path}``."]
    if raw.get("deprecated"):
        lines = ["Deprecated by OpenAI. " + lines[0], *lines[1:]]
    hook = HOOKS.get(m.op.id)
    if hook and hook.doc:
        lines += ["", *hook.doc]
    if m.stream:
        lines += [
            "",
            f"With ``{m.stream.flag}={m.stream.value!r}`` returns the events as they arrive"
            " (:class:`AsyncStream`).",
        ]
    documented = [p for p in m.params if p.doc]
    if documented:
        lines += ["", "Args:"]
        for p in documented:
            assert p.doc is not None
            lines.append(f"    {p.name}: {p.doc[0]}")
            lines += [f"        {ln}" if ln else "" for ln in p.doc[1:]]
    return lines


def _flag_types(m: Method, p: Param) -> tuple[str, str, str]:
    """The flag's annotation for: no stream, stream, either."""
    assert m.stream is not None
    value = m.stream.value
    nullable = "None" in p.ann.split(" | ")
    if value is True:
        return "Literal[False] | None | NotGiven", "Literal[True]", "bool"
    literal = re.match(r"Literal\[(.*)\]", p.ann)
    values = [v.strip() for v in literal.group(1).split(",")] if literal else []
    rest = [v for v in values if v != gm.py_literal(value)]
    off = (f"Literal[{', '.join(rest)}] | " if rest else "") + ("None | " if nullable else "")
    return off + "NotGiven", f"Literal[{gm.py_literal(value)}]", p.ann


def positional(m: Method) -> tuple[str, ...]:
    """The parameters ``m`` takes by position: the resource's own id (the last path
    parameter), as the official SDK does; the parent ids are keyword-only."""
    return tuple(p.name for p in m.params if p.where == "path")[-1:]


def _signature(
    m: Method,
    flag: str | None,
    ret: str,
    *,
    is_async: bool,
    by_position: tuple[str, ...] | None = None,
) -> list[str]:
    """``m``'s ``def`` lines; ``by_position`` (default :func:`positional`) come first, the
    rest keyword-only: parent ids, required parameters, the stream flag, optional ones."""
    by_position = positional(m) if by_position is None else by_position
    params = {p.name: p for p in m.params}
    lines = [f"    {'async ' if is_async else ''}def {m.name}(", "        self,"]
    for name in by_position:
        if name not in params or not params[name].required:
            raise SystemExit(f"{m.op.id}: {name} is not a required parameter to take by position")
        lines.append(f"        {name}: {params[name].ann},")
    lines.append("        *,")
    kw = [p for p in m.params if p.name not in by_position]
    flag_param = next((p for p in kw if m.stream and p.name == m.stream.flag), None)
    kw.sort(key=lambda p: p.where != "path")  # parent ids first (a stable sort)
    for p in kw:
        if p.required and p is not flag_param:
            lines.append(f"        {p.name}: {p.ann},")
    if flag_param is not None:
        off, on, either = _flag_types(m, flag_param)
        if flag == "off":
            lines.append(f"        {p_name(flag_param)}: {off} = NOT_GIVEN,")
        elif flag == "on":
            lines.append(f"        {p_name(flag_param)}: {on},")
        elif flag == "either":
            lines.append(f"        {p_name(flag_param)}: {either},")
        else:
            impl = either + (" | None" if m.stream.value is True else "")
            lines.append(f"        {p_name(flag_param)}: {impl} | NotGiven = NOT_GIVEN,")
    for p in kw:
        if not p.required and p is not flag_param:
            lines.append(f"        {p.name}: {p.ann} | NotGiven = NOT_GIVEN,")
    lines += [
        "        extra_headers: Headers | None = None,",
        "        extra_query: Query | None = None,",
    ]
    if m.op.method not in ("get", "delete"):
        lines.append("        extra_body: Body | None = None,")
    lines += [
        "        timeout: float | Timeout | None | NotGiven = NOT_GIVEN,",
        "        max_retries: int | NotGiven = NOT_GIVEN,",
        "        options: RequestOptions | None = None,",
        f"    ) -> {ret}:",
    ]
    return lines


def p_name(p: Param) -> str:
    return p.name


def _path_expr(m: Method) -> str:
    path = m.op.path
    names = {p.key: p.name for p in m.params if p.where == "path"}
    if not names:
        return f'"{path}"'
    for key, name in names.items():
        path = path.replace("{" + key + "}", "{path_param(" + name + ", '" + name + "')}")
    if "{" + "path_param" not in path or re.search(r"\{(?!path_param)", path):
        raise SystemExit(f"{m.op.id}: path parameters of {m.op.path} do not match")
    return f'f"{path}"'


def _beta(m: Method) -> str | None:
    """The ``OpenAI-Beta`` header: the operation's ``x-oaiBeta``, else by path."""
    declared = m.op.raw.get("x-oaiBeta")
    if declared:
        return str(declared)
    return next((v for k, v in BETA_HEADERS.items() if m.op.path.startswith(k)), None)


def _call_args(m: Method) -> list[str]:
    """The keyword arguments shared by every ``self._client.request*`` call of ``m``."""
    out: list[str] = []
    body = [p for p in m.params if p.where == "body"]
    query = [p for p in m.params if p.where == "query"]
    if m.has_body:
        out.append("body=body,")
    if query:
        items = ", ".join(f'"{p.key}": {p.name}' for p in query)
        out.append(f"query={{{items}}},")
    if m.multipart:
        files = [p.key for p in body if p.is_file]
        out.append(f"files=({''.join(repr(f) + ', ' for f in files)}),")
    beta = _beta(m)
    if beta:
        out.append(f'extra_headers={{"OpenAI-Beta": "{beta}", **(extra_headers or {{}})}},')
    else:
        out.append("extra_headers=extra_headers,")
    out.append("extra_query=extra_query,")
    if m.op.method not in ("get", "delete"):
        out.append("extra_body=extra_body,")
    out += ["timeout=timeout,", "max_retries=max_retries,", "options=options,"]
    return out


def _body_lines(m: Method) -> list[str]:
    lines: list[str] = []
    if m.op.raw.get("deprecated"):
        # x-oaiDeprecated (the supplementary legacy spec): what replaced the operation.
        instead = m.op.raw.get("x-oaiDeprecated")
        message = f"{'.'.join((*m.namespace, m.name))} is deprecated by OpenAI" + (
            f": {instead}" if instead else ""
        )
        lines.append(f"warnings.warn({message!r}, DeprecationWarning, stacklevel=2)")
    hook = HOOKS.get(m.op.id)
    if m.has_body:
        items = "".join(f'"{p.key}": {p.name}, ' for p in m.params if p.where == "body")
        expr = f"strip_not_given({{{items}}})"
        if hook and hook.before:
            expr = f"{hook.before}({expr})"
        lines.append(f"body = {expr}")
    args = _call_args(m)
    method, path = f'"{m.op.method.upper()}"', _path_expr(m)
    if m.kind == "page":
        opts = [a for a in args if a.split("=", 1)[0] not in ("query", "body")]
        query = next((a for a in args if a.startswith("query=")), None)
        request_options = "".join(
            f'"{a.split("=", 1)[0]}": {a.split("=", 1)[1]}' + ("" if a.endswith(",") else ",")
            for a in opts
        )
        lines.append(
            f"return AsyncPaginator[{m.ret}](self._client, {path}, {m.ret_cast}, "
            + (query or "")
            + (f' cursor="{m.cursor}",' if m.cursor else " cursor=None,")
            + (f' next_field="{m.next_field}",' if m.next_field else "")
            + f" request_options={{{request_options}}})"
        )
        return lines
    call = _plain_call(m, method, path, args, hook)
    if m.stream is not None:
        cond = (
            m.stream.flag
            if m.stream.value is True
            else f"{m.stream.flag} == {gm.py_literal(m.stream.value)}"
        )
        tracker = f"tracker={m.stream.tracker}," if m.stream.tracker else ""
        lines.append(f"if {cond}:")
        lines.append(
            f"    return await self._client.request_stream({m.event_cast}, {method}, {path},"
            f" {tracker} {' '.join(args)})"
        )
    lines += call
    if hook and not _is_base_module(m.namespace, hook.module):
        names = ", ".join(n for n in (hook.before, hook.after) if n)
        lines.insert(0, f"from ..{hook.module} import {names}")
    return lines


def _is_base_module(namespace: tuple[str, ...], module: str) -> bool:
    """``module`` is the one of the namespace's mixin base, imported with the resource
    module anyway; other lib modules load on first use (cold start: ``client.chat`` need
    not load the structured-output helpers)."""
    return MIXINS.get(".".join(namespace), ("", ""))[0] == module


def _plain_call(m: Method, method: str, path: str, args: list[str], hook: Hook | None) -> list[str]:
    joined = " ".join(args)
    if m.kind == "binary":
        return [f"return await self._client.request_binary({method}, {path}, {joined})"]
    if m.kind == "none":
        return [f"await self._client.request(NoneType, {method}, {path}, {joined})"]
    if hook and hook.after:
        return [
            f"data, info = await self._client.request_json({method}, {path}, {joined})",
            f"return structure_response({hook.after}(data, info), {m.ret_cast}, info)",
        ]
    return [f"return await self._client.request({m.ret_cast}, {method}, {path}, {joined})"]


def render_method(m: Method) -> list[str]:
    out: list[str] = []
    ind = "        "
    if m.kind == "page":
        out += _signature(m, None, f"AsyncPaginator[{m.ret}]", is_async=False)
    elif m.stream is not None:
        stream_ret = f"AsyncStream[{m.event_ann}]"
        both = f"{m.ret} | {stream_ret}"
        for flag, ret in (("off", m.ret), ("on", stream_ret), ("either", both)):
            out += ["    @overload", *_signature(m, flag, ret, is_async=True)]
            out[-1] += " ..."
            out.append("")
        out += _signature(m, None, both, is_async=True)
    else:
        out += _signature(m, None, m.ret, is_async=True)
    out.append(gm.render_doc(_doc_lines(m), ind).rstrip("\n"))
    out += [ind + ln for ln in _body_lines(m)]
    return out


def render_derived(m: Method, d: Derived) -> list[str]:
    """The helper method ``d`` of ``m`` (see :class:`Derived`)."""
    flag = m.stream.flag if m.stream else None
    if d.stream and flag is None:
        raise SystemExit(f"{m.op.id}: {d.name} streams but the operation does not")
    through = dict(d.through)
    unknown = through.keys() - {p.name for p in m.params}
    if unknown:
        raise SystemExit(f"{m.op.id}: {d.name} routes unknown parameters {sorted(unknown)}")
    skip = {f"        {flag}:"} if flag else set()
    if d.own_timeout:
        skip.add("        timeout:")
    lines = []
    signature = _signature(
        m, "off" if flag else None, d.returns, is_async=True, by_position=d.by_position
    )
    for ln in signature:
        name = ln.strip().split(":", 1)[0]
        if any(ln.startswith(prefix) for prefix in skip):
            continue
        if ln.startswith("        ") and through.get(name):
            ln = f"        {name}: {through[name]},"
        lines.append(ln)
    lines[0] = lines[0].replace(f"def {m.name}(", f"def {d.name}(")
    lines[-1:-1] = [f"        {name}: {rest}," for name, rest in d.keywords]
    forward = [f"{p.name}={p.name}" for p in m.params if p.name != flag]
    if d.stream:
        forward.append(f"{flag}={gm.py_literal(m.stream.value if m.stream else True)}")
    forward += [
        f"{n}={n}"
        for n in ("extra_headers", "extra_query", "extra_body", "timeout", "max_retries", "options")
        if any(ln.startswith(f"        {n}:") for ln in lines)
        and not (n == "timeout" and d.own_timeout)
    ]
    # Parameters routed through the helper: the lambda takes them back as it sends them.
    args = ", ".join(through)
    keywords = "".join(f", {name}={name}" for name in (*through, *(k for k, _ in d.keywords)))
    doc = [*d.doc, "", f"Other arguments are those of :meth:`{m.name}`."]
    return [
        *lines,
        gm.render_doc(doc, "        ").rstrip("\n"),
        f"        from ..{d.module} import {d.function}",
        "",
        f"        return await {d.function}(",
        f"            self, lambda {args}: self.{m.name}({', '.join(forward)}){keywords}"
        if args
        else f"            self, lambda: self.{m.name}({', '.join(forward)}){keywords}",
        "        )",
    ]


@dataclass
class Namespace:
    path: tuple[str, ...]
    methods: list[Method] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


def with_aliases(text: str) -> str:
    """``text`` with the model generator's friendlier names (``ChatCompletion`` ...)."""
    for alias, target in gm.ALIASES.items():
        text = re.sub(rf"\b{target}\b", alias, text)
    return text


def module_name(path: tuple[str, ...]) -> str:
    """The module (under ``resources``) of a namespace's class."""
    return "_".join(path[:2]) if len(path) > 1 and path[0] in SPLIT else path[0]


# The views of every namespace: class-name suffix -> the function wrapping each method.
VIEWS = (
    ("WithRawResponse", "to_raw_response"),
    ("WithStreamingResponse", "to_streamed_response"),
)
# Helper methods that make one request and return its result: the views offer them too.
VIEW_HELPERS = {"parse"}


def _response_properties(name: str) -> list[str]:
    """``with_raw_response`` / ``with_streaming_response`` of a namespace class."""
    docs = {
        "WithRawResponse": "Each method returns the raw HTTP response; ``.parse()`` gives the result.",
        "WithStreamingResponse": "Each method returns a context manager (``async with``) that"
        " stops at the response's headers; the body is read when asked.",
    }
    out: list[str] = []
    for suffix, _ in VIEWS:
        attr = "with_raw_response" if suffix == "WithRawResponse" else "with_streaming_response"
        out += [
            "",
            "    @cached_property",
            f"    def {attr}(self) -> {name}{suffix}:",
            f'        """{docs[suffix]}"""',
            f"        return {name}{suffix}(self)",
        ]
    return out


def _response_views(
    path: tuple[str, ...], ns: Namespace, module: str, lazy: list[str]
) -> list[str]:
    """The two view classes of a namespace: one wrapped attribute per method, one property
    per child namespace (see ``openai_async/_raw.py``)."""
    name = class_name(path)
    names = [m.name for m in ns.methods]
    names += [
        d.name for m in ns.methods for d in DERIVED.get(m.op.id, ()) if d.name in VIEW_HELPERS
    ]
    out = []
    for suffix, wrap in VIEWS:
        lines = [
            f"class {name}{suffix}:",
            f'    """``client.{".".join(path)}.{"with_raw_response" if suffix == "WithRawResponse" else "with_streaming_response"}``."""',
            "",
            f"    def __init__(self, resource: {name}) -> None:",
            "        self._resource = resource",
            *(f"        self.{n} = {wrap}(resource.{n})" for n in names),
        ]
        for child in ns.children:
            cname = class_name((*path, child)) + suffix
            lines += ["", "    @cached_property", f"    def {child}(self) -> {cname}:"]
            elsewhere = module_name((*path, child))
            if elsewhere != module:
                lines += [f"        from .{elsewhere} import {cname}", ""]
                lazy.append(f"from .{elsewhere} import {cname}")
            lines.append(f"        return {cname}(self._resource.{child})")
        out.append("\n".join(lines))
    return out


def render_module(module: str, spaces: dict[tuple[str, ...], Namespace], gen: gm.Generator) -> str:
    classes: list[str] = []
    deps: set[str] = set()
    lazy: list[str] = []
    order = sorted((p for p in spaces if module_name(p) == module), key=lambda p: (len(p), p))
    for path in order:
        ns = spaces[path]
        name = class_name(path)
        base = MIXINS[".".join(path)][1] if ".".join(path) in MIXINS else "AsyncAPIResource"
        lines = [f"class {name}({base}):", f'    """``client.{".".join(path)}``."""']
        lines += _response_properties(name)
        for child in ns.children:
            cname = class_name((*path, child))
            lines += ["", "    @cached_property", f"    def {child}(self) -> {cname}:"]
            elsewhere = module_name((*path, child))
            if elsewhere != module:  # loaded on first use
                lines += [f"        from .{elsewhere} import {cname}", ""]
                lazy.append(f"from .{elsewhere} import {cname}")
            lines.append(f"        return {cname}(self._client)")
        method_names = {m.name for m in ns.methods}
        for m in ns.methods:
            deps |= m.deps
            text = "\n".join(render_method(m))
            for d in DERIVED.get(m.op.id, ()):
                text += "\n\n" + "\n".join(render_derived(m, d))
            if "list" in method_names:
                text = re.sub(r"(?<![\w.])list\[", "builtins.list[", text)
            lines += ["", text]
        classes.append("\n".join(lines))
        classes += _response_views(path, ns, module, lazy)
    body = "\n\n\n".join(classes)
    aliased = with_aliases(body)
    deps |= {a for a, t in gm.ALIASES.items() if re.search(rf"\b{t}\b", body)}
    body = aliased
    models: dict[str, set[str]] = {}
    for d in sorted(deps):
        if d in gm.TYPING_NAMES or d == "FileTypes" or d in gm.BASE_NAMES:
            continue
        if d in RESERVED:
            raise SystemExit(f"model {d} clashes with a name the resources use")
        models.setdefault(gen.module_of(d), set()).add(d)
    imports, checking = _imports(body, models)
    if lazy or checking:
        imports += ["from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:"]
        imports += [f"    {line}" for line in (*checking, *lazy)]
    exports = [f"{class_name(p)}{view}" for p in order for view, _ in (("", ""), *VIEWS)]
    reexport = REEXPORTS.get(module)
    if reexport:
        imports.append(f"from ..{reexport[0]} import {', '.join(reexport[1])}")
        exports += reexport[1]
    all_ = ", ".join(f'"{n}"' for n in sorted(exports))
    doc = f'"""``client.{".".join(order[0])}``: generated from the OpenAPI spec."""'
    return (
        f"{HEADER}{doc}\n\nfrom __future__ import annotations\n\n"
        + "\n".join(imports)
        + f"\n\n__all__ = [{all_}]\n\n\n{body}\n"
    )


FRAMEWORK = [
    ("builtins", None, ["builtins"]),
    ("warnings", None, ["warnings"]),
    ("functools", None, ["cached_property"]),
    ("types", None, ["NoneType"]),
    ("typing", None, ["Any", "Literal", "cast", "overload"]),
    ("..", "_binary", ["BinaryResponse"]),
    ("..", "_client", ["structure_response"]),
    ("..", "_files", ["FileTypes"]),
    ("..", "_options", ["Timeout"]),
    ("..", "_pagination", ["AsyncPaginator"]),
    ("..", "_raw", ["to_raw_response", "to_streamed_response"]),
    ("..", "_request", ["path_param"]),
    ("..", "_request_options", ["RequestOptions"]),
    ("..", "_resource", ["AsyncAPIResource"]),
    (
        "..",
        "_streaming",
        [
            *("ASSISTANT_RUN_END", "IMAGE_END", "RESPONSE_END", "SPEECH_END", "TRANSCRIPTION_END"),
            *("AsyncStream", "EventTracker"),
        ],
    ),
    ("..", "_types", ["NOT_GIVEN", "Body", "Headers", "NotGiven", "Query", "strip_not_given"]),
    ("..", "_models", ["UnknownVariant"]),
]


def _imports(body: str, models: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    used = set(re.findall(r"\b\w+\b", re.sub(r'"""[\s\S]*?"""', "", body)))
    out: list[str] = []
    for package, module, names in FRAMEWORK:
        wanted = [n for n in names if n in used]
        if not wanted:
            continue
        if module is None:
            if package in ("builtins", "warnings"):
                out.append(f"import {package}")
            else:
                out.append(f"from {package} import {', '.join(wanted)}")
        else:
            out.append(f"from {package}{module} import {', '.join(wanted)}")
    # lib/: the mixin bases and what else their modules give, imported; the names the
    # derived helpers' signatures need, for type checking only (their functions and the
    # hooks of other modules are imported in the bodies that call them).
    bases = {mod for mod, cls in MIXINS.values() if cls in used}
    hooks = {(h.module, n) for h in HOOKS.values() for n in (h.before, h.after) if n}
    mixins = {(mod, cls) for mod, cls in MIXINS.values()}
    annotations = {(d.module, n) for ds in DERIVED.values() for d in ds for n in d.imports}
    checking: list[str] = []
    for mod, name in sorted(hooks | mixins | annotations):
        if name not in used:
            continue
        if mod in bases:
            out.append(f"from ..{mod} import {name}")
        elif (mod, name) in annotations:
            checking.append(f"from ..{mod} import {name}")
    for mod, names in sorted(models.items()):
        wanted = sorted(n for n in names if n in used)
        if wanted:
            out.append(f"from ..models.{mod} import {', '.join(wanted)}")
    return out, checking


# --- the whole surface -----------------------------------------------------------------------


def build_surface(gen: gm.Generator) -> dict[tuple[str, ...], Namespace]:
    ops = {op.id: op for op in gen.spec.operations}
    # The legacy table names operations of the supplementary spec: those in the spec loaded.
    legacy = load_operations(section="legacy")
    table = {**load_operations(), **{k: v for k, v in legacy.items() if k in ops}}
    missing = sorted(ops.keys() - table.keys())
    unknown = sorted(table.keys() - ops.keys())
    if missing or unknown:
        raise SystemExit(f"operations.toml: missing {missing}, unknown {unknown}")
    builder = Builder(gen)
    spaces: dict[tuple[str, ...], Namespace] = {}
    for op_id, where in table.items():
        m = builder.method(ops[op_id], where)
        for i in range(1, len(m.namespace) + 1):
            path = m.namespace[:i]
            if path not in spaces:
                spaces[path] = Namespace(path)
                if i > 1:
                    spaces[path[:-1]].children.append(path[-1])
        spaces[m.namespace].methods.append(m)
    return spaces


# --- the Realtime connection's helpers -------------------------------------------------------

#: The union of client events whose members become ``connection.<namespace>.<method>(...)``.
REALTIME_CLIENT_EVENTS = "RealtimeClientEvent"


def _realtime_events(
    gen: gm.Generator,
) -> list[tuple[tuple[str, ...], str, list[Param], list[str]]]:
    """(namespace, method, parameters, docstring) per client event: ``conversation.item.create``
    becomes ``conversation.item`` / ``create``, its fields (``type`` aside) the keywords."""
    union = gen.spec.schemas[REALTIME_CLIENT_EVENTS]
    out = []
    for ref in union.get("anyOf", union.get("oneOf", [])):
        name = ref["$ref"].rsplit("/", 1)[1]
        schema = gen.spec.schemas[name]
        (event_type,) = schema["properties"]["type"]["enum"]
        required = set(schema.get("required", ()))
        params = []
        for key, prop in schema["properties"].items():
            if key == "type":
                continue
            a = gen.type_of(
                prop, name + gm.pascal(key), "req", gm.Ctx(name, gen.spec.module_of(name))
            )
            params.append(
                Param(gm.py_name(key), key, "body", a.optional_text(), key in required, None)
            )
            params[-1].is_file = False
            _REALTIME_DEPS.update(a.deps)
        params.sort(key=lambda p: not p.required)  # required first, as the API lists them
        *space, method = event_type.split(".")
        out.append(
            (tuple(space), method, params, gm.first_paragraph(schema.get("description")) or [])
        )
    return out


_REALTIME_DEPS: set[str] = set()


def _realtime_class(space: tuple[str, ...], sync: bool) -> str:
    return (
        ("" if sync else "Async") + "Realtime" + "".join(gm.pascal(p) for p in space) + "Resource"
    )


def render_realtime_events(gen: gm.Generator) -> str:
    """``resources/realtime_events.py``: the helper namespaces of a Realtime connection
    (async and sync), one method per client event, each sending that event."""
    _REALTIME_DEPS.clear()
    events = _realtime_events(gen)
    spaces: dict[tuple[str, ...], list[tuple[str, list[Param], list[str]]]] = {}
    for space, method, params, doc in events:
        for i in range(1, len(space) + 1):
            spaces.setdefault(space[:i], [])
        spaces[space].append((method, params, doc))
    classes: list[str] = []
    for sync in (False, True):
        base = "_RealtimeResource" if sync else "_AsyncRealtimeResource"
        top = [p for p in sorted(spaces) if len(p) == 1]
        helpers = "RealtimeEventHelpers" if sync else "AsyncRealtimeEventHelpers"
        lines = [
            f"class {helpers}:",
            '    """The helper namespaces of a Realtime connection (``connection.session`` ...)."""',
        ]
        if not sync:
            lines += [
                "",
                "    async def send(self, event: Any) -> None:",
                "        raise NotImplementedError",
            ]
        else:
            lines += [
                "",
                "    def send(self, event: Any) -> None:",
                "        raise NotImplementedError",
            ]
        for p in top:
            cls = _realtime_class(p, sync)
            lines += [
                "",
                "    @cached_property",
                f"    def {p[0]}(self) -> {cls}:",
                f"        return {cls}(self)",
            ]
        classes.append("\n".join(lines))
        for path in sorted(spaces, key=lambda p: (len(p), p)):
            cls = _realtime_class(path, sync)
            lines = [f"class {cls}({base}):", f'    """``connection.{".".join(path)}``."""']
            for child in sorted(
                c[-1] for c in spaces if c[:-1] == path and len(c) == len(path) + 1
            ):
                sub = _realtime_class((*path, child), sync)
                lines += [
                    "",
                    "    @cached_property",
                    f"    def {child}(self) -> {sub}:",
                    f"        return {sub}(self._connection)",
                ]
            for method, params, doc in spaces[path]:
                sig = ["self", "*"]
                for prm in params:
                    sig.append(
                        f"{prm.name}: {prm.ann}"
                        if prm.required
                        else f"{prm.name}: {prm.ann} | NotGiven = NOT_GIVEN"
                    )
                event_type = ".".join((*path, method))
                fields = ", ".join(f'"{prm.key}": {prm.name}' for prm in params)
                body = (
                    f'{{"type": "{event_type}", {fields}}}'
                    if fields
                    else f'{{"type": "{event_type}"}}'
                )
                send = "self._connection.send" if sync else "await self._connection.send"
                lines += [
                    "",
                    f"    {'def' if sync else 'async def'} {method}({', '.join(sig)}) -> None:",
                    *([gm.render_doc(doc, "        ").rstrip("\n")] if doc else []),
                    f"        {send}(strip_not_given({body}))",
                ]
            classes.append("\n".join(lines))
    body = "\n\n\n".join(classes)
    models: dict[str, set[str]] = {}
    for d in sorted(_REALTIME_DEPS):
        if d in gm.TYPING_NAMES or d in gm.BASE_NAMES:
            continue
        models.setdefault(gen.module_of(d), set()).add(d)
    used = set(re.findall(r"\b\w+\b", body))
    imports = [
        "from functools import cached_property",
        "from typing import Any" + (", Literal" if "Literal" in used else ""),
        "",
        "from .._types import NOT_GIVEN, NotGiven, strip_not_given",
    ]
    for mod, names in sorted(models.items()):
        wanted = sorted(n for n in names if n in used)
        if wanted:
            imports.append(f"from ..models.{mod} import {', '.join(wanted)}")
    framework = """class _AsyncRealtimeResource:
    def __init__(self, connection: AsyncRealtimeEventHelpers) -> None:
        self._connection = connection


class _RealtimeResource:
    def __init__(self, connection: RealtimeEventHelpers) -> None:
        self._connection = connection"""
    exports = sorted(
        ["AsyncRealtimeEventHelpers", "RealtimeEventHelpers"]
        + [_realtime_class(p, sync) for p in spaces for sync in (False, True)]
    )
    doc = '"""The helpers of a Realtime connection, generated from the client events of the OpenAPI spec."""'
    return (
        f"{HEADER}{doc}\n\nfrom __future__ import annotations\n\n"
        + "\n".join(imports)
        + f"\n\n__all__ = [{', '.join(repr(n) for n in exports)}]\n\n\n{framework}\n\n\n{body}\n"
    )


def render_api_doc(spaces: dict[tuple[str, ...], Namespace]) -> str:
    lines = [
        "<!-- File generated by scripts/gen_resources.py from the OpenAPI spec and"
        " scripts/operations.toml. Do not edit by hand. -->",
        "# API surface",
        "",
        "Every operation of the OpenAPI spec, by namespace (async: `await client.<namespace>."
        "<method>(...)`; the sync `Client` has the same names).",
        "",
        "| namespace | method | HTTP | returns |",
        "| --- | --- | --- | --- |",
    ]
    for path in sorted(spaces):
        for m in sorted(spaces[path].methods, key=lambda m: m.name):
            ret = {"page": f"`AsyncPaginator[{m.ret}]`", "binary": "`BinaryResponse`"}.get(
                m.kind, f"`{m.ret}`"
            )
            if m.stream:
                ret += f" / `AsyncStream[{m.event_ann}]`"
            dep = " (deprecated)" if m.op.raw.get("deprecated") else ""
            lines.append(
                f"| `client.{'.'.join(path)}` | `{m.name}`{dep} | `{m.op.method.upper()}"
                f" {m.op.path}` | {ret} |"
            )
            for d in DERIVED.get(m.op.id, ()):
                lines.append(
                    f"| `client.{'.'.join(path)}` | `{d.name}` (helper) | `{m.op.method.upper()}"
                    f" {m.op.path}` | `{d.returns}` |"
                )
    return with_aliases("\n".join(lines) + "\n")


def render(gen: gm.Generator) -> tuple[dict[str, str], str]:
    spaces = build_surface(gen)
    files = {
        "__init__.py": HEADER
        + '"""The async resource classes, generated from the OpenAPI spec."""\n'
    }
    for module in sorted({module_name(p) for p in spaces}):
        files[f"{module}.py"] = render_module(module, spaces, gen)
    files["realtime_events.py"] = render_realtime_events(gen)
    return files, render_api_doc(spaces)


def main() -> int:
    cli = parser(__doc__, OUT)
    cli.add_argument("--spec", type=Path, default=gm.DEFAULT_SPEC, help="the OpenAPI spec (YAML)")
    cli.add_argument("--legacy", type=Path, default=gm.LEGACY_SPEC, help="the legacy spec (YAML)")
    args = cli.parse_args()
    gen = gm.build(gm.Spec(gm.load_specs(args.spec, args.legacy)))
    files, api_doc = render(gen)
    status = write_or_check(
        OUT,
        lambda out: write_files(out, files),
        check=args.check,
        script="gen_resources.py",
        source="the OpenAPI spec",
    )
    current = API_DOC.read_text() if API_DOC.is_file() else None
    if current != api_doc:
        if args.check:
            print(
                f"{API_DOC.relative_to(ROOT)} is out of date; run `python scripts/gen_resources.py`"
            )
            return 1
        API_DOC.parent.mkdir(exist_ok=True)
        API_DOC.write_text(api_doc)
    return status


if __name__ == "__main__":
    sys.exit(main())
