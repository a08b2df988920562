"""Hand-written helpers on top of the resources: embedding jobs of many inputs, Batch API files.

``client.embeddings.create_many`` / ``iter_many`` (:mod:`.embeddings`, a mixin of the
generated resource class) run on :mod:`.embedding_jobs`; the Batch API's request files
and result merging are in :mod:`.batch_jobs`.
"""

from .embedding_jobs import AsyncResultIterator, EmbeddingIterator, JobProgress

__all__ = ["AsyncResultIterator", "EmbeddingIterator", "JobProgress"]
