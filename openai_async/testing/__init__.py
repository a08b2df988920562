"""A local OpenAI-compatible server for tests: scripted replies, recorded requests, faults.

async with LocalServer() as server:
    server.add_reply(Reply("Hi!"))
    server.add_fault(Fault.status(429, retry_after=0.05))
    ...  # point a client at server.base_url
"""

from ._faults import Fault, Reply, ToolCall
from ._routes import Scripted
from ._server import LocalServer, RecordedRequest

__all__ = ["Fault", "LocalServer", "RecordedRequest", "Reply", "Scripted", "ToolCall"]
