"""The demo's sales staff: three teams with managers, assessed employees, manager ratings,
twelve months of KPIs, targets, and the optional group answers of most of them.

Everything goes through the services the product uses (the directory, campaigns, consent,
answers, completion, the reviewer's points, the manager's rating, the KPI import, the
voluntary questions), so what the pages show is what the scoring engine makes of the answers.
A fixed seed gives the same people and answers every time; dates are counted back from today.

Each person has latent competency levels from a small model: a general sales ability, an
orientation from "grower" (client and product expertise) to "hunter" (contact, persuasion,
persistence), and noise. Answers follow the levels with answer noise; KPI results follow a
role-specific mix of the levels with month-to-month noise, so that the active role's local
validation has a real (and attenuated) relation to find. Two active teams together give that
role more than the 30 people the validation needs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.db import utcnow
from app.models import (
    Campaign,
    Invitation,
    Organisation,
    Person,
    PersonKind,
    Role,
    TargetRole,
    Team,
    User,
)
from app.scoring.definitions import (
    ForcedChoice,
    Knowledge,
    ManagerRating,
    ScaleKind,
    SelfReport,
    Sjt,
    WorkSample,
)
from app.scoring.loader import Catalog
from app.services import campaigns, fairness, kpis, results, reviews, sessions, staff
from app.services.accounts import create_user
from app.services.demo_answers import forced_choice_answers
from app.services.teams import current_scores

SEED = 14
BATTERY = "employee"
HUNTER = ("communication", "persuasion", "negotiation", "persistence")
GROWER = ("client_expertise", "product_knowledge")
# The KPI results each role's performance comes from (weights on the latent levels).
DRIVERS = {
    "active": {"persistence": 0.45, "communication": 0.3, "persuasion": 0.25},
    "passive": {"client_expertise": 0.5, "product_knowledge": 0.35, "objection_handling": 0.15},
}
# Per KPI: (level at average performance, change per standard deviation, month noise).
KPI_SHAPES: dict[str, tuple[float, float, float]] = {
    "contacts_made": (80, 18, 10),
    "successful_presentation_share": (32, 7, 5),
    "qualified_requests": (12, 3.5, 2),
    "close_rate": (20, 5, 3),
    "deal_velocity_days": (45, -7, 6),
    "average_deal_size": (180_000, 30_000, 25_000),
    "request_response_hours": (5, -1.4, 1.0),
    "customer_satisfaction": (82, 6, 4),
}
TARGETS = {
    "contacts_made": "85",
    "successful_presentation_share": "35",
    "qualified_requests": "13",
    "close_rate": "22",
    "deal_velocity_days": "40",
    "average_deal_size": "200000",
    "request_response_hours": "4",
    "customer_satisfaction": "85",
}

# (name in Russian, in English, sales mode, people added, how hunter-like the team is, its
# manager if the team is new). The first two join the demo's own inbound and field teams
# when it has them (their manager, the demo's manager login, then leads and rates them).
TEAMS = (
    (
        "Входящие продажи",
        "Inbound sales",
        "passive",
        10,
        -0.8,
        ("Ольга Морозова", "Olga Morozova", "olga.morozova"),
    ),
    (
        "Активные продажи",
        "Outbound sales",
        "active",
        10,
        0.5,
        ("Ольга Морозова", "Olga Morozova", "olga.morozova"),
    ),
    (
        "Региональные продажи",
        "Regional sales",
        "active",
        21,
        0.3,
        ("Павел Егоров", "Pavel Egorov", "pavel.egorov"),
    ),
)
FIRST_F = (
    "Анна",
    "Мария",
    "Елена",
    "Дарья",
    "Ольга",
    "Ирина",
    "Полина",
    "Алина",
    "Вера",
    "Ксения",
    "Софья",
    "Яна",
)
FIRST_M = (
    "Иван",
    "Сергей",
    "Дмитрий",
    "Алексей",
    "Михаил",
    "Никита",
    "Павел",
    "Артём",
    "Роман",
    "Егор",
    "Глеб",
    "Тимур",
)
LAST = (
    ("Иванов", "Ivanov"),
    ("Петров", "Petrov"),
    ("Смирнов", "Smirnov"),
    ("Кузнецов", "Kuznetsov"),
    ("Попов", "Popov"),
    ("Соколов", "Sokolov"),
    ("Лебедев", "Lebedev"),
    ("Козлов", "Kozlov"),
    ("Новиков", "Novikov"),
    ("Морозов", "Morozov"),
    ("Волков", "Volkov"),
    ("Орлов", "Orlov"),
    ("Фролов", "Frolov"),
    ("Белов", "Belov"),
    ("Зайцев", "Zaitsev"),
    ("Павлов", "Pavlov"),
)
LATIN = {
    "Анна": "Anna",
    "Мария": "Maria",
    "Елена": "Elena",
    "Дарья": "Daria",
    "Ольга": "Olga",
    "Ирина": "Irina",
    "Полина": "Polina",
    "Алина": "Alina",
    "Вера": "Vera",
    "Ксения": "Ksenia",
    "Софья": "Sofia",
    "Яна": "Yana",
    "Иван": "Ivan",
    "Сергей": "Sergey",
    "Дмитрий": "Dmitry",
    "Алексей": "Alexey",
    "Михаил": "Mikhail",
    "Никита": "Nikita",
    "Павел": "Pavel",
    "Артём": "Artem",
    "Роман": "Roman",
    "Егор": "Egor",
    "Глеб": "Gleb",
    "Тимур": "Timur",
}
EMAIL_TEXT = {
    "ru": (
        "Тема: «Ока-Продукт» и утренние окна супермаркетов\n\n"
        "Марина, добрый день! Вижу, что со следующего месяца вы начинаете поставки в сеть из "
        "60 супермаркетов, которая принимает машины только утром и штрафует за опоздания. "
        "Судя по вакансии, маршруты у вас пока планируют вечером в таблицах. Мы помогли "
        "дистрибьютору напитков с 35 машинами снизить долю опозданий с 12% до 3% за два месяца: "
        "маршруты строятся сами с учётом окон приёмки. Давайте созвонимся на 20 минут — "
        "во вторник в 11 или в четверг в 15? Покажу, как это выглядело бы на ваших точках.\n\n"
        "Иван, «Флотика»"
    ),
    "en": (
        "Subject: Oka Foods and the supermarkets' morning slots\n\n"
        "Dear Marina, I see that next month you start supplying a chain of 60 supermarkets "
        "that accepts deliveries only in the morning and fines late arrivals. Your vacancy "
        "suggests routes are still planned in spreadsheets in the evening. We helped a drinks "
        "distributor with 35 vans cut late deliveries from 12% to 3% in two months: routes are "
        "built around the delivery windows automatically. Could we talk for 20 minutes on "
        "Tuesday at 11 or Thursday at 3? I will show what it would look like for your stops.\n\n"
        "Ivan, Flotika"
    ),
}


@dataclass(frozen=True)
class StaffDemo:
    teams: list[Team]
    people: int
    campaign: Campaign | None


def _clip(value: float, low: float = 3.0, high: float = 98.0) -> float:
    return max(low, min(high, value))


def latent_levels(
    rng: random.Random, catalog: Catalog, orientation_shift: float
) -> dict[str, float]:
    """One person's true competency levels (0-100) from the latent model."""
    ability = rng.gauss(0, 1)
    orientation = rng.gauss(orientation_shift, 0.8)
    levels = {}
    for cid in catalog.model.definition.competencies:
        loading = 1.0 if cid in HUNTER else -1.0 if cid in GROWER else 0.0
        levels[cid] = _clip(58 + 11 * ability + 8 * loading * orientation + rng.gauss(0, 7))
    return levels


