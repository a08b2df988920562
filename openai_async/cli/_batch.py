"""``batch run`` / ``batch resume``: a JSONL file of requests through the Batch API
(``batches.run`` / ``resume``) to a JSONL file of results in input order."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, get_args

import orjson

from .._client import AsyncClient
from .._exceptions import BatchTimeoutError, InvalidRequestError
from ..lib.batch_jobs import BatchEndpoint, BatchRequest, BatchResults
from ..models.batch import Batch
from ._common import Status, atomic_output, is_local, open_client, say

__all__ = ["add_parser", "read_requests"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    batch = commands.add_parser("batch", help="run requests through the Batch API")
    actions = batch.add_subparsers(dest="action", required=True)
    run = actions.add_parser(
        "run",
        help="run a JSONL file of requests and write their results",
        description="Each line of REQUESTS is a request body, or a Batch API line "
        '({"custom_id": ..., "body": {...}}). Results are written to OUT in input order, '
        "one JSON line per request with its response or its error.",
    )
    run.add_argument("requests", help="requests.jsonl")
    run.add_argument("--endpoint", required=True, choices=get_args(BatchEndpoint))
    run.set_defaults(command=_run)
    resume = actions.add_parser(
        "resume",
        help="wait for batches already started and write their results",
        description="Reattach to batches (from an interrupted `batch run`, or made by hand).",
    )
    resume.add_argument("batch_ids", nargs="+", metavar="BATCH_ID")
    resume.set_defaults(command=_resume)
    for parser in (run, resume):
        parser.add_argument("--out", required=True, help="results.jsonl (- for stdout)")
        parser.add_argument(
            "--timeout", type=float, default=None, help="seconds to wait in all (default: no limit)"
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=5.0,
            help="seconds between polls when the server does not say (default 5)",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show the batches' progress (default: when stderr is a terminal)",
        )


def read_requests(path: str, endpoint: str) -> Iterator[BatchRequest]:
    """The requests of a JSONL file: bodies, or Batch API lines with ``custom_id`` and ``body``."""
    with open(path, "rb") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                entry = None
            if not isinstance(entry, dict):
                raise InvalidRequestError(f"{path}:{number}: not a JSON object")
            if not isinstance(entry.get("body"), dict):
                yield BatchRequest(entry)
                continue
            if entry.get("url", endpoint) != endpoint:
                raise InvalidRequestError(
                    f"{path}:{number}: its url is {entry['url']!r}, the batch's endpoint {endpoint}"
                )
            yield BatchRequest(entry["body"], entry.get("custom_id"))


class _Tracker:
    """Shows the batches' progress, and remembers them to name them after Ctrl-C."""

    def __init__(self, status: Status) -> None:
        self.status = status
        self.batch_ids: list[str] = []

    def __call__(self, batches: list[Batch]) -> None:
        self.batch_ids = [b.id for b in batches]
        counts = [b.request_counts for b in batches if b.request_counts is not None]
        done = sum(c.completed + c.failed for c in counts)
        total = sum(c.total for c in counts)
        states = ", ".join(f"{b.id} {b.status}" for b in batches)
        self.status.show(f"{done}/{total} requests done ({states})")

    def stopped(self, ids: list[str]) -> None:
        self.status.end()
        if not ids:
            return
        if is_local():
            say("the bundled local server's batches end with this command; run it again")
        else:
            say(f"the batches keep running: openai-async batch resume {' '.join(ids)} --out ...")


async def _run(args: argparse.Namespace) -> int:
    requests = read_requests(args.requests, args.endpoint)
    return await _job(
        args,
        lambda client, tracker: client.batches.run(
            requests,
            endpoint=args.endpoint,
            timeout=args.timeout,
            poll_interval=args.poll_interval,
            progress=tracker,
        ),
    )


async def _resume(args: argparse.Namespace) -> int:
    return await _job(
        args,
        lambda client, tracker: client.batches.resume(
            args.batch_ids, timeout=args.timeout, poll_interval=args.poll_interval, progress=tracker
        ),
    )


_Start = Callable[[AsyncClient, _Tracker], Awaitable[BatchResults[Any]]]


async def _job(args: argparse.Namespace, start: _Start) -> int:
    tracker = _Tracker(Status(args.progress))
    try:
        async with open_client() as client:
            results = await start(client, tracker)
    except BatchTimeoutError as exc:
        tracker.stopped(exc.batch_ids)
        raise
    except (asyncio.CancelledError, KeyboardInterrupt):
        tracker.stopped(tracker.batch_ids)
        raise
    tracker.status.end()
    _write(args.out, results)
    if results.failed:
        say(f"{len(results.failed)} of {len(results)} requests failed: see {args.out}")
        return 1
    say(f"wrote {len(results)} results to {args.out}")
    return 0


def _write(path: str, results: BatchResults[Any]) -> None:
    """One line per request, in input order: its response's body, or its error."""
    lines: list[tuple[int, Mapping[str, Any]]] = [
        (
            r.index,
            {
                "index": r.index,
                "custom_id": r.custom_id,
                "status_code": r.status_code,
                "response": r.response.to_dict(),
            },
        )
        for r in results.results
    ]
    lines += [
        (
            f.index,
            {
                "index": f.index,
                "custom_id": f.custom_id,
                "status_code": f.status_code,
                "error": {"code": f.code, "message": f.message},
            },
        )
        for f in results.failed
    ]
    lines.sort(key=lambda pair: pair[0])
    with atomic_output(path) as file:
        for _, line in lines:
            file.write(orjson.dumps(line) + b"\n")
