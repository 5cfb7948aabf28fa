"""Settings from the environment, and the secret key kept under data/."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.paths import DATA_DIR


def test_defaults_use_sqlite_under_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == f"sqlite:///{DATA_DIR / 'salesfit.db'}"
    assert settings.default_language == "en"
    assert not settings.secure_cookies


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db/salesfit")
    monkeypatch.setenv("BASE_URL", "https://fit.example.com")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "ru")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+psycopg://app@db/salesfit"
    assert settings.secure_cookies
    assert settings.default_language == "ru"
    assert settings.smtp_host == "smtp.example.com"


def test_an_unset_secret_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key_file = tmp_path / "data" / "secret_key"
    settings = Settings(_env_file=None, secret_key_file=key_file)  # type: ignore[call-arg]
    first = settings.get_secret_key()
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Settings(_env_file=None, secret_key_file=key_file).get_secret_key() == first  # type: ignore[call-arg]


def test_a_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="SECRET_KEY must be at least 32 characters"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_an_unknown_language_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "de")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
