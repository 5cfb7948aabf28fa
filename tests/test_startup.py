"""The server refuses to start on an invalid model, with the validator's messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.main import create_app
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.errors import DefinitionError
from tests.conftest import make_settings


@pytest.fixture
def broken_model(tmp_path: Path) -> Path:
    path = tmp_path / "competencies.yaml"
    text = MODEL_FILE.read_text(encoding="utf-8")
    path.write_text(
        text.replace("      persistence: 3\n", "      persistence: -3\n", 1), encoding="utf-8"
    )
    return path


def test_create_app_refuses_an_invalid_model(broken_model: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        create_app(make_settings(model_file=broken_model, assessments_dir=ASSESSMENTS_DIR))
    assert "profiles.active.weights.persistence: must be a positive number, got -3" in str(
        raised.value
    )


@pytest.mark.parametrize("command", ["serve", "run"])
def test_the_server_commands_exit_with_the_same_messages(
    broken_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    database = tmp_path / "untouched.db"
    monkeypatch.setenv("MODEL_FILE", str(broken_model))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, [command])
        validated = CliRunner().invoke(cli, ["validate", "--model", str(broken_model)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "profiles.active.weights.persistence: must be a positive number, got -3" in result.output
    assert "nothing started" in result.output
    problem_line = next(line for line in validated.output.splitlines() if "profiles.active" in line)
    assert problem_line in result.output
    assert not database.exists()  # nothing was created


def test_the_shipped_tree_starts(tmp_path: Path) -> None:
    shutil.copy(MODEL_FILE, tmp_path / "competencies.yaml")
    app = create_app(
        make_settings(model_file=tmp_path / "competencies.yaml", assessments_dir=ASSESSMENTS_DIR)
    )
    assert app.state.catalog.model.competency_ids[0] == "client_expertise"
