"""Webhook signature checks and event parsing (no I/O; the clock is injected)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson
import pytest

from openai_async import (
    APIResponseValidationError,
    ConfigurationError,
    InvalidRequestError,
    InvalidWebhookSignatureError,
    OpenAIError,
    UnknownVariant,
)
from openai_async.lib.webhooks import WebhookEvent, Webhooks
from openai_async.models import webhooks as webhook_models
from openai_async.models.webhooks import (
    WebhookBatchCompleted,
    WebhookFineTuningJobFailed,
    WebhookRealtimeCallIncoming,
    WebhookResponseCompleted,
)
from openai_async.testing import sign_webhook

NOW = 1_750_000_000
KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
BODY = orjson.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "created_at": NOW,
        "type": "response.completed",
        "data": {"id": "resp_1"},
    }
)


@pytest.fixture(autouse=True)
def _no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)


@pytest.fixture
def webhooks() -> Webhooks:
    return Webhooks(now=lambda: NOW)


def reference_signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks scheme written out independently of the SDK."""
    signed = webhook_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(body: bytes = BODY, *, secret: str = SECRET, timestamp: int = NOW) -> dict[str, str]:
    return sign_webhook(body, secret=secret, webhook_id="msg_1", timestamp=timestamp)


def test_the_error_is_a_value_error_in_our_tree():
    assert issubclass(InvalidWebhookSignatureError, ValueError)
    assert issubclass(InvalidWebhookSignatureError, OpenAIError)


def test_signer_matches_the_standard_webhooks_scheme():
    assert headers() == {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": "v1," + reference_signature(KEY, "msg_1", NOW, BODY),
    }


def test_signer_defaults_to_a_fresh_id_and_now():
    first, second = sign_webhook(BODY, secret=SECRET), sign_webhook(BODY, secret=SECRET)
    assert first["webhook-id"].startswith("msg_")
    assert first["webhook-id"] != second["webhook-id"]
    Webhooks().verify_signature(BODY, first, secret=SECRET)  # the real clock: signed just now


def test_valid_signature_passes_for_bytes_and_str(webhooks: Webhooks):
    webhooks.verify_signature(BODY, headers(), secret=SECRET)
    webhooks.verify_signature(BODY.decode(), headers(), secret=SECRET)


def test_forged_body_is_refused(webhooks: Webhooks):
    forged = BODY.replace(b"resp_1", b"resp_2")
    with pytest.raises(InvalidWebhookSignatureError, match="no webhook signature matches"):
        webhooks.verify_signature(forged, headers(), secret=SECRET)


def test_wrong_secret_is_refused_and_not_shown(webhooks: Webhooks):
    other = "whsec_" + base64.b64encode(b"another key of thirty-two bytes!").decode()
    with pytest.raises(InvalidWebhookSignatureError) as info:
        webhooks.verify_signature(BODY, headers(), secret=other)
    assert other not in str(info.value) and SECRET not in str(info.value)


def test_secret_without_prefix_is_used_as_utf8_bytes(webhooks: Webhooks):
    raw = "plain-secret"
    sent = sign_webhook(BODY, secret=raw, webhook_id="msg_1", timestamp=NOW)
    assert sent["webhook-signature"] == "v1," + reference_signature(
        raw.encode(), "msg_1", NOW, BODY
    )
    webhooks.verify_signature(BODY, sent, secret=raw)
    # the prefixed form is base64-decoded: the same text with the prefix is another key
    with pytest.raises(InvalidWebhookSignatureError):
        webhooks.verify_signature(BODY, sent, secret="whsec_" + base64.b64encode(b"x").decode())


@pytest.mark.parametrize("secret", ["", "whsec_", "whsec_not*base64!"])
def test_unusable_secret_is_a_configuration_error(webhooks: Webhooks, secret: str):
    with pytest.raises(ConfigurationError) as info:
        webhooks.verify_signature(BODY, headers(), secret=secret)
    assert isinstance(info.value, ValueError)
    if secret.endswith("!"):
        assert "not*base64" not in str(info.value)


