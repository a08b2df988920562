"""Incremental Server-Sent Events decoder following the WHATWG event-stream rules; no I/O.

Works on bytes and decodes complete lines only, so chunks may be split anywhere: inside a
CRLF pair, a BOM or a multi-byte UTF-8 character. Lines have no length limit.
"""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["RawEvent", "SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"

#: An event as :meth:`SSEDecoder.feed_raw` gives it: ``(data, event, id, retry)``.
RawEvent: TypeAlias = "tuple[bytes, str | None, str | None, int | None]"


def _decode(value: bytes) -> str:
    return value.decode("utf-8", "replace")


class ServerSentEvent:
    """One dispatched event."""

    __slots__ = ("data", "event", "id", "retry")

    event: str | None
    data: str
    id: str | None
    retry: int | None

    def __init__(
        self,
        data: str,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, "
            f"id={self.id!r}, retry={self.retry!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (
            self.data == other.data
            and self.event == other.event
            and self.id == other.id
            and self.retry == other.retry
        )


class SSEDecoder:
    """Turns event-stream bytes into events: `feed` chunks as they arrive, then `finish`.

    After `finish` the decoder may be fed a new stream (a reconnection); `last_event_id`
    and `retry` persist, as WHATWG wants for reconnecting.
    """

    __slots__ = (
        "_block_retry",
        "_comments",
        "_data",
        "_event",
        "_in_block",
        "_last_event_id",
        "_pending",
        "_retry",
        "_skip_lf",
        "_start",
        "_tail",
        "_truncated",
    )

    def __init__(self) -> None:
        # Stream-start bytes held back while they may still be a split BOM; None once past it.
        self._start: bytes | None = b""
        # The previous chunk ended with CR, so an LF opening the next one completes a CRLF.
        self._skip_lf = False
        # Pieces of the unfinished last line, joined once when its line end arrives.
        self._pending: list[bytes] = []
        self._data: list[bytes] = []
        self._event: str | None = None
        self._block_retry: int | None = None
        # A non-data field was seen in the current block (data is tracked by `_data`).
        self._in_block = False
        self._last_event_id: str | None = None
        self._retry: int | None = None
        self._comments = 0
        self._truncated = False
        self._tail: ServerSentEvent | None = None

    @property
    def truncated(self) -> bool:
        """Whether the stream passed to the last `finish` ended mid-line or mid-event."""
        return self._truncated

    @property
    def tail(self) -> ServerSentEvent | None:
        """The event the last `finish` discarded unterminated (what a closing blank line
        would have dispatched), for callers that accept an end marker without one."""
        return self._tail

    @property
    def comments(self) -> int:
        """Comment lines (keep-alives such as ``: ping``) seen so far."""
        return self._comments

    @property
    def last_event_id(self) -> str | None:
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The last reconnection time (ms) the server asked for."""
        return self._retry

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode a chunk; returns the events it completed (often none)."""
        return [
            ServerSentEvent(data.decode("utf-8", "replace"), event, id, retry)
            for data, event, id, retry in self.feed_raw(chunk)
        ]

    def feed_raw(self, chunk: bytes) -> list[RawEvent]:
        """:meth:`feed` with each event as a tuple ``(data, event, id, retry)`` whose data
        is still UTF-8 bytes: what a stream hands straight to the JSON parser."""
        if self._start is not None:
            chunk = self._start + chunk
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._start = chunk
                return []
            self._start = None
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
        if not chunk:
            return []

        # bytes.splitlines splits on CRLF, CR and LF only (str.splitlines would split on more).
        lines = chunk.splitlines()
        pending = self._pending
        last = chunk[-1]
        if last == 0x0A or last == 0x0D:
            self._skip_lf = last == 0x0D
            tail = None
        else:
            tail = lines.pop()
            if not lines:
                pending.append(tail)
                return []
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
            pending.clear()
        if tail is not None:
            pending.append(tail)

        events: list[RawEvent] = []
        data = self._data
        add = data.append
        for line in lines:
            if line[:6] == b"data: ":
                add(line[6:])
            elif not line:
                if data:
                    raw = data[0] if len(data) == 1 else b"\n".join(data)
                    events.append((raw, self._event, self._last_event_id, self._block_retry))
                    data.clear()
                if self._in_block:
                    self._event = None
                    self._block_retry = None
                    self._in_block = False
            elif line[0] == 0x3A:
                self._comments += 1
            elif line.startswith(b"data:"):
                add(line[5:])
            else:
                self._field(line)
        return events

    def _field(self, line: bytes) -> None:
        """Process a field other than a `data:` line (the hot path handles those)."""
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":  # "data" with no colon: an empty data line
            self._data.append(value)
            return
        self._in_block = True
        if name == b"event":
            self._event = _decode(value)
        elif name == b"id":
            if b"\0" not in value:
                self._last_event_id = _decode(value)
        elif name == b"retry" and value.isdigit():  # bytes.isdigit: ASCII only, False for b""
            self._retry = self._block_retry = int(value)

    def finish(self) -> list[ServerSentEvent]:
        """End of stream: an event without its closing blank line is discarded, per WHATWG.

        Returns [] (a list for symmetry with `feed`); check `truncated` to tell a stream cut
        mid-event from a clean end, and `tail` for the discarded event.
        """
        self._truncated = bool(self._start or self._pending or self._data or self._in_block)
        self._tail = None
        if self._truncated:
            # Close the last line and the block as a blank line would, keeping what the
            # reconnection state and the comment count were: the discarded event (and an
            # unfinished comment line) must not change them.
            last_event_id, retry, comments = self._last_event_id, self._retry, self._comments
            events = self.feed(b"\n\n")
            self._tail = events[-1] if events else None
            self._last_event_id, self._retry, self._comments = last_event_id, retry, comments
        self._start = b""
        self._skip_lf = False
        self._pending.clear()
        self._data.clear()
        self._event = None
        self._block_retry = None
        self._in_block = False
        return []
