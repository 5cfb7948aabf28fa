"""The demo organisation (slug `demo`) loaded by `make run` into an empty database.

It is meant to show a head of sales the product in the first minute: staff accounts, two
sales teams, a hiring campaign whose candidates have finished (hunters, farmers, people who
fit both roles or neither, and one whose answers are not to be trusted), the sales team's own
assessment with the manager's ratings, reviewed work samples, and a few people still on their
way. Every answer is generated from a latent profile (app/services/demo_answers.py) with a
fixed seed and goes through the same services as a real person's (consent, saving answers,
completing, reviewing, rating), so results, rankings and reports show whatever the scoring
engine of the day makes of them. The content (names, campaigns, written answers) is in one
language, Russian or English.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from app.db import scope_to_organisation, utcnow
from app.models import (
    AssessmentSession,
    Campaign,
    Invitation,
    Organisation,
    Person,
    PersonKind,
    Role,
    Team,
    User,
)
from app.scoring.definitions import WorkSample
from app.scoring.loader import Catalog
from app.services import results, reviews, sessions
from app.services.accounts import create_user
from app.services.audit import record_event
from app.services.campaigns import create_campaign, invite
from app.services.demo_answers import Style, answers_for, points_for, rating_for
from app.services.demo_staff import seed_staff
from app.services.people import add_person

DEMO_SLUG = "demo"
DEMO_DOMAIN = "demo.example.com"
DEMO_LANGUAGES = ("ru", "en")
SEED = 20261
"""The demo is the same every time it is loaded."""

PROFILES: dict[str, dict[str, float]] = {
    # outbound: contact with strangers, persistence, creating interest; weak on the client's
    # business and the product
    "hunter": {
        "communication": 86,
        "persistence": 88,
        "persuasion": 82,
        "objection_handling": 76,
        "negotiation": 76,
        "client_expertise": 54,
        "product_knowledge": 56,
        "sales_orientation": 82,
    },
    # inbound: knows the client and the product, careful with requests; shy of strangers
    "farmer": {
        "communication": 44,
        "persistence": 38,
        "persuasion": 58,
        "objection_handling": 74,
        "negotiation": 64,
        "client_expertise": 86,
        "product_knowledge": 86,
        "sales_orientation": 22,
    },
    "both": {
        "communication": 82,
        "persistence": 78,
        "persuasion": 80,
        "objection_handling": 82,
        "negotiation": 78,
        "client_expertise": 80,
        "product_knowledge": 80,
        "sales_orientation": 60,
    },
    "neither": {
        "communication": 30,
        "persistence": 26,
        "persuasion": 28,
        "objection_handling": 26,
        "negotiation": 32,
        "client_expertise": 30,
        "product_knowledge": 34,
        "sales_orientation": 45,
    },
    "middling": {
        "communication": 58,
        "persistence": 54,
        "persuasion": 54,
        "objection_handling": 52,
        "negotiation": 52,
        "client_expertise": 56,
        "product_knowledge": 56,
        "sales_orientation": 50,
    },
}
SPREAD = 5.0
"""How far one person's levels stray from their profile (points, standard deviation)."""


@dataclass(frozen=True)
class Someone:
    name: str
    profile: str
    style: Style = "honest"


HIRED: list[tuple[str, Style]] = [
    ("hunter", "honest"),
    ("hunter", "honest"),
    ("hunter", "honest"),
    ("farmer", "honest"),
    ("farmer", "honest"),
    ("both", "honest"),
    ("both", "honest"),
    ("neither", "honest"),
    ("neither", "honest"),
    ("middling", "faking"),  # answers not to be trusted
]
"""The hiring campaign's finished candidates, by profile and response style."""
STAFF: dict[str, list[tuple[str, Style]]] = {
    "passive": [
        ("farmer", "honest"),
        ("middling", "honest"),
        ("both", "honest"),
        ("neither", "honest"),
    ],
    "active": [("hunter", "honest"), ("middling", "honest")],
}
INBOUND: list[tuple[str, Style]] = [
    ("farmer", "honest"),
    ("middling", "honest"),
    ("both", "honest"),
]


@dataclass(frozen=True)
class Content:
    """Everything of the demo that is written in one language."""

    organisation: str
    staff: dict[Role, str]
    teams: dict[str, str]  # sales mode -> team name
    hiring: str
    team_round: str
    inbound_hiring: str
    candidates: list[str]  # finish the hiring campaign, in the order of HIRED
    on_their_way: list[str]  # invited to it; one has started, one has not
    employees: dict[str, list[str]]  # sales mode -> people in that team, as in STAFF
    inbound_candidates: list[str]  # finish the inbound campaign, as in INBOUND
    try_out: str  # invited to the inbound campaign: the link to try the questionnaire
    letters: dict[str, str]  # quality -> a cold e-mail, "{name}" signs it

    def cast(self, names: list[str], profiles: list[tuple[str, Style]]) -> list[Someone]:
        return [Someone(name, *profile) for name, profile in zip(names, profiles, strict=True)]


