"""The pure functions behind the client: durations, retry decisions, URLs, headers, bodies."""

from __future__ import annotations

import copy
import email.utils
import inspect
import pickle
import subprocess
import sys
from types import MappingProxyType
from urllib.parse import unquote

import attrs
import pytest
from multidict import CIMultiDict

import openai_async
from openai_async import (
    NOT_GIVEN,
    APIStatusError,
    BaseModel,
    ConfigurationError,
    InternalServerError,
    InvalidRequestError,
    NotGiven,
    RateLimitError,
    RateLimitInfo,
    RetryPolicy,
    Timeout,
)
from openai_async._exceptions import error_message, status_error_class
from openai_async._request import (
    build_url,
    check_api_key,
    encode_json,
    merge_headers,
    normalize_base_url,
    path_param,
    user_agent,
)
from openai_async._response import parse_duration
from openai_async._retry import backoff_delay, retry_after, retry_delay
from openai_async._types import Omit

# -- parse_duration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6m0s", 360.0),
        ("1.5s", 1.5),
        ("20ms", 0.02),
        ("6ms", 0.006),
        ("1m0s", 60.0),
        ("1h2m3.5s", 3723.5),
        ("0s", 0.0),
        ("100us", 1e-4),
        (".5s", 0.5),
        ("5", 5.0),
        ("0.25", 0.25),
        (" 2s ", 2.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", [None, "", "  ", "abc", "5x", "s", "ms", "1s2", "1m-2s", "-1s", "-5", "nan", "inf"]
)
def test_parse_duration_refuses_garbage(text):
    assert parse_duration(text) is None


# -- RateLimitInfo ------------------------------------------------------------------------


def test_rate_limit_info_from_headers():
    headers = CIMultiDict(
        {
            "X-RateLimit-Limit-Requests": "10000",
            "X-RateLimit-Limit-Tokens": "30000000",
            "X-RateLimit-Remaining-Requests": "9999",
            "X-RateLimit-Remaining-Tokens": "29999000",
            "X-RateLimit-Reset-Requests": "6ms",
            "X-RateLimit-Reset-Tokens": "1m0s",
        }
    )
    info = RateLimitInfo.from_headers(headers)
    assert info is not None
    assert (info.limit_requests, info.limit_tokens) == (10000, 30000000)
    assert (info.remaining_requests, info.remaining_tokens) == (9999, 29999000)
    assert info.reset_requests == pytest.approx(0.006)
    assert info.reset_tokens == 60.0


def test_rate_limit_info_partial_and_unreadable_values():
    info = RateLimitInfo.from_headers(
        {"x-ratelimit-remaining-tokens": "12", "x-ratelimit-limit-tokens": "many"}
    )
    assert info == RateLimitInfo(None, None, None, 12, None, None)


@pytest.mark.parametrize(
    "headers", [{}, {"content-type": "application/json"}, {"x-ratelimit-reset-tokens": "soon"}]
)
def test_rate_limit_info_is_none_without_usable_headers(headers):
    assert RateLimitInfo.from_headers(headers) is None


# -- retry_after ----------------------------------------------------------------------------

NOW = 1_700_000_000.0


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "0"}, 0.0),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "100", "retry-after": "20"}, 0.1),  # the precise header wins
        ({"retry-after-ms": "soon", "retry-after": "2"}, 2.0),  # unreadable ms: fall back
        ({"retry-after-ms": "-1", "retry-after": "2"}, 2.0),
        ({"retry-after": http_date(NOW + 120)}, 120.0),
        ({"retry-after": http_date(NOW - 120)}, 0.0),  # a date in the past: now
    ],
)
def test_retry_after(headers, seconds):
    assert retry_after(headers, now=lambda: NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    ["", " ", "soon", "-3", "nan", "inf", "Wed, 99 Foo 2015 07:28:00 GMT", "Mon, 1 Jan 2024"],
)
def test_retry_after_garbage_is_none(value):
    assert retry_after({"retry-after": value}, now=lambda: NOW) is None


def test_retry_after_absent_is_none():
    assert retry_after({}) is None
    assert retry_after({"retry-after-ms": "nan"}) is None


# -- backoff_delay and retry_delay --------------------------------------------------------

POLICY = RetryPolicy(base_delay=0.5, max_delay=8.0, jitter=0.25, max_retry_after=60.0)


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (10_000, 8.0)],
)
def test_backoff_doubles_and_is_capped(attempt, delay):
    assert backoff_delay(attempt, POLICY, rand=lambda: 0.0) == delay


