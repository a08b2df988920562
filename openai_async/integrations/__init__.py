"""Integrations with other engines, each behind an optional extra (``openai_async[ray]``).

Import the submodule itself, e.g. ``from openai_async.integrations.ray import embed_dataset``.
"""
