"""Encryption at rest for channel and carrier credentials (Fernet, key rotation)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from linkstar.kit.errors import LinkStarError


class SecretBox:
    """Encrypts JSON-able secrets with the newest key; decrypts with any configured key."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, value: dict[str, Any]) -> str:
        """Encrypt a mapping of secret fields."""
        return self._fernet.encrypt(json.dumps(value, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        """Decrypt a value sealed by `seal`."""
        try:
            return dict(json.loads(self._fernet.decrypt(token.encode())))
        except InvalidToken as exc:
            raise LinkStarError(
                "stored credentials cannot be decrypted with the configured keys"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key."""
        return self._fernet.rotate(token.encode()).decode()


def mask(value: str) -> str:
    """Show only the last four characters of a long secret, never its length."""
    return "••••" + value[-4:] if len(value) >= 12 else "••••"
