"""The legacy endpoints of ``scripts/legacy_openapi.yaml``, answered by the local server.

Edits, engines, legacy fine-tunes and the Assistants v1 file endpoints, with just enough
state (fine-tunes, assistant and message files) for the SDK's legacy methods to be tested
through a real socket. No I/O here: ``LocalServer`` passes each request in.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["LegacyRoutes"]

CREATED = 1700000000
BETA_V1 = "assistants=v1"
Answer = tuple[int, Any]

_ENGINE = re.compile(r"/v1/engines/([^/]+)")
_FINE_TUNE = re.compile(r"/v1/fine-tunes/([^/]+)(/cancel|/events)?")
_ASSISTANT_FILES = re.compile(r"/v1/assistants/([^/]+)/files(?:/([^/]+))?")
_MESSAGE_FILES = re.compile(r"/v1/threads/([^/]+)/messages/([^/]+)/files(?:/([^/]+))?")


def _error(status: int, message: str, param: str | None = None) -> Answer:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return status, {"error": error}


def _page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": False,
    }


class LegacyRoutes:
    """State and answers of the legacy endpoints (``server.legacy``)."""

    def __init__(self, models: Mapping[str, Mapping[str, Any]]) -> None:
        self._models = models
        self._ids = itertools.count(1)
        self.fine_tunes: dict[str, dict[str, Any]] = {}
        self.assistant_files: dict[str, dict[str, dict[str, Any]]] = {}
        self.message_files: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}

    def attach_message_file(self, thread_id: str, message_id: str, file_id: str) -> None:
        """Attach a file to a message (the v1 API attached them when creating messages)."""
        files = self.message_files.setdefault((thread_id, message_id), {})
        files[file_id] = {
            "id": file_id,
            "object": "thread.message.file",
            "created_at": CREATED,
            "message_id": message_id,
        }

    def answer(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Callable[..., dict[str, Any]],
    ) -> Answer | None:
        """(status, JSON payload) for a legacy route; ``None`` when the path is not one.

        ``body(*required)`` reads the JSON body, checking required parameters.
        """
        if method == "POST" and path == "/v1/edits":
            return self._edit(body("model", "instruction"))
        if method == "GET" and path == "/v1/engines":
            return 200, {"object": "list", "data": [self._engine(m) for m in self._models]}
        if (match := _ENGINE.fullmatch(path)) and method == "GET":
            name = match.group(1)
            if name not in self._models:
                return _error(404, f"No engine with id {name}", "engine_id")
            return 200, self._engine(name)
        if path == "/v1/fine-tunes":
            if method == "POST":
                return self._create_fine_tune(body("training_file"))
            if method == "GET":
                return 200, {"object": "list", "data": list(self.fine_tunes.values())}
        if match := _FINE_TUNE.fullmatch(path):
            return self._fine_tune(method, *match.groups())
        files = _ASSISTANT_FILES.fullmatch(path)
        message_files = _MESSAGE_FILES.fullmatch(path)
        if (files or message_files) and headers.get("OpenAI-Beta") != BETA_V1:
            return _error(400, f"This endpoint needs the header 'OpenAI-Beta: {BETA_V1}'.")
        if files:
            return self._assistant_files(method, files[1], files[2], body)
        if message_files:
            return self._message_files(method, *message_files.groups())
        return None

    # -- the endpoints -------------------------------------------------------------------

    def _engine(self, name: str) -> dict[str, Any]:
        owner = self._models[name].get("owned_by", "openai")
        return {"id": name, "object": "engine", "owner": owner, "ready": True}

    def _edit(self, payload: dict[str, Any]) -> Answer:
        text = str(payload.get("input") or "")
        n = int(payload.get("n") or 1)
        tokens = len(text.split()) + len(str(payload["instruction"]).split())
        return 200, {
            "object": "edit",
            "created": CREATED,
            "choices": [{"index": i, "text": text} for i in range(n)],
            "usage": {
                "prompt_tokens": tokens,
                "completion_tokens": len(text.split()) * n,
                "total_tokens": tokens + len(text.split()) * n,
            },
        }

    def _event(self, message: str) -> dict[str, Any]:
        return {
            "object": "fine-tune-event",
            "created_at": CREATED,
            "level": "info",
            "message": message,
        }

    def _create_fine_tune(self, payload: dict[str, Any]) -> Answer:
        ft_id = f"ft-{next(self._ids)}"
        file = {"id": payload["training_file"], "object": "file", "purpose": "fine-tune"}
        self.fine_tunes[ft_id] = {
            "id": ft_id,
            "object": "fine-tune",
            "model": payload.get("model", "curie"),
            "created_at": CREATED,
            "updated_at": CREATED,
            "fine_tuned_model": None,
            "organization_id": "org-local",
            "status": "pending",
            "hyperparams": {
                "batch_size": payload.get("batch_size"),
                "learning_rate_multiplier": payload.get("learning_rate_multiplier"),
                "n_epochs": payload.get("n_epochs", 4),
                "prompt_loss_weight": payload.get("prompt_loss_weight", 0.01),
            },
            "training_files": [file],
            "validation_files": [],
            "result_files": [],
            "events": [self._event(f"Created fine-tune: {ft_id}")],
        }
        return 200, self.fine_tunes[ft_id]

    def _fine_tune(self, method: str, ft_id: str, action: str | None) -> Answer:
        job = self.fine_tunes.get(ft_id)
        if job is None:
            return _error(404, f"No fine-tune job: {ft_id}", "fine_tune_id")
        if method == "GET" and action is None:
            return 200, job
        if method == "POST" and action == "/cancel":
            job["status"] = "cancelled"
            job["events"].append(self._event("Fine-tune cancelled"))
            return 200, job
        if method == "GET" and action == "/events":
            return 200, {"object": "list", "data": job["events"]}
        return _error(405, f"{method} is not allowed here")

    def _assistant_files(
        self,
        method: str,
        assistant_id: str,
        file_id: str | None,
        body: Callable[..., dict[str, Any]],
    ) -> Answer:
        files = self.assistant_files.setdefault(assistant_id, {})
        if file_id is None:
            if method == "POST":
                new_id = str(body("file_id")["file_id"])
                files[new_id] = {
                    "id": new_id,
                    "object": "assistant.file",
                    "created_at": CREATED,
                    "assistant_id": assistant_id,
                }
                return 200, files[new_id]
            if method == "GET":
                return 200, _page(list(files.values()))
        elif file_id not in files:
            return _error(404, f"No file found with id '{file_id}'.", "file_id")
        elif method == "GET":
            return 200, files[file_id]
        elif method == "DELETE":
            del files[file_id]
            return 200, {"id": file_id, "object": "assistant.file.deleted", "deleted": True}
        return _error(405, f"{method} is not allowed here")

    def _message_files(
        self, method: str, thread_id: str, message_id: str, file_id: str | None
    ) -> Answer:
        if method != "GET":
            return _error(405, f"{method} is not allowed here")
        files = self.message_files.get((thread_id, message_id), {})
        if file_id is None:
            return 200, _page(list(files.values()))
        if file_id not in files:
            return _error(404, f"No file found with id '{file_id}'.", "file_id")
        return 200, files[file_id]
