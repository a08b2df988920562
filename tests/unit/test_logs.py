"""The redacting filter on the ``openai_async`` logger (no I/O)."""

from __future__ import annotations

import logging

import pytest

from openai_async._logs import RedactingFilter

KEY = "sk-proj-0123456789abcdef"


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("openai_async", logging.DEBUG, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    "rec",
    [
        record("headers %s", {"Authorization": f"Bearer {KEY}", "Accept": "*/*"}),
        record("headers %(headers)s", {"headers": {"api-key": KEY}}),
        record(f"sending with Authorization: Bearer {KEY}"),
        record("key %s in a message", KEY),
    ],
)
def test_credentials_are_redacted(rec):
    assert RedactingFilter().filter(rec)
    text = rec.getMessage()
    assert KEY not in text
    assert "<redacted>" in text


def test_other_records_are_left_alone():
    rec = record("retrying %s %s in %.3f s", "POST", "/chat/completions", 0.5)
    RedactingFilter().filter(rec)
    assert rec.getMessage() == "retrying POST /chat/completions in 0.500 s"


def test_the_package_logger_has_the_filter():
    import openai_async  # noqa: F401  (configures the logger on import)

    logger = logging.getLogger("openai_async")
    assert any(isinstance(f, RedactingFilter) for f in logger.filters)
