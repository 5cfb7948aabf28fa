"""Settings from the environment (and an optional `.env` file), read once per process."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.paths import ASSESSMENTS_DIR, DATA_DIR, MODEL_FILE

Language = Literal["ru", "en"]


WAIT_SECONDS = 5.0
"""The longest a request waits for a turn (admission), a pooled database connection, a new
PostgreSQL connection or SQLite's write lock; past it the answer is 503 with Retry-After."""
RETRY_AFTER_SECONDS = 5
WAITING_PER_SLOT = 32
"""Requests that may wait for a turn, per request handled at once."""


@dataclass(frozen=True)
class Capacity:
    """Everything one app process sizes from the one setting CONCURRENCY (docs/operations.md).

    At most `requests` requests are handled at once; each uses at most one worker thread and
    one pooled connection at a time, so with `threads` and `pool_size` at least that large an
    admitted request never waits for a thread while it holds a connection, and never waits for
    a connection (the freeze of issue 9 was exactly that wait, in a circle). Up to `waiting`
    more wait in line (first come, first served) for at most WAIT_SECONDS; beyond that the
    answer is a quick 503 with Retry-After.
    """

    requests: int

    @property
    def waiting(self) -> int:
        return self.requests * WAITING_PER_SLOT

    @property
    def threads(self) -> int:
        return self.requests + 4  # headroom: thread work outside requests (start-up, probes)

    @property
    def pool_size(self) -> int:
        return self.requests

    @property
    def max_overflow(self) -> int:
        return 4  # the readiness probe and the rare second connection

    def pool_options(self) -> dict[str, int | float]:
        return {
            "pool_size": self.pool_size,
            "max_overflow": self.max_overflow,
            "pool_timeout": WAIT_SECONDS,
        }


def default_database_url() -> str:
    return f"sqlite:///{DATA_DIR / 'salesfit.db'}"


def load_or_create_secret(path: Path) -> str:
    """The key kept in `path`, generated on first use (readable by the owner only)."""
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    secret_key: SecretStr | None = None
    secret_key_file: Path = DATA_DIR / "secret_key"
    base_url: str = "http://127.0.0.1:8000"
    default_language: Language = "en"
    concurrency: int = Field(default=16, ge=1, le=1024)
    """Requests one app process handles at once; sizes the rest (see Capacity)."""

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "SalesFit <no-reply@localhost>"
    smtp_starttls: bool = True

    trusted_proxies: str = Field(
        default="",
        description="addresses or networks of reverse proxies whose X-Forwarded-For is believed",
    )

    model_file: Path = MODEL_FILE
    assessments_dir: Path = ASSESSMENTS_DIR

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError(
                "SECRET_KEY must be at least 32 characters; leave it unset to generate one"
            )
        return self

    @property
    def capacity(self) -> Capacity:
        return Capacity(self.concurrency)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def get_secret_key(self) -> str:
        """SECRET_KEY, or the one generated once and kept under data/."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return load_or_create_secret(self.secret_key_file)


@lru_cache
def get_settings() -> Settings:
    return Settings()
