"""Organisation scoping: one place (app/db.py) keeps tenants apart."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select, update

from app.db import ALL_ORGANISATIONS, CrossOrganisationWrite, scope_to_organisation
from app.models import Person, Team
from tests.factories import create_organisation, create_person, create_team


def test_a_scoped_session_reads_only_its_organisation(db: Session) -> None:
    acme, globex = create_organisation(db), create_organisation(db)
    acme_team = create_team(db, organisation=acme, name="Acme hunters")
    globex_team = create_team(db, organisation=globex, name="Globex farmers")
    create_person(db, organisation=globex, team=globex_team)
    acme_id, acme_team_id, globex_team_id = acme.id, acme_team.id, globex_team.id
    db.expunge_all()

    scope_to_organisation(db, acme_id)
    assert [t.name for t in db.exec(select(Team)).all()] == ["Acme hunters"]
    assert db.exec(select(Person)).all() == []
    assert db.get(Team, globex_team_id) is None
    assert db.get(Team, acme_team_id) is not None
    joined = db.exec(select(Person, Team).join(Team, Person.team_id == Team.id)).all()
    assert joined == []


def test_scoping_can_be_lifted_for_one_statement(db: Session) -> None:
    acme, globex = create_organisation(db), create_organisation(db)
    create_team(db, organisation=acme)
    create_team(db, organisation=globex)
    scope_to_organisation(db, acme.id)
    everything = select(Team).execution_options(**{ALL_ORGANISATIONS: True})
    organisations = {t.organisation_id for t in db.exec(everything).all()}
    assert {acme.id, globex.id} <= organisations


def test_new_rows_are_stamped_with_the_scoped_organisation(db: Session) -> None:
    acme = create_organisation(db)
    scope_to_organisation(db, acme.id)
    team = Team(name="Inbound")
    db.add(team)
    db.commit()
    assert team.organisation_id == acme.id


def test_writing_a_row_of_another_organisation_is_refused(db: Session) -> None:
    acme, globex = create_organisation(db), create_organisation(db)
    foreign = create_team(db, organisation=globex)
    scope_to_organisation(db, acme.id)
    db.add(Team(name="Smuggled", organisation_id=globex.id))
    with pytest.raises(CrossOrganisationWrite):
        db.flush()
    db.rollback()
    foreign = db.exec(
        select(Team).where(Team.id == foreign.id).execution_options(**{ALL_ORGANISATIONS: True})
    ).one()
    foreign.name = "Renamed"
    db.add(foreign)
    with pytest.raises(CrossOrganisationWrite):
        db.flush()


def test_bulk_updates_touch_only_the_scoped_organisation(db: Session) -> None:
    acme, globex = create_organisation(db), create_organisation(db)
    create_team(db, organisation=acme)
    theirs = create_team(db, organisation=globex)
    scope_to_organisation(db, acme.id)
    theirs_id, acme_id = theirs.id, acme.id
    db.exec(update(Team).values(sales_mode="active"))  # type: ignore[call-overload]
    db.commit()
    db.info.clear()
    db.expunge_all()
    assert db.get(Team, theirs_id).sales_mode is None  # type: ignore[union-attr]
    modes = {t.sales_mode for t in db.exec(select(Team).where(Team.organisation_id == acme_id))}
    assert modes == {"active"}
