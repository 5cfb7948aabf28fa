"""The demo's staff: what `make run` shows on the directory, KPI, validation and fairness pages."""

from __future__ import annotations

import random

from sqlmodel import Session, col, func, select

from app.db import scope_to_organisation
from app.models import (
    Campaign,
    GroupMembership,
    KpiTarget,
    KpiValue,
    ManagerRating,
    Organisation,
    Person,
    ScoreSnapshot,
    Team,
)
from app.scoring.loader import Catalog
from app.services import fairness, kpis, teams, validation
from app.services.demo import seed_demo
from app.services.demo_staff import latent_levels, simulated_answers


def test_the_demo_staff_fill_every_page(db: Session, catalog: Catalog) -> None:
    seed_demo(db, catalog, secret_key="k" * 40, base_url="http://127.0.0.1:8000")
    organisation = db.exec(select(Organisation)).one()
    scope_to_organisation(db, organisation.id or 0)
    staffed = {
        team.name: count
        for team, count in db.exec(
            select(Team, func.count(col(Person.id)))
            .join(Person, col(Person.team_id) == col(Team.id))
            .where(col(Person.hire_date).is_not(None))
            .group_by(col(Team.id))
        )
    }
    assert sorted(staffed.values()) == [10, 10, 21]
    assert all(team.manager_id for team in db.exec(select(Team)) if team.name in staffed)
    # assessed through the services, reviewed and rated, so no result waits for a person
    campaign = db.exec(
        select(Campaign).where(
            col(Campaign.name).in_(["Оценка отдела продаж", "Sales team assessment"])
        )
    ).first()
    assert campaign is not None
    latest = {
        s.invitation_id: s
        for s in db.exec(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.campaign_id == campaign.id)
            .order_by(col(ScoreSnapshot.id))
        )
    }
    assert len(latest) == 41 and not any(s.provisional for s in latest.values())
    assert db.exec(select(func.count()).select_from(ManagerRating)).one() > 0
    # twelve months of KPIs up to last month, and targets
    months = {v.period_start for v in db.exec(select(KpiValue))}
    assert len(months) == 12
    assert db.exec(select(KpiTarget)).all()
    # the active role has enough people for the validation page to show its figures
    evidence = validation.local_validation(db, catalog, "active", resamples=200)
    assert evidence.n >= 30 and evidence.needed == 0 and evidence.result is not None
    assert evidence.result.correlations[0].competency in {
        "persistence",
        "persuasion",
        "communication",
    }
    passive = validation.local_validation(db, catalog, "passive")
    assert passive.needed > 0 and passive.result is None
    # the fairness page has groups large enough to compare
    audit = fairness.campaign_audit(db, campaign)
    gender = next(a for a in audit.attributes if a.attribute == "gender")
    assert gender.comparable
    assert db.exec(select(func.count()).select_from(GroupMembership)).one() > 30
    # the team map shows KPI attainment beside fit
    found = teams.team_map(db, catalog)
    assert found.with_kpis >= 40
    assert kpis.window(db).months == 3


def test_the_simulated_answers_are_the_same_for_the_same_seed(catalog: Catalog) -> None:
    campaign = Campaign(name="x", battery_id="employee")
    first = random.Random(7)  # noqa: S311
    second = random.Random(7)  # noqa: S311
    levels = latent_levels(first, catalog, 0.5)
    assert levels == latent_levels(second, catalog, 0.5)
    answers = simulated_answers(catalog, campaign, levels, first, "ru")
    assert answers == simulated_answers(catalog, campaign, levels, second, "ru")
    strong_rng, weak_rng = random.Random(1), random.Random(1)  # noqa: S311
    strong = simulated_answers(catalog, campaign, dict.fromkeys(levels, 95.0), strong_rng, "ru")
    weak = simulated_answers(catalog, campaign, dict.fromkeys(levels, 15.0), weak_rng, "ru")
    assert strong != weak