@pytest.mark.parametrize("age", [0, 299, 300])
def test_timestamp_up_to_the_tolerance_passes(webhooks: Webhooks, age: int):
    webhooks.verify_signature(BODY, headers(timestamp=NOW - age), secret=SECRET)
    webhooks.verify_signature(BODY, headers(timestamp=NOW + age), secret=SECRET)


def test_timestamp_past_the_tolerance_is_too_old(webhooks: Webhooks):
    with pytest.raises(InvalidWebhookSignatureError, match="too old"):
        webhooks.verify_signature(BODY, headers(timestamp=NOW - 301), secret=SECRET)


def test_timestamp_past_the_tolerance_is_too_new(webhooks: Webhooks):
    with pytest.raises(InvalidWebhookSignatureError, match="too new"):
        webhooks.verify_signature(BODY, headers(timestamp=NOW + 301), secret=SECRET)


def test_tolerance_is_a_parameter(webhooks: Webhooks):
    sent = headers(timestamp=NOW - 10)
    webhooks.verify_signature(BODY, sent, secret=SECRET, tolerance=10)
    with pytest.raises(InvalidWebhookSignatureError, match="too old"):
        webhooks.verify_signature(BODY, sent, secret=SECRET, tolerance=9)


def test_the_clock_is_read_at_each_call():
    clock = [NOW]
    webhooks = Webhooks(now=lambda: clock[0])
    webhooks.verify_signature(BODY, headers(), secret=SECRET)
    clock[0] = NOW + 301
    with pytest.raises(InvalidWebhookSignatureError, match="too old"):
        webhooks.verify_signature(BODY, headers(), secret=SECRET)


def test_timestamp_that_is_not_an_integer_is_refused(webhooks: Webhooks):
    sent = {**headers(), "webhook-timestamp": "soon"}
    with pytest.raises(InvalidWebhookSignatureError, match="not a Unix time"):
        webhooks.verify_signature(BODY, sent, secret=SECRET)


def test_one_valid_signature_among_several_is_enough(webhooks: Webhooks):
    good = headers()["webhook-signature"]
    bad = "v1," + reference_signature(b"old key", "msg_1", NOW, BODY)
    sent = {**headers(), "webhook-signature": f"{bad} v1,!!notbase64 {good}"}
    webhooks.verify_signature(BODY, sent, secret=SECRET)


def test_entries_other_than_v1_are_ignored(webhooks: Webhooks):
    good = headers()["webhook-signature"].removeprefix("v1,")
    for value in (f"v1a,{good}", good, f"v2,{good}"):
        with pytest.raises(InvalidWebhookSignatureError, match="no v1 signature"):
            webhooks.verify_signature(
                BODY, {**headers(), "webhook-signature": value}, secret=SECRET
            )


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_each_missing_header_is_named(webhooks: Webhooks, missing: str):
    sent = {k: v for k, v in headers().items() if k != missing}
    with pytest.raises(InvalidWebhookSignatureError, match=f"has no {missing} header$"):
        webhooks.verify_signature(BODY, sent, secret=SECRET)


def test_an_empty_header_counts_as_missing(webhooks: Webhooks):
    with pytest.raises(InvalidWebhookSignatureError, match="has no webhook-id header"):
        webhooks.verify_signature(BODY, {**headers(), "webhook-id": ""}, secret=SECRET)


def test_all_missing_headers_are_named_at_once(webhooks: Webhooks):
    with pytest.raises(InvalidWebhookSignatureError, match="webhook-id, webhook-timestamp, "):
        webhooks.verify_signature(BODY, {}, secret=SECRET)


def test_header_names_match_in_any_case(webhooks: Webhooks):
    sent = {k.title(): v for k, v in headers().items()}
    assert "Webhook-Id" in sent
    webhooks.verify_signature(BODY, sent, secret=SECRET)
    webhooks.verify_signature(BODY, {k.upper(): v for k, v in sent.items()}, secret=SECRET)


