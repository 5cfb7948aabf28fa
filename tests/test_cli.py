"""The `salesfit` command line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.db import make_engine
from app.migrate import upgrade
from app.models import Organisation, User
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.services.accounts import authenticate, user_for_api_token
from tests.conftest import DatabaseFactory
from tests.scoring.test_loader import SEVEN

runner = CliRunner()


@pytest.fixture
def database_url(databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh migrated database the CLI is pointed at through DATABASE_URL."""
    url = databases.new_url()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_validate_json_lists_the_model() -> None:
    result = runner.invoke(cli, ["validate", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["competencies"] == SEVEN
    assert summary["profiles"] == ["active", "passive"]
    assert summary["model_version"].startswith("2026.1+")
    for instrument in summary["instruments"]:
        assert set(instrument) >= {"id", "type", "items", "per_competency", "languages", "minutes"}
    for battery in summary["batteries"]:
        assert set(battery) >= {"id", "instruments", "minutes"}
        assert battery["minutes"] > 0


def test_validate_reports_every_problem_and_exits_1(tmp_path: Path) -> None:
    model = tmp_path / "competencies.yaml"
    text = MODEL_FILE.read_text(encoding="utf-8")
    text = text.replace("      persistence: 3\n", "      persistence: 0\n", 1)
    text = text.replace("  negotiation:\n    name:", "  negotiation:\n    nmae:", 1)
    model.write_text(text, encoding="utf-8")
    shutil.copytree(ASSESSMENTS_DIR, tmp_path / "assessments")
    result = runner.invoke(
        cli, ["validate", "--model", str(model), "--assessments", str(tmp_path / "assessments")]
    )
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if "competencies.yaml:" in line]
    assert any(
        line.endswith("profiles.active.weights.persistence: must be a positive number, got 0")
        for line in lines
    )
    assert any("competencies.negotiation.nmae: unknown field" in line for line in lines)
    assert any("competencies.negotiation.name: required field is missing" in line for line in lines)

    as_json = runner.invoke(cli, ["validate", "--json", "--model", str(model)])
    assert as_json.exit_code == 1
    problems = json.loads(as_json.stdout)["problems"]
    assert {"file", "line", "path", "message"} <= set(problems[0])
    assert "profiles.active.weights.persistence" in {p["path"] for p in problems}


def test_validate_refuses_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["validate", "--model", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml: cannot read file" in result.stdout


def test_create_user_says_when_it_creates_the_organisation(database_url: str) -> None:
    first = runner.invoke(
        cli, ["create-user", "--email", "hr@acme.example.com", "--role", "hr", "--org", "acme"]
    )
    assert first.exit_code == 0, first.output
    assert "Created organisation 'acme'." in first.stdout
    generated = first.stdout.strip().splitlines()[-1].split(": ", 1)[1]
    second = runner.invoke(
        cli,
        [
            "create-user",
            "--email",
            "boss@acme.example.com",
            "--role",
            "head_of_sales",
            "--org",
            "acme",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
    )
    assert second.exit_code == 0, second.output
    assert "Created organisation" not in second.stdout and "Generated password" not in second.stdout
    with Session(make_engine(database_url)) as session:
        assert len(session.exec(select(Organisation)).all()) == 1
        assert authenticate(session, email="hr@acme.example.com", password=generated) is not None
        assert (
            authenticate(session, email="boss@acme.example.com", password="a-long-enough-password")
            is not None
        )


def test_create_user_refuses_bad_input_and_changes_nothing(database_url: str) -> None:
    for args, message in [
        (["--role", "boss"], "unknown role 'boss'"),
        (["--role", "hr", "--org", "Not A Slug"], "invalid organisation slug"),
    ]:
        options = {
            "--email": "x@example.com",
            "--org": "acme",
            **dict(zip(args[::2], args[1::2], strict=True)),
        }
        result = runner.invoke(cli, ["create-user", *[v for pair in options.items() for v in pair]])
        assert result.exit_code == 1 and message in result.output
    with Session(make_engine(database_url)) as session:
        assert session.exec(select(User)).all() == []
        assert session.exec(select(Organisation)).all() == []


def test_create_api_token_prints_a_working_token_last(database_url: str) -> None:
    runner.invoke(
        cli, ["create-user", "--email", "ats@acme.example.com", "--role", "hr", "--org", "acme"]
    )
    result = runner.invoke(cli, ["create-api-token", "--email", "ats@acme.example.com"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    with Session(make_engine(database_url)) as session:
        user = user_for_api_token(session, token)
        assert user is not None and user.email == "ats@acme.example.com"
    unknown = runner.invoke(cli, ["create-api-token", "--email", "ghost@example.com"])
    assert unknown.exit_code == 1 and "no user with e-mail ghost@example.com" in unknown.output


def test_seed_demo_loads_once_and_prints_logins(database_url: str) -> None:
    result = runner.invoke(cli, ["seed-demo"])
    assert result.exit_code == 0, result.output
    logins = [line.split() for line in result.stdout.splitlines() if "password:" in line]
    assert {row[1] for row in logins} == {"admin", "hr", "head_of_sales", "manager"}
    with Session(make_engine(database_url)) as session:
        for email, _role, _label, password in logins:
            assert authenticate(session, email=email, password=password) is not None
    again = runner.invoke(cli, ["seed-demo"])
    assert again.exit_code == 0 and "no demo loaded" in again.stdout
