"""The incremental SSE decoder against the WHATWG event-stream rules."""

from __future__ import annotations

import pytest

from openai_async._sse import ServerSentEvent, SSEDecoder

BOM = b"\xef\xbb\xbf"


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.finish()
    return events


def E(
    data: str, event: str | None = None, id: str | None = None, retry: int | None = None
) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


def test_openai_chat_stream() -> None:
    chunks = [
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
        b'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"lo"}}]}\n\n',
        b'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
        b"data: [DONE]\n\n",
    ]
    decoder = SSEDecoder()
    per_chunk = [decoder.feed(c) for c in chunks]
    assert [len(evs) for evs in per_chunk] == [1, 2, 1, 1]
    events = [e for evs in per_chunk for e in evs]
    assert events[1] == E('{"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}')
    assert events[-1] == E("[DONE]")
    assert all(e.event is None and e.id is None and e.retry is None for e in events)
    assert decoder.finish() == []
    assert decoder.truncated is False


@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_line_endings(eol: bytes) -> None:
    stream = eol.join([b"event: a", b"data: 1", b"data: 2", b"", b"data: 3", b"", b""])
    assert decode(stream) == [E("1\n2", event="a"), E("3")]


def test_mixed_line_endings() -> None:
    stream = b"data: 1\r\ndata: 2\rdata: 3\n\r\ndata: 4\r\r: c\ndata: 5\n\n"
    assert decode(stream) == [E("1\n2\n3"), E("4"), E("5")]


def test_only_cr_lf_crlf_end_lines() -> None:
    # Characters str.splitlines() would break on are ordinary data here.
    text = "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i"
    assert decode(b"data: " + text.encode() + b"\n\n") == [E(text)]


def test_crlf_split_across_chunks() -> None:
    # Were the LF opening a chunk not dropped, "a" would be dispatched on its own.
    assert decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [E("a\nb")]
    # An empty chunk between the halves changes nothing.
    assert decode(b"data: a\r", b"", b"\ndata: b\r\n\r\n") == [E("a\nb")]


def test_cr_at_chunk_end_is_a_line_end_at_once() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [E("a")]
    # Two CRs split across chunks are two line ends, not one.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\r") == [E("a")]
    assert decoder.feed(b"\ndata: b\n\n") == [E("b")]


@pytest.mark.parametrize("split", range(len(BOM) + 1))
def test_bom_stripped_at_start(split: int) -> None:
    stream = BOM + b"data: x\n\n"
    assert decode(stream[:split], stream[split:]) == [E("x")]


def test_bom_stripped_when_fed_byte_by_byte() -> None:
    stream = BOM + b"data: x\n\n"
    assert decode(*(stream[i : i + 1] for i in range(len(stream)))) == [E("x")]
    assert decode(b"", BOM[:1], b"", BOM[1:], b"data: x\n\n") == [E("x")]


def test_bom_only_at_start() -> None:
    # A second BOM makes the field name "\ufeffdata", an unknown field.
    assert decode(BOM + BOM + b"data: x\n\n") == []
    assert decode(b"data: a\n\n" + BOM + b"data: b\n\n") == [E("a")]
    assert decode(b"data: a\n\n", BOM + b"data: b\n\n") == [E("a")]
    assert decode(b"data: a\n\n", BOM, b"data: b\n\n") == [E("a")]
    assert decode(b"data: " + BOM + b"x\n\n") == [E("\ufeffx")]


def test_partial_bom_is_data() -> None:
    assert decode(b"\xef\xbbdata: x\n\n") == []  # field name "\ufffddata"
    assert decode(b"\xef", b"data: x\n\n") == []


def test_multiline_data_joined_with_newline() -> None:
    assert decode(b"data: line1\ndata: line2\ndata:\ndata: line4\n\n") == [
        E("line1\nline2\n\nline4")
    ]


STREAM = (
    BOM
    + ": keep-alive\r\n"
    "retry: 2500\n"
    "id: évé-1\r"
    "event: chunk\n"
    'data: {"text":"héllo wörld 日本語 🎉"}\n'
    "data: ✓ second line\r\n"
    "\r\n"
    "data: Ωmega\r"
    "\r"
    ": ping ☕\n"
    "event: error\n"
    "id\n"
    "data: 🎉🎉\n"
    "\n"
    "data: ascii\n"
    "\n".encode()
)
STREAM_EVENTS = [
    E('{"text":"héllo wörld 日本語 🎉"}\n✓ second line', event="chunk", id="évé-1", retry=2500),
    E("Ωmega", id="évé-1"),
    E("🎉🎉", event="error", id=""),
    E("ascii", id=""),
]