def test_backoff_jitter_only_shortens():
    assert backoff_delay(1, POLICY, rand=lambda: 1.0) == pytest.approx(0.75)
    assert backoff_delay(1, POLICY, rand=lambda: 0.5) == pytest.approx(0.875)
    no_jitter = RetryPolicy(base_delay=0.5, jitter=0.0)
    assert backoff_delay(1, no_jitter, rand=lambda: 1.0) == 1.0


def decide(status, headers=None, *, attempt=0, max_retries=2, code=None):
    return retry_delay(
        attempt=attempt,
        max_retries=max_retries,
        policy=POLICY,
        status=status,
        headers=headers,
        error_code=code,
        rand=lambda: 0.0,
    )


@pytest.mark.parametrize("status", [None, 408, 409, 429, 500, 502, 503, 504, 599])
def test_transient_failures_are_retried_with_backoff(status):
    assert decide(status) == 0.5
    assert decide(status, attempt=1) == 1.0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 418, 422])
def test_client_errors_are_not_retried(status):
    assert decide(status) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"status": 500, "attempt": 2, "max_retries": 2}, None),  # retries used up
        ({"status": 500, "max_retries": 0}, None),
        ({"status": 429, "code": "insufficient_quota"}, None),  # never succeeds
        ({"status": 429, "code": "rate_limit_exceeded"}, 0.5),
        ({"status": 400, "headers": {"x-should-retry": "true"}}, 0.5),
        ({"status": 500, "headers": {"x-should-retry": "false"}}, None),
        ({"status": None, "headers": {"x-should-retry": "false"}}, None),
        ({"status": 429, "headers": {"retry-after": "3"}}, 3.0),
        ({"status": 503, "headers": {"retry-after-ms": "1500"}}, 1.5),
        ({"status": 429, "headers": {"retry-after": "61"}}, None),  # above max_retry_after
        ({"status": 429, "headers": {"retry-after": "60"}}, 60.0),
        ({"status": 400, "headers": {"retry-after": "1"}}, None),  # not retryable anyway
        ({"status": None, "headers": {"retry-after": "1"}}, 1.0),
    ],
)
def test_retry_delay_decision_table(kwargs, expected):
    assert decide(**kwargs) == expected


# -- URLs, headers and bodies -----------------------------------------------------------------


def test_build_url_joins_and_encodes():
    url = build_url(
        "https://api.example.com/v1",
        "/files",
        {"q": "a b&c=d/é", "flag": True, "off": False, "ids": ["x", "y"], "n": 3},
    )
    assert url == (
        "https://api.example.com/v1/files"
        "?q=a+b%26c%3Dd%2F%C3%A9&flag=true&off=false&ids=x&ids=y&n=3"
    )


def test_build_url_drops_none_and_not_given():
    base = "https://api.example.com/v1"
    assert build_url(base, "/models") == base + "/models"
    assert build_url(base, "/models", {}) == base + "/models"
    assert build_url(base, "/models", {"a": None, "b": NOT_GIVEN}) == base + "/models"
    assert build_url(base, "/models", {"a": None, "after": "m_1"}) == base + "/models?after=m_1"


def test_build_url_keeps_a_path_prefix():
    base = normalize_base_url("https://gateway.ai.cloudflare.com/v1/acct/gw/openai/")
    assert build_url(base, "/chat/completions", {"x": 1}) == (
        "https://gateway.ai.cloudflare.com/v1/acct/gw/openai/chat/completions?x=1"
    )


@pytest.mark.parametrize(
    "url",
    [
        "api.openai.com/v1",
        "ftp://host/v1",
        "http://",
        "https:///v1",
        "http://[::1",
        "https://host/openai?api-version=2024-10-21",
        "https://host/v1#frag",
        None,
    ],
)
def test_normalize_base_url_refuses_unusable_urls(url):
    with pytest.raises(ConfigurationError, match="base_url"):
        normalize_base_url(url)


def test_normalize_base_url_accepts_ipv6_and_ports():
    assert normalize_base_url("http://[::1]:8080/v1//") == "http://[::1]:8080/v1"


def test_merge_headers_overrides_case_insensitively():
    base = {"User-Agent": "sdk", "Authorization": "Bearer a"}
    merged = merge_headers(base, {"user-agent": "mine", "X-New": "1"})
    assert merged == {"Authorization": "Bearer a", "user-agent": "mine", "X-New": "1"}
    assert base == {"User-Agent": "sdk", "Authorization": "Bearer a"}  # not mutated


def test_merge_headers_removes_with_not_given():
    base = {"OpenAI-Organization": "org", "Accept": "application/json"}
    assert merge_headers(base, {"openai-organization": NOT_GIVEN}) == {"Accept": "application/json"}
    assert merge_headers(base, {"X-Absent": Omit()}) == base
    assert merge_headers(base, None) == base


