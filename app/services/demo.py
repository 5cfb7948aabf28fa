"""The demo organisation loaded by `make run` into an empty database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.db import scope_to_organisation
from app.models import (
    Campaign,
    CampaignStatus,
    Organisation,
    Person,
    PersonKind,
    Role,
    TargetRole,
    Team,
)
from app.scoring.loader import Catalog
from app.services.accounts import create_user
from app.services.audit import record_event

DEMO_SLUG = "demo"
DEMO_DOMAIN = "demo.example.com"
DEMO_BATTERIES = ("employee", "candidate-general")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    password: str


def database_is_empty(session: Session) -> bool:
    return session.exec(select(Organisation.id).limit(1)).first() is None


def seed_demo(session: Session, catalog: Catalog) -> list[DemoLogin]:
    """Create the demo organisation with its staff, teams, people and a campaign.

    Returns each account with its generated password, to be shown once; nothing is created
    (and an empty list returned) when the database already holds an organisation.
    """
    if not database_is_empty(session):
        return []
    logins: list[DemoLogin] = []
    staff = [
        ("admin", Role.admin, "Anna Admin"),
        ("hr", Role.hr, "Helen Recruiter"),
        ("head", Role.head_of_sales, "Sergey Head of Sales"),
        ("manager", Role.manager, "Mikhail Team Lead"),
    ]
    users = {}
    for local, role, name in staff:
        created = create_user(
            session,
            email=f"{local}@{DEMO_DOMAIN}",
            role=role,
            organisation_slug=DEMO_SLUG,
            full_name=name,
        )
        users[role] = created.user
        logins.append(DemoLogin(created.user.email, role, created.password or ""))
    organisation = created.organisation
    organisation.name = "Demo Sales Company"
    session.add(organisation)
    if organisation.id is None:
        raise RuntimeError("organisation was not flushed")
    scope_to_organisation(session, organisation.id)

    passive_team = Team(
        name="Inbound desk", sales_mode="passive", manager_id=users[Role.manager].id
    )
    active_team = Team(name="Field sales", sales_mode="active", manager_id=users[Role.manager].id)
    session.add_all([passive_team, active_team])
    session.flush()
    people = [
        Person(
            kind=PersonKind.employee,
            full_name="Olga Petrova",
            team_id=passive_team.id,
            current_role="passive",
        ),
        Person(
            kind=PersonKind.employee,
            full_name="Ivan Smirnov",
            team_id=passive_team.id,
            current_role="passive",
        ),
        Person(
            kind=PersonKind.employee,
            full_name="Dmitry Volkov",
            team_id=active_team.id,
            current_role="active",
        ),
        Person(kind=PersonKind.candidate, full_name="Maria Ivanova", email="maria@example.com"),
    ]
    session.add_all(people)
    battery = next(
        (b for b in DEMO_BATTERIES if b in catalog.batteries), next(iter(catalog.batteries), None)
    )
    if battery is not None:
        session.add(
            Campaign(
                name="Demo: move the inbound desk to active sales",
                battery_id=battery,
                target_role=TargetRole.active,
                language="en",
                status=CampaignStatus.open,
                team_id=passive_team.id,
                created_by_id=users[Role.hr].id,
            )
        )
    record_event(session, organisation_id=organisation.id, actor="system", action="demo.seeded")
    session.commit()
    return logins
