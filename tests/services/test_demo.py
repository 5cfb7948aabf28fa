"""The demo organisation loaded into an empty database."""

from __future__ import annotations

from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import Campaign, Organisation, Person, Team, User
from app.scoring.loader import Catalog
from app.services.accounts import authenticate
from app.services.demo import seed_demo
from tests.factories import create_organisation


def test_the_demo_has_staff_teams_and_a_campaign(db: Session, catalog: Catalog) -> None:
    demo = seed_demo(db, catalog, secret_key="k" * 40, base_url="http://127.0.0.1:8000")
    logins = demo.logins
    assert demo.candidate_url and demo.candidate_url.startswith("http://127.0.0.1:8000/a/")
    roles = {login.role.value for login in logins}
    assert {"admin", "hr", "head_of_sales"} <= roles
    passwords = [login.password for login in logins]
    assert len(set(passwords)) == len(passwords) and all(len(p) >= 20 for p in passwords)
    for login in logins:
        assert authenticate(db, email=login.email, password=login.password) is not None
    organisation = db.exec(select(Organisation)).one()
    scope_to_organisation(db, organisation.id or 0)
    assert len(db.exec(select(Team)).all()) >= 2  # more from demo_staff
    assert db.exec(select(Person)).all()
    campaigns = db.exec(select(Campaign)).all()
    assert len(campaigns) >= 2 and all(c.battery_id in catalog.batteries for c in campaigns)
    assert all(
        u.password_hash and u.password_hash.startswith("$argon2") for u in db.exec(select(User))
    )


def test_the_demo_is_not_loaded_into_a_database_with_data(db: Session, catalog: Catalog) -> None:
    create_organisation(db)
    assert seed_demo(db, catalog).logins == []
    assert db.exec(select(User)).all() == []
