"""Signed webhook deliveries for testing your webhook handlers."""

from __future__ import annotations

import base64
import secrets
import time

from ..lib.webhooks import decode_secret, sign

__all__ = ["sign_webhook"]


def sign_webhook(
    payload: str | bytes,
    *,
    secret: str,
    webhook_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers OpenAI
    would send with ``payload``, signed with ``secret`` the same way (``whsec_...`` or raw).

    ``webhook_id`` defaults to a random ``msg_...`` id, ``timestamp`` to now (Unix seconds).
    """
    webhook_id = webhook_id if webhook_id is not None else f"msg_{secrets.token_hex(12)}"
    sent_at = str(int(time.time()) if timestamp is None else timestamp)
    body = payload.encode() if isinstance(payload, str) else payload
    signature = base64.b64encode(sign(decode_secret(secret), webhook_id, sent_at, body)).decode()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": sent_at,
        "webhook-signature": f"v1,{signature}",
    }
