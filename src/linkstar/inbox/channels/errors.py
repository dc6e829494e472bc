"""The error a message connector raises for a payload it cannot turn into a message."""

from __future__ import annotations

from linkstar.kit.errors import InvalidInput


class MessagePayloadError(InvalidInput):
    """A channel message payload that cannot become an `InboundMessage`; `path` says where.

    Raised instead of returning a partial message; the caller dead-letters the raw payload.
    """

    code = "bad_message_payload"

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}", details={"path": path, "reason": message})
        self.reason = message
        self.path = path