CONTENT: dict[str, Content] = {
    "ru": Content(
        organisation="Торговый дом «Вектор»",
        staff={
            Role.admin: "Анна Смирнова",
            Role.hr: "Елена Кузнецова",
            Role.head_of_sales: "Сергей Волков",
            Role.manager: "Михаил Орлов",
        },
        teams={"passive": "Отдел входящих продаж", "active": "Отдел выездных продаж"},
        hiring="Набор менеджеров активных продаж",
        team_round="Отдел входящих продаж: кто готов к активным продажам",
        inbound_hiring="Набор в отдел входящих продаж",
        candidates=[
            "Алексей Ковалёв",
            "Виктория Лебедева",
            "Игорь Назаров",
            "Наталья Егорова",
            "Павел Зайцев",
            "Ксения Белова",
            "Роман Степанов",
            "Олег Тихонов",
            "Юлия Фролова",
            "Денис Громов",
        ],
        on_their_way=["Артём Киселёв", "Светлана Полякова"],
        employees={
            "passive": [
                "Ольга Петрова",
                "Иван Смирнов",
                "Татьяна Морозова",
                "Григорий Соловьёв",
            ],
            "active": ["Дмитрий Волков", "Андрей Никитин"],
        },
        inbound_candidates=[
            "Екатерина Васильева",
            "Максим Фёдоров",
            "Анастасия Козлова",
        ],
        try_out="Мария Иванова",
        letters={
            "strong": (
                "Тема: Утренние окна новой сети — без штрафов за опоздания\n\n"
                "Марина Сергеевна, добрый день!\n\n"
                "Увидел, что со следующего месяца «Ока-Продукт» начинает поставки в сеть из 60 "
                "супермаркетов, которая принимает товар только утром и штрафует за опоздания. А "
                "в вакансии диспетчеров у вас — вечернее планирование маршрутов в таблицах.\n\n"
                "«Флотика» строит маршруты на весь парк за 10–15 минут с учётом окон приёмки и "
                "пробок. Дистрибьютор напитков из соседней области (35 машин) так сократил "
                "планирование с 3 часов до 20 минут, а опоздания в магазины — с 12% до 3% за два "
                "месяца.\n\n"
                "Предлагаю 20-минутный звонок: расскажу, как это устроено у них, и прикинем, что "
                "это даст вашим 40 фургонам. Вам удобно во вторник в 11:00 или в четверг в 15:00?"
                "\n\nС уважением,\n{name}, «Флотика»"
            ),
            "medium": (
                "Тема: Сервис для планирования маршрутов\n\n"
                "Здравствуйте, Марина Сергеевна!\n\n"
                "Я представляю компанию «Флотика». Мы делаем облачный сервис для дистрибьюторов: "
                "он строит маршруты для всего автопарка, показывает машины на карте и позволяет "
                "водителям отмечать доставки в приложении. Подключение занимает около недели, "
                "оборудование ставить не нужно.\n\n"
                "Наши клиенты тратят меньше времени на планирование и сокращают пробег: например, "
                "один дистрибьютор уменьшил пробег на 11% за два месяца.\n\n"
                "Думаю, вам это может быть интересно. Если хотите узнать подробнее, давайте "
                "созвонимся на этой неделе.\n\n{name}, «Флотика»"
            ),
            "weak": (
                "Тема: Коммерческое предложение\n\n"
                "Добрый день!\n\n"
                "Компания «Флотика» — лидер рынка решений для логистики. Наш инновационный "
                "облачный сервис позволяет оптимизировать бизнес-процессы, повысить эффективность "
                "и снизить издержки. У нас есть мониторинг транспорта, построение маршрутов, "
                "мобильное приложение для водителей и многое другое. Мы работаем с ведущими "
                "компаниями отрасли.\n\n"
                "Предлагаем вам бесплатно протестировать сервис в течение двух недель. Будем рады "
                "сотрудничеству! Если заинтересует, позвоните нам, и мы вышлем подробную "
                "презентацию.\n\nС уважением,\n{name}"
            ),
        },
    ),
    "en": Content(
        organisation="Vector Trading",
        staff={
            Role.admin: "Anna Smith",
            Role.hr: "Helen Carter",
            Role.head_of_sales: "Sergey Volkov",
            Role.manager: "Michael Orr",
        },
        teams={"passive": "Inbound sales desk", "active": "Field sales"},
        hiring="Hiring outbound sales managers",
        team_round="Inbound desk: who is ready for outbound sales",
        inbound_hiring="Hiring for the inbound desk",
        candidates=[
            "Alex Kovalev",
            "Victoria Lane",
            "Igor Nazarov",
            "Natalie Egan",
            "Paul Hare",
            "Kate White",
            "Roman Stephens",
            "Oliver Quiet",
            "Julia Frost",
            "Dennis Gray",
        ],
        on_their_way=["Arthur Keel", "Sarah Pollock"],
        employees={
            "passive": [
                "Olga Peterson",
                "Ivan Smith",
                "Tanya Moore",
                "Gregory Knight",
            ],
            "active": ["Dmitry Wolf", "Andrew Nickson"],
        },
        inbound_candidates=[
            "Catherine Bell",
            "Max Fedorov",
            "Anastasia Cole",
        ],
        try_out="Maria Ivanova",
        letters={
            "strong": (
                "Subject: The new chain's morning slots, without late-delivery fines\n\n"
                "Dear Ms Kotova,\n\n"
                "I read that from next month Oka Foods starts supplying a chain of 60 "
                "supermarkets that only takes deliveries in the morning and fines late "
                "suppliers, and your advert for two dispatchers mentions planning next-day "
                "routes in spreadsheets every evening.\n\n"
                "Flotika plans routes for a whole fleet in 10–15 minutes, allowing for delivery "
                "slots and traffic. A drinks distributor in a neighbouring region, 35 vans, cut "
                "evening planning from 3 hours to 20 minutes and late deliveries from 12% to 3% "
                "within two months.\n\n"
                "Could we have a 20-minute call? I'll show how they did it and we can estimate "
                "what it would mean for your 40 vans. Would Tuesday at 11 or Thursday at 3 suit "
                "you?\n\nBest regards,\n{name}, Flotika"
            ),
            "medium": (
                "Subject: A route planning service\n\n"
                "Dear Ms Kotova,\n\n"
                "I work for Flotika. We make a cloud service for distributors: it plans routes "
                "for the whole fleet, shows every van on a map and lets drivers confirm "
                "deliveries in a phone app. Setting up takes about a week and nothing has to be "
                "fitted in the vans.\n\n"
                "Our customers spend less time planning and drive fewer miles: one distributor "
                "cut mileage by 11% in two months.\n\n"
                "I think this may interest you. If you would like to know more, let's have a "
                "call this week.\n\n{name}, Flotika"
            ),
            "weak": (
                "Subject: Commercial offer\n\n"
                "Hello,\n\n"
                "Flotika is a market leader in logistics solutions. Our innovative cloud "
                "service lets you optimise business processes, increase efficiency and cut "
                "costs. We offer vehicle tracking, route planning, a mobile app for drivers and "
                "much more. We work with the leading companies of the industry.\n\n"
                "We invite you to test the service free of charge for two weeks. We look forward "
                "to working with you! If you are interested, call us and we will send you a "
                "detailed presentation.\n\nKind regards,\n{name}"
            ),
        },
    ),
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    password: str


@dataclass(frozen=True)
class Demo:
    logins: list[DemoLogin]
    candidate_url: str | None  # a demo candidate's personal link, to try the questionnaire
    language: str = "ru"


def database_is_empty(session: Session) -> bool:
    return session.exec(select(Organisation.id).limit(1)).first() is None


def _levels(profile: str, rng: random.Random) -> dict[str, float]:
    """One person's latent levels: their profile's, give or take SPREAD."""
    return {
        scale: min(97.0, max(3.0, rng.gauss(level, SPREAD)))
        for scale, level in PROFILES[profile].items()
    }


def _letter(content: Content, levels: Mapping[str, float], name: str) -> str:
    quality = sum(levels.get(c, 50) for c in ("client_expertise", "persuasion", "negotiation")) / 3
    key = "strong" if quality >= 68 else "medium" if quality >= 48 else "weak"
    return content.letters[key].replace("{name}", name)


class _Seeder:
    """Puts people through a campaign the way the candidate's pages and the reviewers do."""

    def __init__(
        self,
        session: Session,
        catalog: Catalog,
        content: Content,
        language: str,
        *,
        secret_key: str,
        base_url: str,
        inviter: User,
    ) -> None:
        self.session, self.catalog, self.content, self.language = (
            session,
            catalog,
            content,
            language,
        )
        self.secret_key, self.base_url, self.inviter = secret_key, base_url, inviter
        self.rng = random.Random(SEED)  # noqa: S311 - a reproducible demo, not a secret
        self.email_number = 0

    def person(self, name: str, kind: PersonKind = PersonKind.candidate) -> Person:
        self.email_number += 1
        return add_person(
            self.session,
            full_name=name,
            email=f"person{self.email_number:02d}@{DEMO_DOMAIN}",
            language=self.language,
            kind=kind.value,
        )

    def invite(self, campaign: Campaign, person: Person) -> Invitation:
        return invite(
            self.session,
            campaign=campaign,
            person=person,
            secret_key=self.secret_key,
            base_url=self.base_url,
            actor_user_id=self.inviter.id,
            catalog=self.catalog,
            language=self.language,
        ).invitation

    def answer(
        self,
        campaign: Campaign,
        person: Person,
        levels: Mapping[str, float],
        style: Style,
        *,
        parts: int | None = None,
    ) -> Invitation:
        """Consent and answer every part (or the first `parts`, half of the last of them)."""
        invitation = self.invite(campaign, person)
        sessions.record_consent(self.session, invitation, accepted=True, language=self.language)
        instruments = sessions.person_instruments(self.catalog, campaign)
        for number, instrument in enumerate(instruments[:parts], start=1):
            texts = {
                task.id: _letter(self.content, levels, person.full_name)
                for task in _tasks(instrument)
            }
            answered = answers_for(instrument, levels, self.rng, style=style, texts=texts)
            answers = answered.answers
            if parts is not None and number == parts:
                answers = dict(list(answers.items())[: len(answers) // 2])
            sessions.save_answers(
                self.session,
                invitation,
                self.catalog,
                answers,
                seconds={k: v for k, v in answered.seconds.items() if k in answers},
            )
        return invitation

    def complete(
        self, campaign: Campaign, someone: Someone, kind: PersonKind = PersonKind.candidate
    ) -> tuple[Invitation, dict[str, float]]:
        levels = _levels(someone.profile, self.rng)
        person = self.person(someone.name, kind)
        invitation = self.answer(campaign, person, levels, someone.style)
        results.complete(self.session, self.catalog, invitation)
        return invitation, levels

    def review(self, invitation: Invitation, levels: Mapping[str, float], reviewer: User) -> None:
        """Score the invitation's work samples as a reviewer would."""
        for instrument_session in reviews.work_sessions(
            self.session, self.catalog, invitation
        ).values():
            instrument = reviews.work_sample_of(self.catalog, instrument_session)
            if instrument is not None:
                reviews.save_review(
                    self.session,
                    self.catalog,
                    instrument_session=instrument_session,
                    points=points_for(instrument, levels, self.rng),
                    reviewer_id=reviewer.id,
                )

    def rate(self, invitation: Invitation, levels: Mapping[str, float], manager: User) -> None:
        campaign = self.session.get(Campaign, invitation.campaign_id)
        if campaign is None:
            return
        for instrument in reviews.rating_instruments(self.catalog, campaign):
            values: dict[str, Any] = {
                k: "" if v is None else v
                for k, v in rating_for(instrument, levels, self.rng).items()
            }
            reviews.save_rating(
                self.session,
                self.catalog,
                invitation=invitation,
                values=values,
                rater_id=manager.id,
                instrument_id=instrument.id,
            )


def _tasks(instrument: Any) -> list[Any]:
    return list(instrument.items) if isinstance(instrument, WorkSample) else []


def _backdate(session: Session, invitation: Invitation, days: float) -> None:
    """Make a demo invitation look as if it was sent and answered `days` ago."""
    shift = timedelta(days=days)
    for field in ("created_at", "sent_at", "opened_at", "started_at", "completed_at"):
        value = getattr(invitation, field)
        if value is not None:
            setattr(invitation, field, value - shift)
    if invitation.expires_at is not None:
        invitation.expires_at -= shift / 2
    session.add(invitation)
    for row in session.exec(
        select(AssessmentSession).where(AssessmentSession.invitation_id == invitation.id)
    ):
        row.started_at = row.started_at - shift if row.started_at else None
        row.deadline_at = row.deadline_at - shift if row.deadline_at else None
        session.add(row)


def seed_demo(
    session: Session,
    catalog: Catalog,
    *,
    secret_key: str = "",
    base_url: str = "",
    language: str = "ru",
) -> Demo:
    """Create the demo organisation (see the module's docstring) in `language` ("ru" or
    "en"). Returns each account with its generated password, to be shown once, and the link
    of a candidate who has not started yet; nothing is created (and no logins returned) when
    the database already holds an organisation."""
    if not database_is_empty(session):
        return Demo([], None, language)
    content = CONTENT[language if language in CONTENT else "ru"]
    logins: list[DemoLogin] = []
    users: dict[Role, User] = {}
    local = {
        Role.admin: "admin",
        Role.hr: "hr",
        Role.head_of_sales: "head",
        Role.manager: "manager",
    }
    for role, name in content.staff.items():
        created = create_user(
            session,
            email=f"{local[role]}@{DEMO_DOMAIN}",
            role=role,
            organisation_slug=DEMO_SLUG,
            full_name=name,
        )
        created.user.language = language
        session.add(created.user)
        users[role] = created.user
        logins.append(DemoLogin(created.user.email, role, created.password or ""))
    organisation = created.organisation
    organisation.name = content.organisation
    session.add(organisation)
    if organisation.id is None:
        raise RuntimeError("organisation was not flushed")
    scope_to_organisation(session, organisation.id)

    manager, hr, head = users[Role.manager], users[Role.hr], users[Role.head_of_sales]
    teams = {
        mode: Team(name=name, sales_mode=mode, manager_id=manager.id)
        for mode, name in content.teams.items()
    }
    session.add_all(teams.values())
    session.flush()
    seeder = _Seeder(
        session, catalog, content, language, secret_key=secret_key, base_url=base_url, inviter=hr
    )
    now = utcnow()

    # The sales team's own assessment: employees, rated by their manager (one still waits).
    team_round = create_campaign(
        session,
        catalog=catalog,
        name=content.team_round,
        battery="employee",
        target_role="active",
        language=language,
        created_by_id=hr.id,
    )
    team_round.team_id = teams["passive"].id
    team_round.created_at = now - timedelta(days=24)
    employees = [
        (mode, someone)
        for mode, names in content.employees.items()
        for someone in content.cast(names, STAFF[mode])
    ]
    for number, (mode, someone) in enumerate(employees):
        invitation, levels = seeder.complete(team_round, someone, PersonKind.employee)
        person = session.get(Person, invitation.person_id)
        if person is not None:
            person.team_id, person.current_role = teams[mode].id, mode
            session.add(person)
        seeder.review(invitation, levels, head)
        if number < len(employees) - 1:
            seeder.rate(invitation, levels, manager)
        _backdate(session, invitation, 20 - number)

    # Hiring into outbound sales: finished candidates of every profile, work samples
    # reviewed but the last two, and two people still on their way.
    hiring = create_campaign(
        session,
        catalog=catalog,
        name=content.hiring,
        battery="candidate-active",
        target_role="active",
        language=language,
        created_by_id=hr.id,
    )
    hiring.created_at = now - timedelta(days=16)
    candidates = content.cast(content.candidates, HIRED)
    for number, someone in enumerate(candidates):
        invitation, levels = seeder.complete(hiring, someone)
        if number < len(candidates) - 2:
            seeder.review(invitation, levels, head)
        _backdate(session, invitation, 14 - number)
    started, waiting = content.on_their_way
    seeder.answer(
        hiring, seeder.person(started), _levels("middling", seeder.rng), "honest", parts=1
    )
    seeder.invite(hiring, seeder.person(waiting))

    # Hiring for the inbound desk: three finished, and the demo's own link to try.
    inbound = create_campaign(
        session,
        catalog=catalog,
        name=content.inbound_hiring,
        battery="candidate-general",
        target_role="passive",
        language=language,
        created_by_id=hr.id,
    )
    inbound.created_at = now - timedelta(days=6)
    for number, someone in enumerate(content.cast(content.inbound_candidates, INBOUND)):
        invitation, _levels_unused = seeder.complete(inbound, someone)
        _backdate(session, invitation, 4 - number)
    try_out = invite(
        session,
        campaign=inbound,
        person=seeder.person(content.try_out),
        secret_key=secret_key,
        base_url=base_url,
        actor_user_id=hr.id,
        catalog=catalog,
    )
    # The try-out link opens in the browser's language, whatever the demo's content.
    try_out.invitation.language = None
    session.add_all([team_round, hiring, inbound, try_out.invitation])

    # The staff directory: more staff in the teams, KPIs, targets (app/services/demo_staff.py).
    seed_staff(
        session,
        catalog,
        organisation_id=organisation.id,
        users=users,
        secret_key=secret_key,
        base_url=base_url,
        language=language,
    )

    record_event(session, organisation_id=organisation.id, actor="system", action="demo.seeded")
    session.commit()
    return Demo(logins, try_out.url if secret_key else None, language)