def test_reference_stream_whole() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(STREAM) == STREAM_EVENTS
    assert decoder.comments == 2
    assert decoder.retry == 2500
    assert decoder.last_event_id == ""


def test_every_split_point_gives_the_same_events() -> None:
    for i in range(len(STREAM) + 1):
        assert decode(STREAM[:i], STREAM[i:]) == STREAM_EVENTS, i


def test_every_pair_of_split_points_gives_the_same_events() -> None:
    n = len(STREAM)
    for i in range(0, n + 1, 3):
        for j in range(i, n + 1, 5):
            assert decode(STREAM[:i], STREAM[i:j], STREAM[j:]) == STREAM_EVENTS, (i, j)


def test_one_byte_at_a_time() -> None:
    decoder = SSEDecoder()
    events = []
    for i in range(len(STREAM)):
        events += decoder.feed(STREAM[i : i + 1])
    assert events == STREAM_EVENTS
    assert decoder.comments == 2
    assert decoder.finish() == []
    assert decoder.truncated is False


def test_comments_ignored_and_counted() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b": ping\n\n:OPENROUTER PROCESSING\n\ndata: a\n: inside\ndata: b\n\n:\n")
    assert events == [E("a\nb")]
    assert decoder.comments == 4
    decoder.finish()
    assert decoder.truncated is False


@pytest.mark.parametrize(
    "block",
    [b"retry: 1000\n\n", b"id: 7\n\n", b"event: x\n\n", b"foo: bar\n\n", b": c\n\n", b"\n\n"],
)
def test_block_without_data_is_not_dispatched(block: bytes) -> None:
    assert decode(block) == []
    # Nor does it leak its event type into the next event.
    assert decode(block + b"data: a\n\n")[0].event is None


def test_meta_only_blocks_update_the_decoder() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 1000\n\nid: 7\n\n") == []
    assert decoder.retry == 1000
    assert decoder.last_event_id == "7"
    # retry on an event is only the block's own; the id persists.
    assert decoder.feed(b"data: a\n\n") == [E("a", id="7")]


def test_id_persists_across_events_and_nul_is_ignored() -> None:
    decoder = SSEDecoder()
    assert decoder.last_event_id is None
    events = decoder.feed(
        b"data: a\n\nid: 1\ndata: b\n\ndata: c\n\nid: 2\x00x\ndata: d\n\nid:\ndata: e\n\n"
    )
    assert [e.id for e in events] == [None, "1", "1", "1", ""]
    assert decoder.last_event_id == ""


def test_id_set_after_data_in_same_block_applies() -> None:
    assert decode(b"data: a\nid: 9\n\n") == [E("a", id="9")]


@pytest.mark.parametrize(
    "value", [b"10s", b"-1", b"+5", b" 5", b"", b"1.5", "١٢".encode(), "²".encode()]
)
def test_retry_not_all_ascii_digits_is_ignored(value: bytes) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 300\n\nretry: " + value + b"\ndata: a\n\n")
    assert events == [E("a")]
    assert decoder.retry == 300


def test_retry_digits() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry:0042\ndata: a\n\n") == [E("a", retry=42)]
    assert decoder.retry == 42


def test_empty_data_dispatches_empty_string() -> None:
    assert decode(b"data:\n\n", b"data: \n\n", b"data\n\n") == [E(""), E(""), E("")]


def test_field_without_colon() -> None:
    assert decode(b"data\ndata\n\n") == [E("\n")]
    assert decode(b"event\ndata: a\n\n") == [E("a", event="")]
    assert decode(b"id\ndata: a\n\n") == [E("a", id="")]
    assert decode(b"retry\nfoo\ndata: a\n\n") == [E("a")]


def test_only_one_leading_space_stripped() -> None:
    assert decode(b"data:  x \n\n") == [E(" x ")]
    assert decode(b"data:x\n\n") == [E("x")]
    assert decode(b"data:\tx\n\n") == [E("\tx")]
    assert decode(b"event:  y\ndata: a\n\n") == [E("a", event=" y")]
    assert decode(b"id:  z\ndata: a\n\n") == [E("a", id=" z")]


def test_value_may_contain_colons() -> None:
    assert decode(b"data: a: b:c\n\n") == [E("a: b:c")]
    assert decode(b'event: x:y\ndata: {"k": "v"}\n\n') == [E('{"k": "v"}', event="x:y")]


def test_field_names_are_exact_and_case_sensitive() -> None:
    assert decode(b"Data: a\n\n", b"data : b\n\n", b" data: c\n\n", b"datax: d\n\n") == []