def test_encode_json_extra_body_wins():
    body = {"model": "m", "temperature": 0.5, "n": 1}
    encoded = encode_json(body, {"temperature": None, "top_k": 5})
    assert encoded == b'{"model":"m","temperature":null,"n":1,"top_k":5}'
    assert body["temperature"] == 0.5  # not mutated


def test_encode_json_without_a_body():
    assert encode_json(None, None) is None
    assert encode_json(None, {}) is None
    assert encode_json(None, {"a": 1}) == b'{"a":1}'
    assert encode_json({}, None) == b"{}"


@pytest.mark.parametrize("value", [object(), {1j: 2}, 2**70, NOT_GIVEN, {"nested": {object()}}])
def test_encode_json_refuses_what_cannot_be_encoded(value):
    with pytest.raises(InvalidRequestError, match="cannot be encoded"):
        encode_json({"x": value}, None)


@attrs.define(slots=True, kw_only=True)
class _Point(BaseModel):
    x: int
    y: int | None = None


@attrs.define
class _Plain:
    a: int
    b: list[str]


def test_encode_json_serializes_models_and_iterables():
    point = _Point.from_dict({"x": 1, "y": None, "label": "new field"})
    body = {
        "model": point,
        "plain": _Plain(1, ["z"]),
        "gen": (i * i for i in range(3)),
        "tuple": (1, 2),
        "mapping": MappingProxyType({"k": "v"}),
        "logit_bias": {50256: -100, 42: 5},
    }
    assert encode_json(body, None) == (
        b'{"model":{"x":1,"label":"new field"},"plain":{"a":1,"b":["z"]},"gen":[0,1,4],'
        b'"tuple":[1,2],"mapping":{"k":"v"},"logit_bias":{"50256":-100,"42":5}}'
    )


def test_path_param_quotes_a_fine_tuned_model_id():
    model = "ft:gpt-4o:org:x:1"
    quoted = path_param(model, "model")
    assert unquote(quoted) == model
    assert set(quoted) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~%")


@pytest.mark.parametrize(
    ("value", "quoted"),
    [("a/b", "a%2Fb"), ("../x", "..%2Fx"), ("a?b#c", "a%3Fb%23c"), ("a b", "a%20b")],
)
def test_path_param_keeps_the_segment_whole(value, quoted):
    assert path_param(value, "id") == quoted


@pytest.mark.parametrize("value", ["", ".", "..", None, 5])
def test_path_param_refuses_values_that_change_the_route(value):
    with pytest.raises(InvalidRequestError, match="file_id"):
        path_param(value, "file_id")


@pytest.mark.parametrize("key", ["", "sk-a\n", " sk-a", "sk-a\r\nX: y", "sk-\x00", None, 5])
def test_check_api_key_refuses_unsendable_keys(key):
    with pytest.raises(ConfigurationError) as info:
        check_api_key(key)
    if isinstance(key, str) and key.strip():
        assert key.strip() not in str(info.value)


def test_check_api_key_accepts_a_key():
    assert check_api_key("sk-proj-abc_DEF-123") == "sk-proj-abc_DEF-123"


def test_user_agent_names_the_sdk_and_version():
    assert user_agent().startswith(f"openai_async/{openai_async.__version__} (Python 3.")


# -- options and the sentinel ------------------------------------------------------------------


def test_timeout_of():
    # A number is per attempt, as the official SDK means it: no total deadline.
    assert Timeout.of(2) == Timeout(connect=2, read=2, stream_idle=2, total=None)
    assert Timeout.of(0.5).total is None
    assert Timeout.of(None) == Timeout(connect=None, read=None, stream_idle=None, total=None)
    limits = Timeout(read=30)
    assert Timeout.of(limits) is limits


class _HttpxStyleTimeout:
    """What an ``httpx.Timeout`` looks like to us: four attributes (httpx is not imported)."""

    def __init__(self, connect, read, write, pool):
        self.connect, self.read, self.write, self.pool = connect, read, write, pool


def test_timeout_of_reads_an_httpx_style_timeout():
    limits = Timeout.of(_HttpxStyleTimeout(connect=5.0, read=60.0, write=10.0, pool=1.0))
    assert limits == Timeout(connect=5.0, read=60.0, stream_idle=60.0, total=None)
    assert Timeout.of(_HttpxStyleTimeout(None, None, None, None)) == Timeout.of(None)
    with pytest.raises(ConfigurationError, match=r"Timeout\.read"):
        Timeout.of(_HttpxStyleTimeout(5.0, -1, None, None))


