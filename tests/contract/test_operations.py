"""Every operation of the spec through the SDK against Steady (see conftest.py).

Each case (``_cases.py``) calls the method the operation table names with minimal valid
arguments. Steady must accept the request (a 400 carries its ``E3xxx`` diagnostics) and
the answer must decode into the declared model, or be read as binary or as a stream.
A missing SDK method fails its case. ``test_raw_request`` sends the same arguments
through ``AsyncClient.request_json`` to tell an SDK bug from a bad case.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import openai_async.models as models_pkg
from openai_async import AsyncClient, BadRequestError, Client, IncompleteStreamError
from openai_async._converter import converter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cases import API_KEY, Case, cases, sync_sample

CASES = cases()
LEGACY_CASES = cases(legacy=True)
STEADY_SSE = (
    "Steady limitation: its SSE answer is random events of the union, then `event: done` "
    "with `data: {}`, never the kind's terminal event, so the SDK raises IncompleteStreamError"
)
# Known failures by case id: (category, the exception the case fails with).
KNOWN: dict[str, tuple[str, type[BaseException]]] = {
    **dict.fromkeys(
        [
            "beta_createResponse[stream]",
            "createImage[stream]",
            "createImageEdit[stream]",
            "createResponse[stream]",
            "createSpeech[stream]",
            "createTranscription[stream]",
        ],
        (STEADY_SSE, IncompleteStreamError),
    ),
}


def _params(selected: list[Case]) -> list[Any]:
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN[c.id][0], raises=KNOWN[c.id][1])],
        )
        if c.id in KNOWN
        else pytest.param(c, id=c.id)
        for c in selected
    ]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(steady_url: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(api_key=API_KEY, base_url=steady_url, max_retries=0) as c:
        yield c


def _method(root: object, case: Case) -> Any:
    target = root
    for part in case.sdk.split("."):
        target = getattr(target, part, None)
        if target is None:
            pytest.fail(f"{type(root).__name__}.{case.sdk} is missing ({case.operation_id})")
    return target


def _warns_if(deprecated: bool) -> contextlib.AbstractContextManager[Any]:
    """A deprecated operation's method must warn; others must not (warnings are errors)."""
    return pytest.warns(DeprecationWarning) if deprecated else contextlib.nullcontext()


def _accepted(info: Any) -> None:
    """Steady found nothing wrong with the request (it says so in a header)."""
    if info is not None:
        assert info.headers.get("x-steady-request-valid") == "true", dict(info.headers)


def _rejected(exc: BadRequestError) -> str:
    return f"Steady rejected the request: {exc.body!r}"


def _check_json(result: Any, case: Case) -> None:
    cls = getattr(models_pkg, case.response_class) if case.response_class else None
    raw = getattr(result, "raw", None)
    if hasattr(result, "data") and isinstance(raw, dict) and cls is not None:  # a page
        assert len(result.data) == len(raw.get("data") or [])
        assert all(not isinstance(item, dict) or item == {} for item in result.data)
        converter.structure(raw, cls)
    elif cls is not None:
        assert isinstance(result, cls), f"{type(result).__name__} is not {cls.__name__}"
    else:
        assert result is not None


async def _exercise(client: AsyncClient, case: Case) -> None:
    """Call the case's SDK method; check Steady accepted it and the answer decodes."""
    assert case.sdk, f"{case.operation_id} is not in scripts/operations.toml"
    method = _method(client, case)
    try:
        with _warns_if(case.deprecated):
            result = method(**case.kwargs)
            if inspect.isawaitable(result):
                result = await result
        if case.kind == "stream":
            events = [event async for event in result]
            assert events, "the stream delivered no events"
            assert not any(isinstance(event, dict) for event in events)
        elif case.kind == "binary":
            data = await result.read()
            assert isinstance(data, bytes)
        elif case.kind == "json":
            _check_json(result, case)
        _accepted(getattr(result, "response_info", None))
    except BadRequestError as exc:
        pytest.fail(_rejected(exc))


@pytest.mark.anyio
@pytest.mark.parametrize("case", _params(CASES))
async def test_operation(client: AsyncClient, case: Case) -> None:
    await _exercise(client, case)


@pytest.mark.anyio
@pytest.mark.parametrize("case", _params(LEGACY_CASES))
async def test_legacy_operation(steady_legacy_url: str, case: Case) -> None:
    """The legacy methods against Steady serving scripts/legacy_openapi.yaml."""
    async with AsyncClient(api_key=API_KEY, base_url=steady_legacy_url, max_retries=0) as client:
        await _exercise(client, case)


@pytest.mark.parametrize("case", _params(sync_sample(CASES)))
def test_operation_sync(steady_url: str, case: Case) -> None:
    with Client(api_key=API_KEY, base_url=steady_url, max_retries=0) as client:
        method = _method(client, case)
        try:
            with _warns_if(case.deprecated):
                result = method(**case.kwargs)
            if case.kind == "binary":
                assert isinstance(result.read(), bytes)
            elif hasattr(result, "has_next_page"):  # a list: its first page (Steady's
                assert isinstance(result.data, list)  # random has_more never ends)
            elif case.kind == "json" and case.response_class:
                assert isinstance(result, getattr(models_pkg, case.response_class))
        except BadRequestError as exc:
            pytest.fail(_rejected(exc))


RAW = [c for c in CASES if not c.multipart and c.kind in ("json", "empty")]


@pytest.mark.anyio
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in RAW])
async def test_raw_request(client: AsyncClient, case: Case) -> None:
    """The case's arguments are valid for the spec, sent without the generated methods."""
    try:
        data, info = await client.request_json(
            case.method, case.url, body=case.json_body, query=case.query or None
        )
    except BadRequestError as exc:
        pytest.fail(_rejected(exc))
    _accepted(info)
    if case.response_class:
        converter.structure(data, getattr(models_pkg, case.response_class))


@pytest.mark.anyio
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in LEGACY_CASES])
async def test_legacy_raw_request(steady_legacy_url: str, case: Case) -> None:
    """The legacy spec serves, and the legacy cases are valid for it."""
    async with AsyncClient(api_key=API_KEY, base_url=steady_legacy_url, max_retries=0) as client:
        try:
            _, info = await client.request_json(
                case.method, case.url, body=case.json_body, query=case.query or None
            )
        except BadRequestError as exc:
            pytest.fail(_rejected(exc))
    _accepted(info)