def _share(levels: Mapping[str, float], scale: str) -> float:
    """How far up its scale a person answers an item of `scale` (0-1)."""
    return levels.get(scale, 55.0) / 100.0


def _skill(levels: Mapping[str, float], scale: str) -> float:
    """The chance-like skill (0-1) behind a keyed choice: 0 at a level of 30, 1 at 80."""
    return min(1.0, max(0.0, (levels.get(scale, 55.0) - 30) / 50))


def simulated_answers(
    catalog: Catalog,
    campaign: Campaign,
    levels: Mapping[str, float],
    rng: random.Random,
    language: str,
) -> dict[str, Any]:
    """A plausible answer to every question the person takes, following their levels."""
    battery = catalog.batteries[campaign.battery_id]
    answers: dict[str, Any] = {}
    for instrument_id in battery.instruments:
        instrument = catalog.instruments[instrument_id].definition
        if isinstance(instrument, SelfReport):
            low, high = instrument.response_scale.min, instrument.response_scale.max
            for item in instrument.items:
                if item.expected:
                    answers[item.id] = rng.choice(item.expected)
                    continue
                kind = instrument.scales.get(item.scale)
                if kind is not None and kind.kind == ScaleKind.impression_management:
                    position = rng.uniform(0.2, 0.6)
                else:
                    position = _share(levels, item.scale) + rng.gauss(0, 0.1)
                if item.key.value == "reverse":
                    position = 1 - position
                answers[item.id] = round(low + (high - low) * min(1, max(0, position)))
        elif isinstance(instrument, Sjt):
            for sjt in instrument.items:
                ranked = sorted(sjt.options, key=lambda o: -o.effectiveness)
                skill = _skill(levels, sjt.scale)
                if instrument.format == "best_worst":
                    best = ranked[0] if rng.random() < 0.3 + 0.65 * skill else ranked[1]
                    rest = [o for o in ranked if o.id != best.id]
                    worst = rest[-1] if rng.random() < 0.3 + 0.65 * skill else rest[-2]
                    answers[sjt.id] = {"best": best.id, "worst": worst.id}
                else:
                    scale = instrument.response_scale or instrument.key_scale
                    answers[sjt.id] = {
                        o.id: int(
                            min(
                                scale.max,
                                max(
                                    scale.min,
                                    round(o.effectiveness + rng.gauss(0, 1.5 * (1 - skill))),
                                ),
                            )
                        )
                        for o in sjt.options
                    }
        elif isinstance(instrument, Knowledge):
            for question in instrument.items:
                right = rng.random() < 0.2 + 0.75 * _skill(levels, question.scale)
                wrong = [o.id for o in question.options if o.id not in question.correct]
                if len(question.correct) == 1:
                    answers[question.id] = (
                        question.correct[0] if right or not wrong else rng.choice(wrong)
                    )
                else:
                    answers[question.id] = (
                        list(question.correct)
                        if right or not wrong
                        else [*question.correct[:1], rng.choice(wrong)]
                    )
        elif isinstance(instrument, ForcedChoice):
            answers.update(forced_choice_answers(instrument, levels, "honest", rng))
        elif isinstance(instrument, WorkSample):
            for task in instrument.items:
                answers[task.id] = EMAIL_TEXT.get(language, EMAIL_TEXT["en"])
    return answers