@pytest.mark.parametrize("value", ["5", True, object()])
def test_timeout_of_refuses_other_values(value):
    with pytest.raises(ConfigurationError, match="timeout must be"):
        Timeout.of(value)


def test_timeout_defaults_have_no_total():
    limits = Timeout()
    assert (limits.connect, limits.read, limits.stream_idle, limits.total) == (
        5.0,
        600.0,
        600.0,
        None,
    )


@pytest.mark.parametrize("field", ["connect", "read", "stream_idle", "total"])
@pytest.mark.parametrize("value", [0, -1, float("nan"), "5", True])
def test_timeout_refuses_non_positive_or_non_numbers(field, value):
    with pytest.raises(ConfigurationError, match=rf"Timeout\.{field}"):
        Timeout(**{field: value})


@pytest.mark.parametrize(
    "kwargs", [{"base_delay": -1}, {"jitter": 1.5}, {"max_delay": "1"}, {"max_retry_after": None}]
)
def test_retry_policy_validation(kwargs):
    with pytest.raises(ConfigurationError, match="RetryPolicy"):
        RetryPolicy(**kwargs)


def test_not_given_is_a_falsy_singleton():
    assert NotGiven() is NOT_GIVEN
    assert Omit is NotGiven
    assert not NOT_GIVEN
    assert bool(NOT_GIVEN) is False
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert NOT_GIVEN is not None


def test_not_given_survives_pickle_and_copy():
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(NOT_GIVEN, protocol)) is NOT_GIVEN
    assert copy.copy(NOT_GIVEN) is NOT_GIVEN
    assert copy.deepcopy({"a": NOT_GIVEN})["a"] is NOT_GIVEN


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [(429, RateLimitError), (500, InternalServerError), (502, InternalServerError)],
)
def test_status_error_class(status, cls):
    assert status_error_class(status) is cls


@pytest.mark.parametrize("status", [402, 405, 413, 418, 451])
def test_unknown_4xx_statuses_are_plain_status_errors(status):
    assert status_error_class(status) is APIStatusError


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": {"message": "bad model", "type": "x"}}, "bad model"),
        ({"error": "plain string"}, "plain string"),
        ({"message": "top level"}, "top level"),
        ({"detail": "fastapi style"}, "fastapi style"),
        ({"detail": [{"loc": ["body"], "msg": "field required"}]}, "field required"),
        ({"error": {"message": ""}}, "fallback"),
        ("just text", "fallback"),
        (None, "fallback"),
    ],
)
def test_error_message_reads_every_common_shape(body, message):
    assert message in error_message(body, "fallback")


# -- the public API ----------------------------------------------------------------------------


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then the rest."""
    if name.isupper():
        return (0, name)
    return (1 if name[:1].isupper() else 2, name)


def test_all_is_sorted_and_unique():
    names = openai_async.__all__
    assert names == sorted(names, key=_isort_key)
    assert len(set(names)) == len(names)


def test_all_names_are_importable():
    namespace: dict[str, object] = {}
    exec("from openai_async import *", namespace)
    assert set(openai_async.__all__) <= set(namespace)


def test_every_public_name_is_in_all():
    public = {
        name
        for name, value in vars(openai_async).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public <= set(openai_async.__all__)
    assert "__version__" in openai_async.__all__


def test_import_loads_neither_aiohttp_cattrs_nor_the_lib_helpers():
    code = (
        "import sys, openai_async; "
        "loaded = [m for m in ('aiohttp', 'cattrs', 'pydantic', 'openai_async.lib.chat_stream', "
        "'openai_async.lib.structured', 'openai_async.lib.responses') if m in sys.modules]; "
        "print(loaded); "
        "openai_async.json_schema; openai_async.pydantic_function_tool; "
        "print('openai_async.lib.structured' in sys.modules, 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # pydantic is an optional dependency, imported only when a pydantic class is given
    assert out.stdout.split() == ["[]", "True", "False"]


def test_touching_resources_loads_no_lib_helper_until_a_helper_is_called():
    # client.chat's module names parse()/stream() helpers: their modules (structured
    # outputs, cattrs) load when one is called, not with the resource; so do the
    # embedding jobs of embeddings.create_many / iter_many.
    code = (
        "import sys; from openai_async import AsyncClient; c = AsyncClient(api_key='x'); "
        "c.chat.completions; c.responses; c.beta.threads.runs; c.vector_stores.files; "
        "c.embeddings.create; "
        "print([m for m in ('cattrs', 'openai_async.lib.chat', 'openai_async.lib.structured', "
        "'openai_async.lib.responses', 'openai_async.lib.assistant_stream', "
        "'openai_async.lib.embedding_jobs') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]"]
