"""Shared fixtures: a local OpenAI-compatible server and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from openai_async import AsyncClient, RetryPolicy
from openai_async.testing import LocalServer

API_KEY = "sk-test-0123456789"
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's real settings."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_ADMIN_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "OPENAI_WEBHOOK_SECRET",
        "OPENAI_CUSTOM_HEADERS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    async with LocalServer(api_key=API_KEY) as srv:
        yield srv


@pytest.fixture
async def client(server: LocalServer) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        api_key=API_KEY, base_url=server.base_url, retry_policy=FAST_RETRIES
    ) as c:
        yield c


@pytest.fixture
def threaded_server() -> Iterator[LocalServer]:
    with LocalServer.threaded(api_key=API_KEY) as srv:
        yield srv
