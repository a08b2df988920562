"""Hand-written helpers on top of the resources: embedding jobs of many inputs, Batch API files.

``client.embeddings.create_many`` / ``iter_many`` (:mod:`.embeddings`, a mixin of the
generated resource class) run on :mod:`.embedding_jobs`; the Batch API's request files
and result merging are in :mod:`.batch_jobs`. The names below load on first use: importing
one helper module does not load the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .embedding_jobs import AsyncResultIterator, EmbeddingIterator, JobProgress

__all__ = ["AsyncResultIterator", "EmbeddingIterator", "JobProgress"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(".embedding_jobs", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