def test_a_parsed_payload_is_refused_with_a_hint(webhooks: Webhooks):
    with pytest.raises(InvalidRequestError, match="raw body"):
        webhooks.verify_signature(orjson.loads(BODY), headers(), secret=SECRET)  # type: ignore[arg-type]


def test_the_id_is_part_of_what_is_signed(webhooks: Webhooks):
    with pytest.raises(InvalidWebhookSignatureError):
        webhooks.verify_signature(BODY, {**headers(), "webhook-id": "msg_2"}, secret=SECRET)


def test_no_secret_anywhere_is_a_configuration_error(webhooks: Webhooks):
    with pytest.raises(ConfigurationError, match="OPENAI_WEBHOOK_SECRET"):
        webhooks.verify_signature(BODY, headers())


def test_secret_from_the_environment(webhooks: Webhooks, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    webhooks.verify_signature(BODY, headers())
    with pytest.raises(InvalidWebhookSignatureError):  # the argument wins
        webhooks.verify_signature(BODY, headers(), secret="another")


def event(type_: str, data: dict[str, object]) -> bytes:
    return orjson.dumps(
        {"id": "evt_9", "object": "event", "created_at": NOW, "type": type_, "data": data}
    )


@pytest.mark.parametrize(
    ("type_", "data", "cls"),
    [
        ("response.completed", {"id": "resp_1"}, WebhookResponseCompleted),
        ("batch.completed", {"id": "batch_1"}, WebhookBatchCompleted),
        ("fine_tuning.job.failed", {"id": "ftjob_1"}, WebhookFineTuningJobFailed),
        (
            "realtime.call.incoming",
            {"call_id": "rtc_1", "sip_headers": [{"name": "From", "value": "sip:a@b"}]},
            WebhookRealtimeCallIncoming,
        ),
    ],
)
def test_unwrap_returns_the_class_the_type_names(
    webhooks: Webhooks, type_: str, data: dict[str, object], cls: type
):
    body = event(type_, data)
    result = webhooks.unwrap(body, headers(body), secret=SECRET)
    assert type(result) is cls
    assert result.to_dict() == orjson.loads(body)


def test_unwrap_keeps_the_nested_data_typed(webhooks: Webhooks):
    body = event(
        "realtime.call.incoming",
        {"call_id": "rtc_1", "sip_headers": [{"name": "From", "value": "sip:a@b"}]},
    )
    result = webhooks.unwrap(body, headers(body), secret=SECRET)
    assert isinstance(result, WebhookRealtimeCallIncoming)
    assert result.data.sip_headers[0].value == "sip:a@b"


def test_unwrap_gives_an_unknown_type_as_unknown_variant(webhooks: Webhooks):
    body = event("agent.session.idle", {"id": "sess_1"})
    result = webhooks.unwrap(body, headers(body), secret=SECRET)
    assert isinstance(result, UnknownVariant)
    assert result.type == "agent.session.idle"
    assert result.raw == orjson.loads(body)


def test_unwrap_verifies_first(webhooks: Webhooks):
    with pytest.raises(InvalidWebhookSignatureError):
        webhooks.unwrap(event("batch.failed", {"id": "b"}), headers(), secret=SECRET)


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "a JSON list, not an object")],
)
def test_unwrap_of_a_signed_body_that_is_no_event(webhooks: Webhooks, body: bytes, message: str):
    with pytest.raises(APIResponseValidationError, match=message) as info:
        webhooks.unwrap(body, headers(body), secret=SECRET)
    assert info.value.raw == body.decode()


def test_webhook_event_covers_every_event_of_the_spec():
    events = {
        getattr(webhook_models, name)
        for name in webhook_models.__all__
        if not name.endswith("Data") and "DataSipHeaders" not in name
    }
    assert set(WebhookEvent.__args__) == events | {UnknownVariant}  # type: ignore[attr-defined]
