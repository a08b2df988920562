"""A local OpenAI-compatible server for tests: scripted replies, recorded requests, faults.

async with LocalServer() as server:
    server.add_reply(Reply("Hi!"))
    server.add_fault(Fault.status(429, retry_after=0.05))
    ...  # point a client at server.base_url

``sign_webhook(body, secret=...)`` gives the headers of a signed webhook delivery, to test
webhook handlers with.
"""

from ._faults import Fault, Reply, ToolCall
from ._realtime import RealtimeApi, RealtimeReply
from ._routes import Scripted
from ._server import LocalServer, RecordedRequest
from ._webhooks import sign_webhook

__all__ = [
    "Fault",
    "LocalServer",
    "RealtimeApi",
    "RealtimeReply",
    "RecordedRequest",
    "Reply",
    "Scripted",
    "ToolCall",
    "sign_webhook",
]
