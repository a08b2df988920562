"""Files, Uploads and Batches of the local server, in memory.

A batch "runs" on the server's own loop: after ``delay`` seconds it goes from
``validating`` to ``in_progress``, executes each JSONL line through ``execute`` (the
server's chat / completions / embeddings logic), and ends ``completed`` with an output
and an error file, or as ``outcome`` says (``failed``, ``expired``, ``cancelled``).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import orjson

from ._routes import Scripted

if TYPE_CHECKING:
    from ._server import RecordedRequest

__all__ = ["BatchApi"]

#: ``(url, body bytes) -> (status, JSON body)``: one request of a batch, answered.
Execute = Callable[[str, bytes], Awaitable[tuple[int, Any]]]
Outcome = Literal["completed", "failed", "expired"]

_FILE = re.compile(r"/v1/files/([^/]+)(/content)?")
_UPLOAD = re.compile(r"/v1/uploads/([^/]+)/(parts|complete|cancel)")
_BATCH = re.compile(r"/v1/batches/([^/]+)(/cancel)?")
_TERMINAL = ("completed", "failed", "expired", "cancelled")


def _error(status: int, message: str, param: str | None = None) -> Scripted:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return Scripted(status=status, json={"error": error})


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": False,
    }


def _invalid_line(lines: list[bytes]) -> str | None:
    """Why the input file cannot run (a line that is not a request), or ``None``."""
    for number, line in enumerate(lines, 1):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            return f"Line {number} is not JSON."
        if not isinstance(entry, dict) or not {"custom_id", "url", "body"} <= entry.keys():
            return f"Line {number} needs a custom_id, a url and a body."
    return None


class BatchApi:
    """State of ``/files``, ``/uploads`` and ``/batches`` (``server.batch_api``).

    Settings for tests: ``delay`` (seconds before a batch runs), ``poll_after_ms`` (sent as
    ``openai-poll-after-ms`` on batch reads), ``fail_custom_ids`` (lines answered with a
    400 into the error file) and ``outcome`` (how the next batches end); ``hold()`` keeps
    batches from running (validating) until ``release()``, whatever the time.
    """

    def __init__(self, execute: Execute) -> None:
        self._execute = execute
        self._ids = itertools.count(1)
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self._parts: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.delay = 0.0
        self.poll_after_ms: int | None = None
        self.fail_custom_ids: set[str] = set()
        self.outcome: Outcome = "completed"
        self._released = asyncio.Event()
        self._released.set()

    def hold(self) -> None:
        """Keep batches from running (after their ``delay``) until :meth:`release`."""
        self._released.clear()

    def release(self) -> None:
        """Let held batches run."""
        self._released.set()

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    def add_file(self, filename: str, content: bytes, purpose: str) -> dict[str, Any]:
        """Store a file and return its object."""
        file_id = self._new_id("file")
        self.files[file_id] = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }
        self.contents[file_id] = content
        return self.files[file_id]

    async def close(self) -> None:
        """Stop every running batch."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def answer(
        self, method: str, path: str, recorded: RecordedRequest, json: Callable[[], dict[str, Any]]
    ) -> Scripted | None:
        """The answer to a files / uploads / batches request, or ``None`` for other paths."""
        if path == "/v1/files":
            if method == "POST":
                return self._create_file(recorded)
            if method == "GET":
                return Scripted(json=_page(list(self.files.values())))
        if match := _FILE.fullmatch(path):
            return self._file(method, match[1], bool(match[2]))
        if path == "/v1/uploads" and method == "POST":
            body = json()
            upload_id = self._new_id("upload")
            self.uploads[upload_id] = {
                "id": upload_id,
                "object": "upload",
                "bytes": body["bytes"],
                "created_at": int(time.time()),
                "expires_at": int(time.time()) + 3600,
                "filename": body["filename"],
                "purpose": body["purpose"],
                "status": "pending",
                "file": None,
            }
            return Scripted(json=self.uploads[upload_id])
        if (match := _UPLOAD.fullmatch(path)) and method == "POST":
            return self._upload(match[1], match[2], recorded, json)
        if path == "/v1/batches":
            if method == "POST":
                return self._create_batch(json())
            if method == "GET":
                return Scripted(json=_page(list(reversed(self.batches.values()))))
        if match := _BATCH.fullmatch(path):
            return self._batch(method, match[1], bool(match[2]))
        return None

    # -- files and uploads ---------------------------------------------------------------

    def _create_file(self, recorded: RecordedRequest) -> Scripted:
        form = dict(recorded.form())
        file, purpose = form.get("file"), form.get("purpose")
        if not isinstance(file, tuple) or not isinstance(purpose, str):
            return _error(400, "A file and a purpose are required.", "file")
        return Scripted(json=self.add_file(file[0] or "upload", file[1], purpose))

    def _file(self, method: str, file_id: str, content: bool) -> Scripted:
        if file_id not in self.files:
            return _error(404, f"No such File object: {file_id}", "id")
        if content and method == "GET":
            return Scripted(body=self.contents[file_id], content_type="application/jsonl")
        if method == "GET":
            return Scripted(json=self.files[file_id])
        if method == "DELETE":
            del self.files[file_id], self.contents[file_id]
            return Scripted(json={"id": file_id, "object": "file", "deleted": True})
        return _error(405, f"{method} is not allowed here")

    def _upload(
        self, upload_id: str, action: str, recorded: RecordedRequest, json: Callable[[], Any]
    ) -> Scripted:
        upload = self.uploads.get(upload_id)
        if upload is None:
            return _error(404, f"No such Upload: {upload_id}", "upload_id")
        if upload["status"] != "pending":
            return _error(400, f"The upload is {upload['status']}.")
        if action == "cancel":
            upload["status"] = "cancelled"
            return Scripted(json=upload)
        if action == "parts":
            data = dict(recorded.form()).get("data")
            if not isinstance(data, tuple):
                return _error(400, "A part needs data.", "data")
            part_id = self._new_id("part")
            self._parts[part_id] = data[1]
            part = {"id": part_id, "object": "upload.part", "upload_id": upload_id}
            return Scripted(json={**part, "created_at": int(time.time())})
        part_ids = json().get("part_ids")
        if not isinstance(part_ids, list) or any(p not in self._parts for p in part_ids):
            return _error(400, "part_ids must list this upload's parts.", "part_ids")
        content = b"".join(self._parts[p] for p in part_ids)
        if len(content) != upload["bytes"]:
            return _error(400, f"The parts hold {len(content)} bytes, not {upload['bytes']}.")
        for part_id in part_ids:
            del self._parts[part_id]
        upload["status"] = "completed"
        upload["file"] = self.add_file(upload["filename"], content, upload["purpose"])
        return Scripted(json=upload)

    # -- batches -------------------------------------------------------------------------

    def _create_batch(self, body: dict[str, Any]) -> Scripted:
        file_id = body.get("input_file_id")
        if file_id not in self.files:
            return _error(400, f"No such File object: {file_id}", "input_file_id")
        batch_id = self._new_id("batch")
        now = int(time.time())
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "input_file_id": file_id,
            "completion_window": body.get("completion_window", "24h"),
            "status": "validating",
            "created_at": now,
            "expires_at": now + 86400,
            "metadata": body.get("metadata"),
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }
        self.batches[batch_id] = batch
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return Scripted(json=batch)

    def _batch(self, method: str, batch_id: str, cancel: bool) -> Scripted:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _error(404, f"No such Batch: {batch_id}", "batch_id")
        if cancel and method == "POST":
            if batch["status"] not in _TERMINAL:
                batch["status"] = "cancelling"
                batch["cancelling_at"] = int(time.time())
            return Scripted(json=batch)
        if method != "GET" or cancel:
            return _error(405, f"{method} is not allowed here")
        headers = {}
        if self.poll_after_ms is not None and batch["status"] not in _TERMINAL:
            headers["openai-poll-after-ms"] = str(self.poll_after_ms)
        return Scripted(json=batch, headers=headers)

    async def _run(self, batch: dict[str, Any]) -> None:
        lines = self.contents[batch["input_file_id"]].splitlines()
        batch["request_counts"]["total"] = len(lines)
        await asyncio.sleep(self.delay)
        await self._released.wait()
        if batch["status"] == "cancelling":
            return self._end(batch, "cancelled", [], [])
        refusal = "The batch was refused." if self.outcome == "failed" else _invalid_line(lines)
        if refusal is not None:
            error = {"code": "invalid_request", "message": refusal}
            batch["errors"] = {"object": "list", "data": [error]}
            return self._end(batch, "failed", [], [])
        batch["status"] = "in_progress"
        batch["in_progress_at"] = int(time.time())
        outputs: list[bytes] = []
        errors: list[bytes] = []
        # An expiring batch finishes only its first half; the rest is reported as expired.
        done = len(lines) // 2 if self.outcome == "expired" else len(lines)
        for number, line in enumerate(lines):
            entry = orjson.loads(line)
            custom_id = entry.get("custom_id")
            ok = False
            if number >= done:
                error = {"code": "batch_expired", "message": "This request could not be executed."}
                result = {"custom_id": custom_id, "response": None, "error": error}
            else:
                if custom_id in self.fail_custom_ids:
                    status, body = 400, _error(400, "This request was refused.").json
                else:
                    status, body = await self._execute(entry["url"], orjson.dumps(entry["body"]))
                request_id = f"req_batch_{batch['id']}_{number}"
                response = {"status_code": status, "request_id": request_id, "body": body}
                result = {"custom_id": custom_id, "response": response, "error": None}
                ok = status < 400
            (outputs if ok else errors).append(orjson.dumps({"id": f"r_{number}", **result}))
            batch["request_counts"]["completed" if ok else "failed"] += 1
            await asyncio.sleep(0)
            if batch["status"] == "cancelling":
                break
        status_now = batch["status"]
        final = "expired" if self.outcome == "expired" else "completed"
        self._end(batch, "cancelled" if status_now == "cancelling" else final, outputs, errors)

    def _end(
        self, batch: dict[str, Any], status: str, outputs: list[bytes], errors: list[bytes]
    ) -> None:
        for key, lines in (("output_file_id", outputs), ("error_file_id", errors)):
            if lines:
                content = b"\n".join(lines) + b"\n"
                name = f"{batch['id']}_{key.removesuffix('_file_id')}.jsonl"
                batch[key] = self.add_file(name, content, "batch_output")["id"]
        batch["status"] = status
        batch[f"{status}_at"] = int(time.time())
