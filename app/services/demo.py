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
from app.services.campaigns import create_campaign, invite
from app.services.demo_staff import seed_staff
from app.services.people import add_person

DEMO_SLUG = "demo"
DEMO_DOMAIN = "demo.example.com"
DEMO_BATTERIES = ("employee", "candidate-general")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    password: str


@dataclass(frozen=True)
class Demo:
    logins: list[DemoLogin]
    candidate_url: str | None  # a demo candidate's personal link, to try the questionnaire


def database_is_empty(session: Session) -> bool:
    return session.exec(select(Organisation.id).limit(1)).first() is None


def seed_demo(
    session: Session, catalog: Catalog, *, secret_key: str = "", base_url: str = ""
) -> Demo:
    """Create the demo organisation with its staff, teams, people and two campaigns.

    Returns each account with its generated password, to be shown once, and a demo
    candidate's link; nothing is created (and no logins returned) when the database already
    holds an organisation.
    """
    if not database_is_empty(session):
        return Demo([], None)
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
    candidate_url = None
    if "candidate-general" in catalog.batteries and secret_key:
        hiring = create_campaign(
            session,
            catalog=catalog,
            name="Demo: hiring sales managers",
            battery="candidate-general",
            language="en",
            created_by_id=users[Role.hr].id,
        )
        maria = add_person(
            session, full_name="Maria Ivanova", email="maria@example.com", language="en"
        )
        candidate_url = invite(
            session, campaign=hiring, person=maria, secret_key=secret_key, base_url=base_url
        ).url
    seed_staff(  # the directory: teams, assessed staff, KPIs (app/services/demo_staff.py)
        session,
        catalog,
        organisation_id=organisation.id,
        users=users,
        secret_key=secret_key,
        base_url=base_url,
    )
    record_event(session, organisation_id=organisation.id, actor="system", action="demo.seeded")
    session.commit()
    return Demo(logins, candidate_url)