def assess(
    session: Session,
    catalog: Catalog,
    *,
    campaign: Campaign,
    person: Person,
    levels: Mapping[str, float],
    rng: random.Random,
    secret_key: str,
    base_url: str,
    reviewer_id: int | None,
    rater_id: int | None,
    language: str,
) -> Invitation:
    """Invite, consent, answer, complete; then the reviewer's points and the manager's
    rating, all through the services."""
    invitation = campaigns.invite(
        session,
        campaign=campaign,
        person=person,
        secret_key=secret_key,
        base_url=base_url,
        send=False,  # made-up people: no mail is queued
    ).invitation
    sessions.record_consent(session, invitation, accepted=True, language=language)
    answers = simulated_answers(catalog, campaign, levels, rng, language)
    seconds = {item_id: rng.uniform(8, 30) for item_id in answers}
    sessions.save_answers(session, invitation, catalog, answers, seconds=seconds)
    results.complete(session, catalog, invitation)
    for instrument_id, work in reviews.work_sessions(session, catalog, invitation).items():
        definition = catalog.instruments[instrument_id].definition
        if isinstance(definition, WorkSample):
            points = {
                c.id: round(
                    c.max_points * min(1, max(0, _share(levels, c.scale) + rng.gauss(0, 0.07)))
                )
                for c in reviews.criteria_of(definition)
            }
            reviews.save_review(
                session, catalog, instrument_session=work, points=points, reviewer_id=reviewer_id
            )
    for rating in reviews.rating_instruments(catalog, campaign):
        if isinstance(rating, ManagerRating):
            low, high = rating.response_scale.min, rating.response_scale.max
            values = {
                item.id: round(
                    low
                    + (high - low) * min(1, max(0, _share(levels, item.scale) + rng.gauss(0, 0.07)))
                )
                for item in rating.items
            }
            reviews.save_rating(
                session, catalog, invitation=invitation, values=values, rater_id=rater_id
            )
    return invitation


