"""The one error every connector raises for a payload, page or row it cannot use."""

from __future__ import annotations

from linkstar.kit.errors import InvalidInput


class PayloadError(InvalidInput):
    """A channel payload that cannot become a `ChannelOrder`; `path` says where (`$.a[0].b`).

    Raised instead of ever returning a partial order; the caller dead-letters the raw payload.
    """

    code = "bad_payload"

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}", details={"path": path, "reason": message})
        self.reason = message
        self.path = path
