"""The shared poll loop without I/O: next delay, deadline, end states, timeout and cancellation."""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import attrs
import pytest

from openai_async import InvalidRequestError, OpenAIError, PollTimeoutError
from openai_async._response import ResponseInfo
from openai_async.lib.pollers import check_poll_interval, poll_deadline, poll_delay, poll_until

pytestmark = pytest.mark.anyio


@attrs.define
class Thing:
    """Stands for a model: an id, a status and the headers it came with."""

    id: str
    status: str
    headers: dict[str, str] = attrs.field(factory=dict)

    @property
    def response_info(self) -> ResponseInfo:
        return ResponseInfo(status_code=200, headers=self.headers, method="GET", url="/x")


#: A state of `script` that never comes: the fetch waits until cancelled.
HANG = object()


def script(
    *states: Thing | Exception | object,
) -> tuple[Callable[[], Awaitable[Thing]], list[float]]:
    """A fetch function answering ``states`` in turn (the last one forever); the times it ran."""
    times: list[float] = []

    async def fetch() -> Thing:
        times.append(time.monotonic())
        state = states[min(len(times), len(states)) - 1]
        if state is HANG:
            await anyio.sleep_forever()
        if isinstance(state, Exception):
            raise state
        assert isinstance(state, Thing)
        return state

    return fetch, times


async def poll(
    fetch: Callable[[], Awaitable[Thing]],
    *,
    poll_interval: float = 0.01,
    timeout: Any = None,  # noqa: ASYNC109 - the poller's own option
) -> Thing:
    return await poll_until(
        fetch,
        lambda _: fetch(),
        lambda thing: thing.status == "done",
        describe=lambda thing: f"thing {thing.id}",
        unseen="the thing was not created",
        poll_interval=poll_interval,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, 2.0),
        ("250", 0.25),
        (" 1500 ", 1.5),
        ("0", 0.01),  # never a busy loop
        ("1e9", 600.0),  # never hours
        ("-5", 2.0),
        ("soon", 2.0),
        ("", 2.0),
        ("nan", 2.0),
        ("inf", 2.0),
    ],
)
def test_poll_delay_follows_a_usable_header_only(header: str | None, expected: float) -> None:
    headers = {} if header is None else {"openai-poll-after-ms": header}
    assert poll_delay(Thing("t", "busy", headers), 2.0) == expected


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf])
def test_poll_interval_must_be_positive_and_finite(value: float) -> None:
    with pytest.raises(InvalidRequestError, match="poll_interval"):
        check_poll_interval(value)


def test_poll_deadline() -> None:
    assert poll_deadline(None) == math.inf
    assert poll_deadline(2.5) == 2.5
    for bad in (0, -3, math.nan):
        with pytest.raises(InvalidRequestError, match="timeout"):
            poll_deadline(bad)


async def test_polls_until_the_end_state_and_returns_it() -> None:
    fetch, times = script(Thing("t", "busy"), Thing("t", "busy"), Thing("t", "done"))
    assert (await poll(fetch)).status == "done"
    assert len(times) == 3
    assert all(b - a >= 0.009 for a, b in itertools.pairwise(times))


async def test_an_ended_object_is_not_polled_again() -> None:
    fetch, times = script(Thing("t", "done"))
    assert (await poll(fetch, poll_interval=60)).status == "done"
    assert len(times) == 1


async def test_the_header_overrides_poll_interval() -> None:
    fetch, times = script(Thing("t", "busy", {"openai-poll-after-ms": "10"}), Thing("t", "done"))
    with anyio.fail_after(5):
        assert (await poll(fetch, poll_interval=60)).status == "done"
    assert len(times) == 2


async def test_timeout_raises_with_the_last_state_and_a_clear_message() -> None:
    # The third fetch never answers: only the timeout can end the wait, after two states.
    fetch, times = script(Thing("t1", "queued"), Thing("t1", "busy"), HANG)
    with anyio.fail_after(10), pytest.raises(PollTimeoutError) as caught:
        await poll(fetch, timeout=0.3)
    assert str(caught.value) == "thing t1 still busy after 0.3 s"
    assert caught.value.last is not None and caught.value.last.status == "busy"
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, OpenAIError)
    assert len(times) == 3


async def test_timeout_before_the_first_answer_has_no_last_state() -> None:
    async def never() -> Thing:
        await anyio.sleep(60)
        raise AssertionError("unreachable")

    with pytest.raises(PollTimeoutError, match=r"^the thing was not created within 0.05 s$") as e:
        await poll(never, timeout=0.05)
    assert e.value.last is None


async def test_bad_arguments_are_refused_before_any_request() -> None:
    fetch, times = script(Thing("t", "done"))
    with pytest.raises(InvalidRequestError):
        await poll(fetch, poll_interval=0)
    with pytest.raises(InvalidRequestError):
        await poll(fetch, timeout=0)
    assert times == []


async def test_errors_of_a_fetch_propagate_unchanged() -> None:
    boom = OpenAIError("boom")
    fetch, _ = script(Thing("t", "busy"), boom)
    with pytest.raises(OpenAIError) as caught:
        await poll(fetch, timeout=5)
    assert caught.value is boom


async def test_outer_cancellation_is_not_a_timeout() -> None:
    busy, times = script(Thing("t", "busy"))

    async def fetch() -> Thing:
        thing = await busy()
        if len(times) == 3:
            scope.cancel()  # the caller gives up during the third fetch
        return thing

    with anyio.fail_after(10), anyio.CancelScope() as scope:
        await poll(fetch, poll_interval=0.01, timeout=30)
    assert scope.cancelled_caught
    await anyio.sleep(0.05)
    assert len(times) == 3  # nothing keeps polling


async def test_each_poll_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    fetch, _ = script(Thing("t7", "busy"), Thing("t7", "done"))
    with caplog.at_level(logging.DEBUG, logger="openai_async"):
        await poll(fetch)
    polled = [r.getMessage() for r in caplog.records if r.name == "openai_async"]
    assert polled == ["polled thing t7: busy", "polled thing t7: done"]
