"""Settings: the only module that reads the environment (DESIGN.md section 2)."""

from __future__ import annotations

import base64
import json
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRETS_FILE = ".dev-secrets.json"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class ConfigError(ValueError):
    """A setting is missing or invalid; the message says which and why."""


class Settings(BaseSettings):
    """Every knob of a LinkStar process, read from LINKSTAR_* variables or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="LINKSTAR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Environment.development
    data_dir: Path = Path("var")
    database_url: str = ""
    broker_url: str = ""
    secret_key: SecretStr = SecretStr("")
    encryption_key: SecretStr = SecretStr("")
    log_level: str = "INFO"
    log_json: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    embedded_workers: int = Field(default=2, ge=0, le=32)
    job_lease_seconds: int = Field(default=300, ge=1)
    job_poll_seconds: float = Field(default=1.0, gt=0)
    audit_retention_days: int = Field(default=365, ge=90)
    # Stock publication runs (their lines and feeds) older than this are purged daily.
    publish_log_retention_days: int = Field(default=90, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    session_max_age_seconds: int = Field(default=12 * 3600, ge=60)
    cookie_secure: bool | None = None
    # Mail servers (IMAP/SMTP) on private, loopback, link-local or reserved addresses: refused
    # in production (a tenant could aim the server at its own network), allowed elsewhere.
    allow_private_mail_hosts: bool | None = None
    # Routing simulations over more past orders than this run as a job (with progress).
    simulation_inline_orders: int = Field(default=2000, ge=0, le=100_000)
    # Shared reference data (the USPS zone chart, ...) that the demo and benchmarks read.
    reference_data_dir: Path = Path("../shared/data")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
            raise ValueError("broker URL must start with redis://, rediss://, amqp:// or amqps://")
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'linkstar.db').as_posix()}"
        if self.env is Environment.production:
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError(
                    "LINKSTAR_SECRET_KEY must be set to at least 32 random characters in production"
                )
            if not self.encryption_key.get_secret_value():
                raise ValueError("LINKSTAR_ENCRYPTION_KEY must be set in production")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry the Secure flag everywhere but local development unless told."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.env is Environment.production

    @property
    def private_mail_hosts_allowed(self) -> bool:
        """Whether mail accounts may connect to non-public addresses (never in production
        unless told)."""
        if self.allow_private_mail_hosts is not None:
            return self.allow_private_mail_hosts
        return self.env is not Environment.production

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret(self) -> str:
        """The key that signs sessions; development keys live in the data dir, never in code."""
        value = self.secret_key.get_secret_value()
        return value or self._dev_secrets()["secret_key"]

    def encryption_keys(self) -> list[bytes]:
        """Fernet keys for stored credentials, newest first (comma-separated for rotation)."""
        raw = self.encryption_key.get_secret_value() or self._dev_secrets()["encryption_key"]
        return [part.strip().encode() for part in raw.split(",") if part.strip()]

    def _dev_secrets(self) -> dict[str, str]:
        path = (self.data_dir / DEV_SECRETS_FILE).resolve()
        if path in _dev_secrets_cache:
            return _dev_secrets_cache[path]
        if path.exists():
            _dev_secrets_cache[path] = dict(json.loads(path.read_text()))
            return _dev_secrets_cache[path]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        values = {
            "secret_key": secrets.token_urlsafe(48),
            "encryption_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        }
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        _dev_secrets_cache[path] = values
        return values


# Development keys per data dir, read once per process (they are used on every request).
_dev_secrets_cache: dict[Path, dict[str, str]] = {}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; raises ConfigError with a one-line reason."""
    try:
        return Settings()
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigError(_one_line(exc)) from exc


def _one_line(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors():
            loc = ".".join(str(p) for p in err.get("loc", ())) or "settings"
            parts.append(f"{loc}: {err.get('msg')}")
        return "invalid settings: " + "; ".join(parts)
    return str(exc)