def kpi_rows(
    rng: random.Random,
    email: str,
    role: str,
    levels: Mapping[str, float],
    catalog: Catalog,
    months: list[date],
) -> list[tuple[int, dict[str, object]]]:
    """Monthly values of the role's KPIs, following the person's performance."""
    drivers = DRIVERS[role]
    performance = sum(w * (levels.get(c, 55.0) - 58) / 13 for c, w in drivers.items())
    performance += rng.gauss(0, 0.6)
    rows: list[tuple[int, dict[str, object]]] = []
    for kpi_id, kpi in catalog.model.definition.kpis.items():
        if kpi.role != role or kpi_id not in KPI_SHAPES:
            continue
        centre, slope, noise = KPI_SHAPES[kpi_id]
        low, high, whole = kpis.UNIT_RANGES[kpi.unit]
        for month in months:
            value = centre + slope * performance + rng.gauss(0, noise)
            value = max(low if low > 0 else 0.1 * abs(centre), min(high, value))
            value = float(round(value)) if whole or kpi.unit == "money" else round(value, 1)
            rows.append(
                (
                    len(rows),
                    {
                        "email": email,
                        "period": kpis.period_label(month),
                        "kpi": kpi_id,
                        "value": value,
                    },
                )
            )
    return rows


def seed_staff(
    session: Session,
    catalog: Catalog,
    *,
    organisation_id: int,
    users: Mapping[Role, User],
    secret_key: str,
    base_url: str,
    language: str | None = None,
    seed: int = SEED,
) -> StaffDemo:
    """Add the demo's staff to the (scoped) organisation, in `language` (by default the
    organisation's); see the module docstring."""
    if BATTERY not in catalog.batteries:
        return StaffDemo([], 0, None)
    rng = random.Random(seed)  # noqa: S311 (made-up demo people, not a secret)
    model = catalog.model.definition
    domain = users[Role.manager].email.split("@", 1)[1]
    organisation = session.exec(
        select(Organisation).where(Organisation.id == organisation_id)
    ).one()
    organisation_slug = organisation.slug
    language = language or organisation.default_language
    existing = {t.sales_mode: t for t in session.exec(select(Team).order_by(col(Team.id)))}
    teams: list[Team] = []
    leaders: list[User] = []
    for number, (ru, en, mode, _size, _shift, boss) in enumerate(TEAMS):
        name = ru if language == "ru" else en
        team = (existing.get(mode) if number < 2 else None) or staff.team_by_name(session, name)
        if team is None:
            team = staff.create_team(
                session,
                model,
                name=name,
                sales_mode=mode,
                manager=_manager(session, boss, domain, organisation_slug, language),
            )
        teams.append(team)
        leader = session.exec(select(User).where(User.id == team.manager_id)).first()
        leaders.append(leader or users[Role.manager])
    campaign = campaigns.create_campaign(
        session,
        catalog=catalog,
        name="Оценка отдела продаж" if language == "ru" else "Sales team assessment",
        battery=BATTERY,
        target_role=TargetRole.active.value,
        language=language,
        created_by_id=users[Role.hr].id,
    )
    today = utcnow().date()
    newest = kpis.add_months(kpis.month_start(today), -1)
    calendar = [kpis.add_months(newest, -i) for i in range(11, -1, -1)]
    kpis.set_targets(session, model, team=None, values=TARGETS)
    people = 0
    kpi_values: list[tuple[int, dict[str, object]]] = []
    used: set[str] = set()
    mine: set[int] = set()
    for (_ru, _en, mode, size, shift, _boss), team, leader in zip(
        TEAMS, teams, leaders, strict=True
    ):
        for _ in range(size):
            female = rng.random() < 0.5
            first = rng.choice(FIRST_F if female else FIRST_M)
            last_ru, last_en = rng.choice(LAST)
            while f"{first}{last_ru}" in used:
                first = rng.choice(FIRST_F if female else FIRST_M)
                last_ru, last_en = rng.choice(LAST)
            used.add(f"{first}{last_ru}")
            full = (
                f"{first} {last_ru}{'а' if female else ''}"
                if language == "ru"
                else f"{LATIN[first]} {last_en}{'a' if female else ''}"
            )
            email = f"{LATIN[first].lower()}.{last_en.lower()}{'a' if female else ''}@{domain}"
            hired = today - timedelta(days=rng.randint(60, 8 * 365))
            person = staff.create_staff_person(
                session,
                staff.StaffValues(
                    full_name=full,
                    email=email,
                    team=team,
                    current_role=mode,
                    hire_date=hired,
                ),
            )
            person.language = language
            levels = latent_levels(rng, catalog, shift)
            invitation = assess(
                session,
                catalog,
                campaign=campaign,
                person=person,
                levels=levels,
                rng=rng,
                secret_key=secret_key,
                base_url=base_url,
                reviewer_id=users[Role.hr].id,
                rater_id=leader.id,
                language=language,
            )
            if rng.random() < 0.85:  # most people answer the optional questions
                fairness.record_groups(
                    session,
                    person_id=person.id or 0,
                    invitation_id=invitation.id,
                    answers={
                        "gender": "female" if female else "male",
                        "age_band": rng.choice(("under_25", "25_34", "25_34", "35_44", "45_54")),
                    },
                    language=language,
                )
            months = [m for m in calendar if m >= kpis.month_start(hired)]
            for _line, row in kpi_rows(rng, email, mode, levels, catalog, months):
                kpi_values.append((len(kpi_values), row))
            mine.add(person.id or 0)
            people += 1
    # The demo's other employees get KPIs too, following their measured scores.
    others = [
        p
        for p in session.exec(select(Person).where(Person.kind == PersonKind.employee))
        if p.id not in mine and p.email and p.team_id
    ]
    measured = current_scores(session, list(model.competencies), [p.id or 0 for p in others])
    by_id = {t.id: t for t in session.exec(select(Team))}
    for other in others:
        found = measured.get(other.id or 0)
        role = other.current_role or (by_id[other.team_id].sales_mode if other.team_id else None)
        if found is None or role not in DRIVERS:
            continue
        levels = {c: v for c, v in found.scores.items() if v is not None}
        for _line, row in kpi_rows(rng, other.email or "", role, levels, catalog, calendar):
            kpi_values.append((len(kpi_values), row))
    plan = kpis.plan_kpis(session, model, kpi_values, today=today)
    kpis.apply_kpi_plan(session, plan, skip_invalid=True, source="demo")
    kpis.set_targets(session, model, team=teams[2], values={"contacts_made": "75"})
    return StaffDemo(teams, people, campaign)


def _manager(
    session: Session, names: tuple[str, str, str], domain: str, slug: str, language: str
) -> User:
    """The team's manager: found by e-mail, else created (no one is given the password)."""
    ru, en, local = names
    email = f"{local}@{domain}"
    found = session.exec(select(User).where(User.email == email)).first()
    if found is not None:
        return found
    user = create_user(
        session,
        email=email,
        role=Role.manager,
        organisation_slug=slug,
        full_name=ru if language == "ru" else en,
    ).user
    user.language = language
    session.add(user)
    return user
