"""`salesfit rescore`: results of the earlier engine scored again, only when asked to."""

from __future__ import annotations

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine
from app.models import AuditEvent, ScoreSnapshot
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.services.snapshot_view import engine_of
from tests.factories import create_organisation
from tests.test_cli import database_url  # noqa: F401  (the fixture)
from tests.web.test_report import assess
from tests.web.test_reviews import unscoped

runner = CliRunner()


def _old_result(url: str) -> tuple[str, int, int]:
    """An organisation with one completed assessment whose result the earlier engine stored:
    its slug, the campaign and the snapshot's id."""
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    with Session(make_engine(url)) as db:
        organisation = create_organisation(db)
        done = assess(db, catalog, organisation)
        snapshot = unscoped(db).get(ScoreSnapshot, done.snapshot.id)
        assert snapshot is not None
        old = {k: v for k, v in snapshot.scores.items() if k not in ("engine", "probabilities")}
        snapshot.scores = {**old, "recommendation": "both"}
        snapshot.recommendation, snapshot.confidence = "both", "high"
        snapshot.model_version = "2025.3"
        db.add(snapshot)
        db.commit()
        return organisation.slug, snapshot.campaign_id or 0, snapshot.id or 0


def _snapshots(url: str) -> list[ScoreSnapshot]:
    with Session(make_engine(url)) as db:
        return list(db.exec(select(ScoreSnapshot).order_by(col(ScoreSnapshot.id))).all())


def _rescored_events(url: str) -> list[AuditEvent]:
    with Session(make_engine(url)) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == "result.rescored")))


def test_a_dry_run_says_what_would_change_and_changes_nothing(database_url: str) -> None:  # noqa: F811
    slug, campaign, old_id = _old_result(database_url)
    result = runner.invoke(cli, ["rescore", "--org", slug])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{slug} campaign {campaign} invitation ")
    assert ": both (high) -> " in lines[0]
    assert "engine 1 -> 2, model 2025.3 -> 2026.1" in lines[0]
    assert lines[1].startswith("Dry run: 1 result(s) would be scored again")
    assert "nothing was stored" in lines[1]
    assert [s.id for s in _snapshots(database_url)] == [old_id]
    assert _rescored_events(database_url) == []


def test_apply_stores_a_new_result_keeps_the_old_one_and_audits(database_url: str) -> None:  # noqa: F811
    slug, campaign, old_id = _old_result(database_url)
    result = runner.invoke(cli, ["rescore", "--org", slug, "--campaign", str(campaign), "--apply"])
    assert result.exit_code == 0, result.output
    assert "Stored 1 new result(s)" in result.stdout
    old, new = _snapshots(database_url)
    assert old.id == old_id and engine_of(old.scores) == 1 and old.model_version == "2025.3"
    assert engine_of(new.scores) == 2 and new.invitation_id == old.invitation_id
    [event] = _rescored_events(database_url)
    assert event.actor == "system" and event.object_id == str(old.invitation_id)
    assert event.details["old_snapshot"] == old_id and event.details["new_snapshot"] == new.id
    assert event.details["old_outcome"] == "both"
    assert event.details["outcome"] == new.recommendation

    again = runner.invoke(cli, ["rescore", "--org", slug])
    assert again.exit_code == 0
    assert again.stdout.strip() == (
        "Every completed result is already scored by the current engine and model."
    )
    assert len(_snapshots(database_url)) == 2


def test_an_unknown_organisation_or_campaign_is_refused(database_url: str) -> None:  # noqa: F811
    slug, _campaign, _old = _old_result(database_url)
    unknown = runner.invoke(cli, ["rescore", "--org", "nope", "--apply"])
    assert unknown.exit_code == 1
    assert "no organisation 'nope'. Nothing was scored." in unknown.stderr
    missing = runner.invoke(cli, ["rescore", "--org", slug, "--campaign", "999999", "--apply"])
    assert missing.exit_code == 1
    assert f"no campaign 999999 in organisation '{slug}'" in missing.stderr
    assert len(_snapshots(database_url)) == 1
