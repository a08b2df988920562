"""``OPENAI_LOG=info|debug``: the ``openai_async`` logger configured as the official SDK
configures ``openai`` (a basic stderr handler, that level), credentials redacted."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping

from ._response import REDACTED, SECRET_HEADERS

__all__ = ["RedactingFilter", "setup_logging"]

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
# A bearer token or an API key written out in a message.
_SECRET_TEXT = re.compile(r"(?i)(bearer\s+)[^\s'\",]+|\bsk-[A-Za-z0-9_\-]{8,}")


def _redact_text(text: str) -> str:
    return _SECRET_TEXT.sub(lambda m: (m.group(1) or "") + REDACTED, text)


def _redact(value: object) -> object:
    if isinstance(value, Mapping):
        return {
            k: REDACTED if str(k).lower() in SECRET_HEADERS else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, str):
        return _redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Replaces credential header values (``Authorization``, ``api-key`` ...) in mapping
    arguments, and bearer tokens or ``sk-`` keys in the message and its string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _redact_text(record.msg)
        if isinstance(record.args, Mapping):
            record.args = _redact(record.args)  # type: ignore[assignment]
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact(a) for a in record.args)
        return True


def setup_logging() -> None:
    """Called once on import: the official SDK's ``OPENAI_LOG`` switch, for our logger."""
    logger = logging.getLogger("openai_async")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    level = _LEVELS.get(os.environ.get("OPENAI_LOG", "").strip().lower())
    if level is None:
        return
    logging.basicConfig(
        format="[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    logger.setLevel(level)
