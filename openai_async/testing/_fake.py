"""Deterministic fake content: default replies, text splitting, token counts, logprobs, embeddings."""

from __future__ import annotations

import base64
import hashlib
import math
import random
import re
import struct
import zlib
from typing import Any

GREETING = "Hello from the openai_async local server."


def text_of(content: Any) -> str:
    """The text of a message's content: a string or a list of parts (only text parts count)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def default_chat_text(messages: Any) -> str:
    """The reply used when none is queued: a greeting echoing the last user message."""
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return f"{GREETING} You said: {text_of(message.get('content'))}"
    return GREETING


def default_completion_text(prompt: Any) -> str:
    """The completion used when none is queued: a greeting echoing a string prompt."""
    if isinstance(prompt, list) and prompt and isinstance(prompt[0], str):
        prompt = prompt[0]
    if isinstance(prompt, str):
        return f"{GREETING} You said: {prompt}"
    return GREETING


def split_text(text: str, chunk_size: int | None = None) -> list[str]:
    """Split into `chunk_size`-character pieces, or word by word (leading spaces kept, like tokens)."""
    if chunk_size is not None:
        return [text[i : i + chunk_size] for i in range(0, len(text), max(1, chunk_size))]
    pieces: list[str] = re.findall(r"\s*\S+", text)
    tail = text[sum(map(len, pieces)) :]
    if tail:
        pieces.append(tail)
    return pieces


def count_tokens(text: str) -> int:
    """A rough token count (about four characters per token)."""
    return (len(text) + 3) // 4


def _logprob(token: str) -> float:
    return -round((zlib.crc32(token.encode()) % 1000) / 997, 6)


def token_logprob(token: str, top_logprobs: int) -> dict[str, Any]:
    """A well-formed `ChatCompletionTokenLogprob` with `top_logprobs` alternatives."""
    logprob = _logprob(token)
    top = [{"token": token, "logprob": logprob, "bytes": list(token.encode())}]
    for k in range(1, top_logprobs):
        alternative = f"{token.strip() or '_'}#{k}"
        top.append(
            {"token": alternative, "logprob": logprob - k, "bytes": list(alternative.encode())}
        )
    return {
        "token": token,
        "logprob": logprob,
        "bytes": list(token.encode()),
        "top_logprobs": top[:top_logprobs],
    }


def embedding(key: bytes, dimensions: int) -> list[float]:
    """A unit-length vector seeded from a hash of `key`."""
    seed = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")
    rng = random.Random(seed)
    vector = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def to_base64(vector: list[float]) -> str:
    """Base64 of little-endian float32, as the API's `encoding_format="base64"`."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