def test_last_event_field_wins_and_type_resets_after_dispatch() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event: a\nevent: b\ndata: 1\n\ndata: 2\n\n")
    assert events == [E("1", event="b"), E("2")]


def test_finish_discards_unterminated_event() -> None:
    decoder = SSEDecoder()
    assert decoder.truncated is False
    assert decoder.feed(b"data: a\n\nevent: x\ndata: b\n") == [E("a")]
    assert decoder.finish() == []
    assert decoder.truncated is True


@pytest.mark.parametrize(
    "tail",
    [b"data: b", b"data: b\n", b"id: 3\n", b"retry: 5\n", b"unknown\n", b": partial comment"],
)
def test_truncated_after_partial_line_or_block(tail: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\n" + tail) == [E("a")]
    decoder.finish()
    assert decoder.truncated is True


@pytest.mark.parametrize(
    "stream", [b"", b"data: a\n\n", b"data: a\r\n\r\n", b"data: a\r\r", b": ping\n", BOM]
)
def test_not_truncated_after_clean_end(stream: bytes) -> None:
    decoder = SSEDecoder()
    decoder.feed(stream)
    assert decoder.finish() == []
    assert decoder.truncated is False


def test_decoder_reusable_after_finish() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 5\nretry: 10\ndata: a\n\nevent: x\ndata: lost")
    decoder.finish()
    assert decoder.truncated is True
    # A new stream: nothing of the old partial event survives; id and retry do.
    assert decoder.feed(BOM + b"data: b\n\n") == [E("b", id="5")]
    assert decoder.retry == 10
    decoder.finish()
    assert decoder.truncated is False


@pytest.mark.timeout(20)  # ~0.6 s here; re-copying the buffered line per chunk takes ~40 s
def test_huge_data_line_in_small_chunks() -> None:
    payload = b"x" * (2 * 1024 * 1024)
    stream = b"data: " + payload + b"\n\n"
    for size in (1000, 4):
        decoder = SSEDecoder()
        events = []
        for i in range(0, len(stream), size):
            events += decoder.feed(stream[i : i + size])
        assert len(events) == 1
        assert events[0].data == payload.decode()


def test_huge_multibyte_line_split_inside_characters() -> None:
    text = "日本語🎉" * 100_000
    stream = b"data: " + text.encode() + b"\n\n"
    chunks = [stream[i : i + 997] for i in range(0, len(stream), 997)]
    assert decode(*chunks) == [E(text)]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode(b"data: a\xffb\xc3\n\n") == [E("a\ufffdb\ufffd")]
    # A truncated sequence at a line end stays a single U+FFFD on each side.
    assert decode(b"data: \xe6\x97\ndata: \xa5x\n\n") == [E("\ufffd\n\ufffdx")]
    assert decode(b"event: \xfe\ndata: a\n\n") == [E("a", event="\ufffd")]
    assert decode(b"id: \xfe\ndata: a\n\n") == [E("a", id="\ufffd")]


def test_nul_in_data_is_kept() -> None:
    assert decode(b"data: a\x00b\n\n") == [E("a\x00b")]


def test_server_sent_event_value_semantics() -> None:
    event = ServerSentEvent(data="d", event="e", id="i", retry=1)
    assert event == E("d", "e", "i", 1)
    assert event != E("d", "e", "i", None)
    assert event != E("x", "e", "i", 1)
    assert event != "d"
    assert repr(event) == "ServerSentEvent(event='e', data='d', id='i', retry=1)"
    assert ServerSentEvent(data="") == E("")
    # Positional too: the decoder builds one per event and keywords cost ~0.3 us each time.
    assert ServerSentEvent("d", "e", "i", 1) == event


@pytest.mark.parametrize("end", [b"", b"\n", b"\r", b"\r\n"], ids=["none", "LF", "CR", "CRLF"])
def test_the_unterminated_last_event_is_kept_as_the_tail(end: bytes) -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 1\n\nevent: x\ndata: [DONE]" + end) == [E("1")]
    assert decoder.finish() == []  # still discarded, per WHATWG
    assert decoder.truncated is True
    assert decoder.tail == E("[DONE]", event="x")


def test_a_clean_end_has_no_tail_and_the_tail_leaves_reconnection_state_alone() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"id: 1\nretry: 5\ndata: a\n\n")
    decoder.finish()
    assert (decoder.truncated, decoder.tail) == (False, None)
    decoder.feed(b"data: b\nid: 2")  # the id line is cut: it never arrived
    decoder.finish()
    assert decoder.tail == E("b", id="2", retry=None)
    assert (decoder.last_event_id, decoder.retry) == ("1", 5)
