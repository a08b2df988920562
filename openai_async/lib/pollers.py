"""Pollers: wait for runs, vector store files and file batches, batches and files to finish.

(Being written: interfaces fixed, bodies to come.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .._resource import AsyncAPIResource

if TYPE_CHECKING:
    from ..models.assistants import Run
    from ..models.vector_stores import VectorStoreFile, VectorStoreFileBatch

__all__ = [
    "AsyncFileBatchesHelpers",
    "AsyncFilesHelpers",
    "AsyncRunsHelpers",
    "AsyncVectorStoreFilesHelpers",
    "poll_file_batch",
    "poll_run",
    "poll_vector_store_file",
]


async def poll_run(
    resource: AsyncAPIResource,
    start: Callable[[], Awaitable[Run]],
    *,
    poll_interval: float = 1.0,
    timeout: float | None = None,
) -> Run:
    raise NotImplementedError


async def poll_vector_store_file(
    resource: AsyncAPIResource,
    start: Callable[[], Awaitable[VectorStoreFile]],
    *,
    poll_interval: float = 1.0,
    timeout: float | None = None,
) -> VectorStoreFile:
    raise NotImplementedError


async def poll_file_batch(
    resource: AsyncAPIResource,
    start: Callable[[], Awaitable[VectorStoreFileBatch]],
    *,
    poll_interval: float = 1.0,
    timeout: float | None = None,
) -> VectorStoreFileBatch:
    raise NotImplementedError


class AsyncRunsHelpers(AsyncAPIResource):
    """``runs.poll``."""


class AsyncFilesHelpers(AsyncAPIResource):
    """``files.wait_for_processing``."""


class AsyncVectorStoreFilesHelpers(AsyncAPIResource):
    """``vector_stores.files.poll`` / ``upload_and_poll``."""


class AsyncFileBatchesHelpers(AsyncAPIResource):
    """``vector_stores.file_batches.poll`` / ``upload_and_poll``."""
