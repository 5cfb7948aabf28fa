"""`salesfit calibrate`: the forced-choice parameters estimated from an organisation's own
questionnaires once 300 usable ones exist, a dry run by default, stored with --apply as that
organisation's version while results taken before keep theirs."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine, scope_to_organisation, utcnow
from app.models import (
    Answer,
    AssessmentSession,
    AuditEvent,
    Invitation,
    Organisation,
    OrganisationInstrument,
    SessionStatus,
)
from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.calibrate import MIN_RESPONDENTS
from app.scoring.definitions import ForcedChoice
from app.scoring.loader import Catalog, load_catalog
from app.services import catalogs, results
from app.services.people import add_person
from tests.factories import create_organisation
from tests.test_cli import database_url  # noqa: F401  (the fixture)
from tests.web.test_reviews import complete_battery, unscoped

runner = CliRunner()
FC = "sales_forced_choice"


def forced_choice(catalog: Catalog) -> ForcedChoice:
    definition = catalog.instruments[FC].definition
    assert isinstance(definition, ForcedChoice)
    return definition


def questionnaires(url: str, catalog: Catalog, n: int, *, slug: str | None = None) -> str:
    """`n` completed forced-choice questionnaires answered under the model (design
    parameters, standard normal traits) in an organisation; its slug."""
    from app.scoring import tirt

    instrument = forced_choice(catalog)
    rng = np.random.default_rng(7)
    statements = 3 * len(instrument.blocks)
    traits = list(dict.fromkeys(s.competency for b in instrument.blocks for s in b.statements))
    with Session(make_engine(url)) as db:
        organisation = create_organisation(db, slug=slug)
        scope_to_organisation(db, organisation.id or 0)
        person = add_person(
            db, full_name="Many Answers", email="many.answers@example.com", language="en"
        )
        db.flush()
        version = catalog.instruments[FC].version
        for _ in range(n):
            session = AssessmentSession(
                person_id=person.id or 0,
                instrument_id=FC,
                instrument_version=version,
                status=SessionStatus.completed,
                completed_at=utcnow(),
            )
            db.add(session)
            db.flush()
            picks = tirt.respond(
                instrument,
                dict(zip(traits, rng.standard_normal(len(traits)), strict=True)),
                rng.standard_normal(statements),
            )
            db.add_all(
                Answer(session_id=session.id or 0, item_id=item.id, value=pick)
                for item, pick in zip(instrument.items, picks, strict=True)
            )
        db.commit()
        return organisation.slug


def stored(url: str) -> list[OrganisationInstrument]:
    with Session(make_engine(url)) as db:
        return list(
            db.exec(select(OrganisationInstrument).order_by(col(OrganisationInstrument.id)))
        )


def test_with_too_few_questionnaires_it_says_how_many_more_are_needed(
    database_url: str,  # noqa: F811
) -> None:
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    slug = questionnaires(database_url, catalog, MIN_RESPONDENTS - 12)
    result = runner.invoke(cli, ["calibrate", "--org", slug, "--instrument", FC, "--apply"])
    assert result.exit_code == 1, result.output
    assert f"{MIN_RESPONDENTS - 12} usable" in result.output
    assert "Not enough yet: 12 more usable questionnaire(s) needed" in result.output
    assert stored(database_url) == []


def test_a_dry_run_reports_and_apply_stores_the_organisations_version(
    database_url: str,  # noqa: F811
) -> None:
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    slug = questionnaires(database_url, catalog, MIN_RESPONDENTS + 20)
    n = MIN_RESPONDENTS + 21  # and the candidate below
    with Session(make_engine(database_url)) as db:
        organisation = db.exec(select(Organisation).where(Organisation.slug == slug)).one()
        before = complete_battery(
            db, catalog, organisation, battery="candidate-general", name="Taken Before"
        )
        organisation_id = organisation.id or 0
        invitation_id = before.invitation.id
        version_before = before.snapshot.instrument_versions[FC]

    dry = runner.invoke(cli, ["calibrate", "--org", slug, "--instrument", FC])
    assert dry.exit_code == 0, dry.output
    assert f"{n} usable" in dry.output and "converged: yes" in dry.output
    assert f"Dry run: nothing was stored. Run again with --apply to store version 1.0-cal.{n}+" in (
        dry.output
    )
    assert stored(database_url) == []

    applied = runner.invoke(cli, ["calibrate", "--org", slug, "--instrument", FC, "--apply"])
    assert applied.exit_code == 0, applied.output
    assert f"Stored {FC} version 1.0-cal.{n}+" in applied.output
    (row,) = stored(database_url)
    assert row.kind == catalogs.CALIBRATED and row.details["n"] == n

    design = forced_choice(catalog)
    with Session(make_engine(database_url)) as db:
        organisation = db.get(Organisation, organisation_id)
        assert organisation is not None
        scope_to_organisation(db, organisation_id)
        local = forced_choice(catalogs.organisation_catalog(db, catalog))
        assert local.parameters == "calibrated" and local.calibration is not None
        assert local.calibration["n"] == n and local.calibration["organisation"] == slug
        # answers simulated from the design values: the estimates come back near them
        pairs = [
            (a.loading, b.loading, a.mean - b.mean)
            for block_a, block_b in zip(local.blocks, design.blocks, strict=True)
            for a, b in zip(block_a.statements, block_b.statements, strict=True)
        ]
        assert np.median([abs(a - b) for a, b, _ in pairs]) < 0.15
        assert any(abs(a - b) > 1e-3 for a, b, _ in pairs)  # estimated, not copied
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "instrument.calibrated"))
        assert len(list(events)) == 1

        # the result taken before keeps the design version, scored again or not
        invitation = db.get(Invitation, invitation_id)
        assert invitation is not None
        again = results.score_invitation(db, catalog, invitation)
        db.commit()
        assert again.instrument_versions[FC] == version_before
        methods = [
            m
            for c in again.scores["competencies"].values()
            for m in c.get("methods", [])
            if m["instrument"] == FC
        ]
        assert methods and {m["parameters"] for m in methods} == {"design"}
        unscoped(db)
        after = complete_battery(
            db, catalog, organisation, battery="candidate-general", name="Taken After"
        )
        assert after.snapshot.instrument_versions[FC] == row.version
        methods = [
            m
            for c in after.snapshot.scores["competencies"].values()
            for m in c.get("methods", [])
            if m["instrument"] == FC
        ]
        assert methods and {m["parameters"] for m in methods} == {"calibrated"}

        other = create_organisation(db)
        scope_to_organisation(db, other.id or 0)
        catalogs.forget(db)
        assert forced_choice(catalogs.organisation_catalog(db, catalog)).parameters == "design"


def test_only_forced_choice_instruments_of_a_known_organisation(
    database_url: str,  # noqa: F811
) -> None:
    with Session(make_engine(database_url)) as db:
        slug = create_organisation(db).slug
        db.commit()
    likert = runner.invoke(cli, ["calibrate", "--org", slug, "--instrument", "sales_self_report"])
    assert likert.exit_code == 1
    assert "forced-choice instruments only" in likert.output
    unknown = runner.invoke(cli, ["calibrate", "--org", "no-such-org", "--instrument", FC])
    assert unknown.exit_code == 1 and "no organisation 'no-such-org'" in unknown.output
    typo = runner.invoke(cli, ["calibrate", "--org", slug, "--instrument", "sales_forced"])
    assert typo.exit_code == 1 and "no instrument 'sales_forced'" in typo.output
    assert stored(database_url) == []
