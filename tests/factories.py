"""Helpers that create rows for tests: `create_<thing>(session, **overrides)`."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from app.models import Organisation, Person, PersonKind, Role, Team, User
from app.services.accounts import create_user as create_account
from app.services.accounts import get_or_create_organisation

PASSWORD = "correct-horse-battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_organisation(session: Session, *, slug: str | None = None) -> Organisation:
    organisation, _ = get_or_create_organisation(session, slug=slug or unique("org"))
    return organisation


def create_user(
    session: Session,
    *,
    organisation: Organisation | None = None,
    role: Role = Role.hr,
    email: str | None = None,
    password: str = PASSWORD,
) -> User:
    slug = organisation.slug if organisation else unique("org")
    created = create_account(
        session,
        email=email or f"{unique(role.value)}@example.com",
        role=role,
        organisation_slug=slug,
        password=password,
    )
    session.commit()
    return created.user


def create_team(session: Session, *, organisation: Organisation, name: str | None = None) -> Team:
    team = Team(organisation_id=organisation.id, name=name or unique("team"))
    session.add(team)
    session.commit()
    return team


def create_person(
    session: Session, *, organisation: Organisation, team: Team | None = None
) -> Person:
    person = Person(
        organisation_id=organisation.id,
        kind=PersonKind.employee,
        full_name=unique("Person"),
        team_id=team.id if team else None,
    )
    session.add(person)
    session.commit()
    return person


def answer_for(item: dict[str, Any], strong: bool = True) -> Any:
    """A valid answer to any questionnaire item of the payload."""
    kind = item["type"]
    if kind == "likert":
        return item["max"] if strong else item["min"]
    if kind in ("choice", "multiple_choice"):
        return item["options"][0]["id"]
    if kind == "best_worst":
        return {"best": item["options"][0]["id"], "worst": item["options"][1]["id"]}
    if kind == "forced_choice":
        first, second = item["options"][0]["id"], item["options"][1]["id"]
        told = {  # an instructed attention check says which statement to mark how
            side: o["id"]
            for o in item["options"]
            for side, words in (
                ("most", ("Most like me", "Больше всего")),
                ("least", ("Least like me", "Меньше всего")),
            )
            if any(w in (o["label"] or "") for w in words)
        }
        if len(told) == 2:
            return told
        return {"most": first, "least": second} if strong else {"most": second, "least": first}
    if kind == "rate_each":
        return {o["id"]: item["min"] for o in item["options"]}
    return "Здравствуйте! " + "Текст ответа. " * 45  # 91 words: within every shipped task's limits
