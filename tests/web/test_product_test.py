"""The organisation's own product test (admin page "Product test"): made from the form or an
uploaded file, checked as shipped files are, refused whole with what to fix; once saved it
is in the candidate batteries of that organisation only, results say product knowledge was
measured by a test, and results taken before keep what they were."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import scope_to_organisation
from app.models import AssessmentSession, Organisation, OrganisationInstrument, Role
from app.paths import ASSESSMENTS_DIR
from app.scoring.definitions import Knowledge
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import catalogs, product_tests, results, sessions
from app.services.people import add_person
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, answer_for, create_organisation, create_user
from tests.services.test_candidate_flow import BASE, SECRET
from tests.web.test_api_staff_work import token_for
from tests.web.test_reviews import EMAIL, unscoped

PASSIVE = "candidate-passive"
TEMPLATE = ASSESSMENTS_DIR / "templates" / "product_knowledge_template.yaml"


def form_data(questions: int, **extra: str) -> dict[str, str]:
    """A filled form: `questions` questions, four options each, the right one varying."""
    data = {"product_ru": "Складской робот", "product_en": "Warehouse robot"}
    for n in range(1, questions + 1):
        data[f"q{n}_ru"] = f"Какую нагрузку выдерживает модель R{n}?"
        data[f"q{n}_en"] = f"What load does model R{n} carry?"
        for k in range(1, 5):
            data[f"q{n}_o{k}_ru"] = f"{100 * k + n} кг"
            data[f"q{n}_o{k}_en"] = f"{100 * k + n} kg"
        data[f"q{n}_correct"] = str(1 + n % 4)
    data.update(extra)
    return data


def filled_template() -> str:
    """The shipped template with every placeholder replaced."""
    source = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("[", "").replace("]", "")
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return yaml.safe_dump(fill(source), allow_unicode=True, sort_keys=False)


@pytest.fixture
def organisation(db: Session) -> Organisation:
    return create_organisation(db)


@pytest.fixture
def admin(client: TestClient, db: Session, organisation: Organisation) -> TestClient:
    user = create_user(db, organisation=organisation, role=Role.admin)
    sign_in(client, user.email, PASSWORD)
    return client


def page(client: TestClient) -> tuple[BeautifulSoup, str]:
    response = client.get("/admin/product-test")
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser"), csrf_from(response.text)


def rows(db: Session) -> list[OrganisationInstrument]:
    return list(
        unscoped(db).exec(select(OrganisationInstrument).order_by(col(OrganisationInstrument.id)))
    )


def local(db: Session, catalog: Catalog, organisation: Organisation) -> Catalog:
    scope_to_organisation(db, organisation.id or 0)
    catalogs.forget(db)
    found = catalogs.organisation_catalog(db, catalog)
    unscoped(db)
    return found


def test_the_page_says_the_slot_is_empty_and_the_form_fills_it(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    soup, csrf = page(admin)
    assert soup.select_one("#not-filled") is not None
    assert len(soup.select("#slot-batteries tbody tr")) == 2  # active and passive
    response = admin.post(
        "/admin/product-test", data={**form_data(6), "csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    soup, _ = page(admin)
    assert soup.select_one("#in-force") is not None
    assert "6" in soup.select_one("#in-force").get_text()
    found = local(db, catalog, organisation)
    test = found.instruments[product_tests.INSTRUMENT_ID].definition
    assert isinstance(test, Knowledge)
    assert [i.correct for i in test.items][:3] == [["b"], ["c"], ["d"]]
    assert test.items[0].question.en == "What load does model R1 carry?"
    for battery_id in ("candidate-active", "candidate-passive"):
        battery = found.batteries[battery_id]
        assert battery.instruments[-1] == product_tests.INSTRUMENT_ID
        assert found.battery_minutes(battery) <= 35
    assert product_tests.INSTRUMENT_ID not in found.batteries["candidate-general"].instruments
    # the files' catalog, shared by every organisation, is unchanged
    assert product_tests.INSTRUMENT_ID not in catalog.instruments
    other = local(db, catalog, create_organisation(db))
    assert product_tests.INSTRUMENT_ID not in other.instruments


def test_a_text_in_one_language_is_shown_in_both(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    _, csrf = page(admin)
    data = form_data(5)
    data = {k: v for k, v in data.items() if not k.endswith("_en")}
    response = admin.post("/admin/product-test", data={**data, "csrf_token": csrf})
    assert response.status_code == 200, response.text
    test = local(db, catalog, organisation).instruments[product_tests.INSTRUMENT_ID].definition
    assert isinstance(test, Knowledge)
    assert test.items[0].question.en == test.items[0].question.ru
    assert test.title.en == "Product test: Складской робот"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (form_data(3), "Give 5 to 10 questions; there are 3."),
        (form_data(6, q2_correct=""), "Question 2: mark the right answer"),
        (form_data(6, q3_o2_ru="", q3_o2_en="", q3_correct="2"), "Question 3: mark the right"),
        (form_data(6, q4_ru="", q4_en=""), "Question 4: write the question."),
        (
            form_data(6, q5_o2_ru="101 кг", q5_o1_ru="101 кг", q5_o2_en="", q5_o1_en=""),
            "Question 5: two options say the same.",
        ),
        (form_data(6, product_ru="", product_en=""), "Product name: give the product's name"),
    ],
)
def test_a_bad_form_is_refused_whole_naming_the_question(
    admin: TestClient, db: Session, data: dict[str, str], expected: str
) -> None:
    _, csrf = page(admin)
    response = admin.post("/admin/product-test", data={**data, "csrf_token": csrf})
    assert response.status_code == 422
    problems = BeautifulSoup(response.text, "html.parser").select_one("#form-problems")
    assert problems is not None and expected in problems.get_text(" ", strip=True)
    assert rows(db) == []
    # what was typed is still there to fix
    assert "Складской робот" in response.text or not data["product_ru"]


def upload(client: TestClient, content: bytes, name: str = "product_test.yaml") -> Any:
    _, csrf = page(client)
    return client.post(
        "/admin/product-test/upload",
        data={"csrf_token": csrf},
        files={"file": (name, content, "application/yaml")},
    )


def test_an_uploaded_file_is_checked_like_a_shipped_one(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    template = admin.get("/admin/product-test.yaml")
    assert template.status_code == 200
    assert template.content == TEMPLATE.read_bytes()
    refused = upload(admin, template.content)  # placeholders left
    assert refused.status_code == 422
    text = BeautifulSoup(refused.text, "html.parser").select_one("#upload-problems").get_text()
    assert "items[0].question.ru: still holds a template placeholder" in text
    assert rows(db) == []

    response = upload(admin, filled_template().encode("utf-8"))
    assert response.status_code == 200, response.text
    assert "#in-force" and BeautifulSoup(response.text, "html.parser").select_one("#in-force")
    (row,) = rows(db)
    assert row.kind == catalogs.PRODUCT_TEST and row.details["how"] == "upload"
    again = admin.get("/admin/product-test.yaml")  # the test in force, to edit
    assert yaml.safe_load(again.text)["id"] == product_tests.INSTRUMENT_ID


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(id="my_test"), "id: must be 'product_test'"),
        (lambda d: d.update(minutes=6), "minutes: 6 minutes is longer than the 4 minutes"),
        (lambda d: d["items"].__setitem__(slice(2, None), []), "items: has 2 questions"),
        (lambda d: d["items"][1].update(scale="persistence"), "items[1].scale: must be"),
        (lambda d: d.update(audience=["employee"]), "audience: must include 'candidate'"),
        (lambda d: d["items"][0]["question"].pop("en"), "items[0].question.en"),
        (lambda d: d["items"][0].update(correct=["z"]), "items[0].correct"),
        (lambda d: d.pop("prior_reliability"), "prior_reliability: required field is missing"),
    ],
)
def test_a_bad_file_is_refused_naming_the_place(
    admin: TestClient, db: Session, change: Any, expected: str
) -> None:
    definition = yaml.safe_load(filled_template())
    change(definition)
    content = yaml.safe_dump(definition, allow_unicode=True, sort_keys=False).encode("utf-8")
    response = upload(admin, content)
    assert response.status_code == 422
    text = BeautifulSoup(response.text, "html.parser").select_one("#upload-problems").get_text()
    assert expected in text, text
    assert rows(db) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe not text", "not UTF-8"),
        (b"id: [unclosed", "invalid YAML"),
        (b"- a list", "must be a YAML mapping"),
    ],
)
def test_a_file_that_is_not_an_instrument_is_refused(
    admin: TestClient, db: Session, content: bytes, expected: str
) -> None:
    response = upload(admin, content)
    assert response.status_code == 422
    assert expected in response.text
    assert rows(db) == []


def test_only_admins_reach_the_page(
    client: TestClient, db: Session, organisation: Organisation
) -> None:
    user = create_user(db, organisation=organisation, role=Role.head_of_sales)
    sign_in(client, user.email, PASSWORD)
    assert client.get("/admin/product-test").status_code == 403


def take_passive(
    db: Session, catalog: Catalog, organisation: Organisation, *, name: str
) -> tuple[Any, Any]:
    """A candidate who answers every section of the passive battery as the pages show it."""
    scope_to_organisation(db, organisation.id or 0)
    found = catalogs.organisation_catalog(db, catalog)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name=f"passive {uuid.uuid4().hex[:4]}", battery=PASSIVE
    )
    person = add_person(
        db, full_name=name, email=f"{uuid.uuid4().hex[:10]}@example.com", language="en"
    )
    invitation = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    ).invitation
    sessions.record_consent(db, invitation, accepted=True, language="en")
    items = [i for s in sessions.sections(found, campaign, "en") for i in s["items"]]
    answers = {i["id"]: EMAIL * 2 if i["type"] == "text" else answer_for(i) for i in items}
    test = found.instruments.get(product_tests.INSTRUMENT_ID)
    if test is not None and isinstance(test.definition, Knowledge):
        answers.update({i.id: i.correct[0] for i in test.definition.items})  # knows the product
    sessions.save_answers(db, invitation, catalog, answers)
    snapshot = results.complete(db, catalog, invitation)
    db.commit()
    unscoped(db)
    return invitation, snapshot


def test_results_say_whether_the_product_test_measured_product_knowledge(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    _, before = take_passive(db, catalog, organisation, name="Before Test")
    assert before.scores["product_test"]["tested"] is False
    assert "not_tested:product_knowledge" in before.scores["cautions"]

    _, csrf = page(admin)
    admin.post("/admin/product-test", data={**form_data(8), "csrf_token": csrf})
    invitation, after = take_passive(db, catalog, organisation, name="After Test")
    assert after.scores["product_test"]["tested"] is True
    assert "not_tested:product_knowledge" not in after.scores.get("cautions", [])
    taken = {
        s.instrument_id
        for s in unscoped(db).exec(
            select(AssessmentSession).where(AssessmentSession.invitation_id == invitation.id)
        )
    }
    assert product_tests.INSTRUMENT_ID in taken
    # every answer right: the test is a method of product knowledge, at the top of the scale
    assert pt_score(after) == 100
    assert pt_score(after) > pt_score(before, default=0)
    report = admin.get(f"/people/{invitation.person_id}/report")
    assert report.status_code == 200, report.text
    assert "Product test: Warehouse robot" in report.text  # the method by its title


def pt_score(snapshot: Any, default: float | None = None) -> float | None:
    """The product test's score among product knowledge's methods."""
    methods = snapshot.scores["competencies"]["product_knowledge"]["methods"]
    found = [m["score"] for m in methods if m["instrument"] == product_tests.INSTRUMENT_ID]
    return found[0] if found else default


def test_results_taken_with_an_earlier_version_keep_it(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    _, csrf = page(admin)
    admin.post("/admin/product-test", data={**form_data(8), "csrf_token": csrf})
    invitation, first = take_passive(db, catalog, organisation, name="First Version")
    # a new version whose keys differ everywhere
    shifted = form_data(8, **{f"q{n}_correct": str(1 + (n + 1) % 4) for n in range(1, 9)})
    _, csrf = page(admin)
    admin.post("/admin/product-test", data={**shifted, "csrf_token": csrf})
    assert [r.retired_at is not None for r in rows(db)] == [True, False]
    scope_to_organisation(db, organisation.id or 0)
    again = results.score_invitation(db, catalog, invitation)
    db.commit()
    unscoped(db)
    version = first.instrument_versions[product_tests.INSTRUMENT_ID]
    assert again.instrument_versions[product_tests.INSTRUMENT_ID] == version
    assert pt_score(first) == pt_score(again) == 100  # scored with the keys it was taken with
    _, later = take_passive(db, catalog, organisation, name="Second Version")
    assert later.instrument_versions[product_tests.INSTRUMENT_ID] != version
    assert pt_score(later) == 100  # a new candidate is scored with the new keys


def test_removing_the_test_empties_the_slot_for_new_candidates(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    _, csrf = page(admin)
    admin.post("/admin/product-test", data={**form_data(5), "csrf_token": csrf})
    _, csrf = page(admin)
    response = admin.post("/admin/product-test/remove", data={"csrf_token": csrf})
    assert response.status_code == 200
    assert BeautifulSoup(response.text, "html.parser").select_one("#not-filled") is not None
    found = local(db, catalog, organisation)
    assert product_tests.INSTRUMENT_ID not in found.batteries[PASSIVE].instruments


def test_the_candidate_api_serves_and_saves_the_product_test(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    """Saving answers through the API, as the page's autosave does: a section started at the
    files' version is checked against it, the product test against the organisation's."""
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name="passive via api", battery=PASSIVE
    )
    person = add_person(db, full_name="Api Person", email="api.person@example.com", language="en")
    url = campaign_service.invite(
        db, campaign=campaign, person=person, secret_key=SECRET, base_url=BASE
    ).url
    db.commit()
    unscoped(db)
    token = url.rsplit("/", 1)[1]
    assert (
        admin.post(f"/api/v1/sessions/{token}/consent", json={"accepted": True}).status_code == 200
    )
    sections = admin.get(f"/api/v1/sessions/{token}").json()["sections"]
    assert product_tests.INSTRUMENT_ID not in [s["id"] for s in sections]
    first = sections[1]["items"][0]  # the situational test: start it at the files' version
    saved = admin.put(
        f"/api/v1/sessions/{token}/answers",
        json={"answers": {first["id"]: answer_for(first)}},
    )
    assert saved.status_code == 200, saved.text

    _, csrf = page(admin)
    admin.post("/admin/product-test", data={**form_data(5), "csrf_token": csrf})
    sections = admin.get(f"/api/v1/sessions/{token}").json()["sections"]
    assert sections[-1]["id"] == product_tests.INSTRUMENT_ID  # mid-way: the test is added
    question = sections[-1]["items"][0]
    both = {first["id"]: answer_for(first), question["id"]: question["options"][1]["id"]}
    saved = admin.put(f"/api/v1/sessions/{token}/answers", json={"answers": both})
    assert saved.status_code == 200, saved.text
    assert saved.json()["saved"] == 2
    wrong = admin.put(f"/api/v1/sessions/{token}/answers", json={"answers": {question["id"]: "z"}})
    assert wrong.status_code == 422 and wrong.json()["item"] == question["id"]


def test_hr_sees_whether_the_product_test_is_filled_and_the_time_with_it(
    client: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    admin_user = create_user(db, organisation=organisation, role=Role.admin)
    hr_user = create_user(db, organisation=organisation, role=Role.hr)
    sign_in(client, hr_user.email, PASSWORD)
    soup = BeautifulSoup(client.get("/hr/campaigns/new").text, "html.parser")
    assert soup.select_one("#product-test-help") is not None
    passive = soup.select_one("option[value='candidate-passive']").get_text()
    assert "29" in passive
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account").text)})

    sign_in(client, admin_user.email, PASSWORD)
    _, csrf = page(client)
    client.post("/admin/product-test", data={**form_data(10), "csrf_token": csrf})
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account").text)})

    sign_in(client, hr_user.email, PASSWORD)
    soup = BeautifulSoup(client.get("/hr/campaigns/new").text, "html.parser")
    assert soup.select_one("#product-test-help") is None
    passive = soup.select_one("option[value='candidate-passive']").get_text()
    assert "33" in passive  # 29 minutes and the 10 questions' 4


def test_the_model_api_shows_the_organisations_batteries(
    admin: TestClient, db: Session, catalog: Catalog, organisation: Organisation
) -> None:
    _, headers = token_for(db, organisation, Role.hr)

    def passive() -> dict[str, Any]:
        body = admin.get("/api/v1/model", headers=headers).json()
        return next(b for b in body["batteries"] if b["id"] == PASSIVE)

    before = passive()
    assert product_tests.INSTRUMENT_ID not in before["instruments"]
    assert before["product_test_minutes"] == 4
    _, csrf = page(admin)
    admin.post("/admin/product-test", data={**form_data(10), "csrf_token": csrf})
    after = passive()
    assert after["instruments"][-1] == product_tests.INSTRUMENT_ID
    assert after["minutes"] == before["minutes"] + 4
