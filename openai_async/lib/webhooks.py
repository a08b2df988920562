"""Webhooks: verify a delivery's signature and parse it into a typed event (no I/O).

OpenAI signs deliveries the Standard Webhooks way: ``webhook-signature`` holds one or more
``v1,<base64>`` entries, each an HMAC-SHA256 of ``"{webhook-id}.{webhook-timestamp}.{body}"``
under the endpoint's secret (``whsec_`` + base64 of the key). ``client.webhooks`` is the
same plain object on the async and the sync client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, Union, cast

import orjson

from .._converter import converter
from .._exceptions import (
    APIResponseValidationError,
    ConfigurationError,
    InvalidRequestError,
    InvalidWebhookSignatureError,
)
from .._models import UnknownVariant
from ..models.webhooks import (
    WebhookBatchCancelled,
    WebhookBatchCompleted,
    WebhookBatchExpired,
    WebhookBatchFailed,
    WebhookEvalRunCanceled,
    WebhookEvalRunFailed,
    WebhookEvalRunSucceeded,
    WebhookFineTuningJobCancelled,
    WebhookFineTuningJobFailed,
    WebhookFineTuningJobSucceeded,
    WebhookLiveCallIncoming,
    WebhookRealtimeCallIncoming,
    WebhookResponseCancelled,
    WebhookResponseCompleted,
    WebhookResponseFailed,
    WebhookResponseIncomplete,
)

if TYPE_CHECKING:
    from .._client import AsyncClient

__all__ = ["DEFAULT_TOLERANCE", "SECRET_ENV", "WebhookEvent", "Webhooks"]

#: Every webhook event of the spec, told apart by ``type``; a type this version does not
#: know arrives as :class:`UnknownVariant` holding the JSON.
WebhookEvent: TypeAlias = Union[
    WebhookBatchCancelled,
    WebhookBatchCompleted,
    WebhookBatchExpired,
    WebhookBatchFailed,
    WebhookEvalRunCanceled,
    WebhookEvalRunFailed,
    WebhookEvalRunSucceeded,
    WebhookFineTuningJobCancelled,
    WebhookFineTuningJobFailed,
    WebhookFineTuningJobSucceeded,
    WebhookLiveCallIncoming,
    WebhookRealtimeCallIncoming,
    WebhookResponseCancelled,
    WebhookResponseCompleted,
    WebhookResponseFailed,
    WebhookResponseIncomplete,
    UnknownVariant,
]

SECRET_ENV = "OPENAI_WEBHOOK_SECRET"
DEFAULT_TOLERANCE = 300
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
_PREFIX = "whsec_"


class Webhooks:
    """``client.webhooks``: check that a delivery came from OpenAI, then parse it.

    The secret is the ``secret`` argument, else the client's ``webhook_secret``, else the
    ``OPENAI_WEBHOOK_SECRET`` environment variable. ``now`` is the clock the timestamp is
    checked against (seconds since the epoch); tests may replace it.
    """

    def __init__(
        self, client: AsyncClient | None = None, *, now: Callable[[], float] = time.time
    ) -> None:
        self._client = client
        self.now = now

    def unwrap(
        self, payload: str | bytes, headers: Mapping[str, str], *, secret: str | None = None
    ) -> WebhookEvent:
        """Verify the delivery (see :meth:`verify_signature`) and parse its body into the
        event class its ``type`` names; an unknown type arrives as :class:`UnknownVariant`."""
        self.verify_signature(payload, headers, secret=secret)
        raw = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise APIResponseValidationError(
                f"the webhook payload is not valid JSON ({exc})", raw=raw
            ) from None
        if not isinstance(data, dict):
            raise APIResponseValidationError(
                f"the webhook payload is a JSON {type(data).__name__}, not an object", raw=raw
            )
        try:
            return cast(WebhookEvent, converter.structure(data, cast(Any, WebhookEvent)))
        except (TypeError, ValueError) as exc:
            raise APIResponseValidationError(
                f"the webhook payload does not match its event type: {exc}", raw=raw
            ) from None

    def verify_signature(
        self,
        payload: str | bytes,
        headers: Mapping[str, str],
        *,
        secret: str | None = None,
        tolerance: int = DEFAULT_TOLERANCE,
    ) -> None:
        """Raise :class:`InvalidWebhookSignatureError` unless ``payload`` (the raw body, as
        received) carries a valid signature made within ``tolerance`` seconds of now.

        ``headers`` is any mapping (names are matched case-insensitively); one matching
        ``v1`` entry among the space-separated signatures is enough.
        """
        key = decode_secret(self._secret(secret))
        body = _body_bytes(payload)
        values = [_header(headers, name) for name in _HEADERS]
        missing = [name for name, value in zip(_HEADERS, values, strict=True) if not value]
        if missing:
            raise InvalidWebhookSignatureError(
                f"the webhook delivery has no {', '.join(missing)} header"
                + ("s" if len(missing) > 1 else "")
            )
        webhook_id, timestamp, signatures = cast(list[str], values)
        try:
            sent_at = int(timestamp)
        except ValueError:
            raise InvalidWebhookSignatureError(
                f"the webhook-timestamp header is not a Unix time in seconds: {timestamp[:40]!r}"
            ) from None
        now = int(self.now())
        if now - sent_at > tolerance:
            raise InvalidWebhookSignatureError(
                f"the webhook timestamp is too old ({now - sent_at} s ago, tolerance {tolerance} s)"
            )
        if sent_at - now > tolerance:
            raise InvalidWebhookSignatureError(
                f"the webhook timestamp is too new ({sent_at - now} s ahead, tolerance {tolerance} s)"
            )
        candidates = [s[3:] for s in signatures.split() if s.startswith("v1,")]
        if not candidates:
            raise InvalidWebhookSignatureError("the webhook-signature header has no v1 signature")
        expected = sign(key, webhook_id, timestamp, body)
        if not any(hmac.compare_digest(expected, _b64(c)) for c in candidates):
            raise InvalidWebhookSignatureError(
                "no webhook signature matches the payload and the secret"
                " (a wrong secret, or a body changed after it was signed)"
            )

    def _secret(self, secret: str | None) -> str:
        if secret is None:
            secret = getattr(self._client, "webhook_secret", None) or os.environ.get(SECRET_ENV)
        if secret is None:
            raise ConfigurationError(
                "no webhook secret: pass secret=..., set webhook_secret on the client, "
                f"or set the {SECRET_ENV} environment variable"
            )
        return secret


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a secret: base64-decoded after a ``whsec_`` prefix, else its UTF-8."""
    if secret.startswith(_PREFIX):
        try:
            key = base64.b64decode(secret[len(_PREFIX) :].strip(), validate=True)
        except ValueError:
            raise ConfigurationError(
                "the webhook secret starts with whsec_ but the rest is not valid base64"
            ) from None
    else:
        key = secret.encode()
    if not key:
        raise ConfigurationError("the webhook secret is empty")
    return key


def sign(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    """The raw HMAC-SHA256 signature of one delivery."""
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode(), hashlib.sha256)
    mac.update(body)
    return mac.digest()


def _body_bytes(payload: object) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode()
    raise InvalidRequestError(
        f"the webhook payload must be the raw body (str or bytes) as received, not "
        f"{type(payload).__name__}: parsing and dumping JSON again changes the signed bytes"
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """``headers[name]``, matching the name in any case (plain dicts are case-sensitive)."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value if isinstance(value, str) else None


def _b64(signature: str) -> bytes:
    """A signature entry decoded (empty when it is not base64: it then matches nothing)."""
    try:
        return base64.b64decode(signature, validate=True)
    except ValueError:
        return b""
