"""HR pages: campaigns, adding and importing people, invitation actions, the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db import scope_to_organisation, utcnow
from app.models import (
    Campaign,
    Invitation,
    InvitationStatus,
    Organisation,
    OutboxMessage,
    Person,
    Role,
    User,
)
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services.people import add_person
from tests.conftest import TEST_SECRET, csrf_from, sign_in
from tests.factories import PASSWORD, create_organisation, create_user


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def one(soup: BeautifulSoup | Tag, css: str) -> Tag:
    """The element matching `css`, which must exist."""
    found = soup.select_one(css)
    assert found is not None, f"nothing matches {css}"
    return found


def value(soup: BeautifulSoup | Tag, css: str) -> str:
    return str(one(soup, css)["value"])


def signed_in(client: TestClient, db: Session, role: Role = Role.hr) -> tuple[Organisation, User]:
    organisation = create_organisation(db)
    user = create_user(db, organisation=organisation, role=role)
    sign_in(client, user.email, PASSWORD)
    return organisation, user


def make_campaign(
    db: Session, catalog: Catalog, organisation: Organisation, name: str = "Spring hiring"
) -> Campaign:
    scope_to_organisation(db, organisation.id or 0)
    campaign = campaign_service.create_campaign(
        db, catalog=catalog, name=name, battery="candidate-general", language="en"
    )
    db.commit()
    return campaign


def token(client: TestClient, path: str = "/hr/campaigns/new") -> str:
    return csrf_from(client.get(path).text)


def count(db: Session, model: type, *where: Any) -> int:
    statement = select(func.count()).select_from(model)
    for condition in where:
        statement = statement.where(condition)
    return int(db.exec(statement).one())


def add_via_form(
    client: TestClient, campaign: Campaign, email: str = "anna@example.com", **fields: str
) -> Any:
    page = f"/hr/campaigns/{campaign.id}"
    data = {
        "full_name": "Anna Petrova",
        "email": email,
        "language": "ru",
        "kind": "candidate",
        "csrf_token": token(client, page),
    }
    data.update(fields)
    return client.post(f"{page}/people", data=data, follow_redirects=False)


def invitation_for(db: Session, email: str) -> Invitation:
    return db.exec(
        select(Invitation)
        .join(Person, col(Person.id) == col(Invitation.person_id))
        .where(Person.email == email)
    ).one()


# ----------------------------------------------------------------------------- campaigns


def test_a_campaign_is_created_through_the_form(client: TestClient, db: Session) -> None:
    signed_in(client, db)
    html = client.get("/hr/campaigns/new").text
    form = soup_of(html)
    assert value(form, "#battery option[selected]") == "candidate-general"
    assert "min" in one(form, "#battery option[selected]").get_text()
    deadline = (utcnow().date() + timedelta(days=30)).isoformat()
    response = client.post(
        "/hr/campaigns",
        data={
            "name": "  Autumn   hunters ",
            "target_role": "active",
            "battery": "candidate-active",
            "deadline": deadline,
            "language": "ru",
            "candidate_feedback": "1",
            "csrf_token": csrf_from(html),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=created")
    campaign = db.exec(select(Campaign).where(Campaign.name == "Autumn hunters")).one()
    assert (campaign.target_role, campaign.battery_id, campaign.language) == (
        "active",
        "candidate-active",
        "ru",
    )
    assert campaign.deadline_date and campaign.deadline_date.isoformat() == deadline
    assert campaign.candidate_feedback is True
    page = soup_of(client.get(response.headers["location"]).text)
    assert one(page, "h1").get_text(strip=True) == "Autumn hunters"
    assert "The campaign is created" in one(page, "p.notice").get_text()
    listing = soup_of(client.get("/hr/campaigns").text)
    assert listing.find("a", string="Autumn hunters")


@pytest.mark.parametrize(
    ("field", "fields", "message"),
    [
        ("name", {"name": "   "}, "Give the campaign a name."),
        ("deadline", {"deadline": "2020-01-01"}, "The deadline is in the past."),
        ("deadline", {"deadline": "next friday"}, "The deadline is not a date."),
        ("battery", {"battery": "nope"}, "Unknown battery nope"),
    ],
)
def test_a_form_error_keeps_the_values_and_shows_the_message_at_the_field(
    client: TestClient, db: Session, field: str, fields: dict[str, str], message: str
) -> None:
    signed_in(client, db)
    data = {
        "name": "Kept name",
        "target_role": "passive",
        "battery": "candidate-passive",
        "deadline": "",
        "language": "ru",
        "candidate_feedback": "1",
        "csrf_token": token(client),
    }
    data.update(fields)
    response = client.post("/hr/campaigns", data=data)
    assert response.status_code == 422
    page = soup_of(response.text)
    error = page.select_one(f"#{field}-error")
    assert error is not None and message in error.get_text()
    assert one(page, f"#{field}")["aria-invalid"] == "true"
    assert value(page, "#name") == data["name"]
    assert value(page, "#target_role option[selected]") == "passive"
    assert value(page, "#language option[selected]") == "ru"
    assert one(page, "input[name=candidate_feedback]").has_attr("checked")
    if field != "battery":
        assert value(page, "#battery option[selected]") == "candidate-passive"
    if field == "deadline":
        assert value(page, "#deadline") == fields["deadline"]
    assert count(db, Campaign) == 0


def test_the_list_counts_people_by_status(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    for email in ("a@example.com", "b@example.com"):
        person = add_person(db, full_name="Someone", email=email, language="en")
        campaign_service.invite(
            db, campaign=campaign, person=person, secret_key=TEST_SECRET, base_url="http://x"
        )
    campaign_service.revoke(db, invitation=invitation_for(db, "b@example.com"))
    db.commit()
    row = soup_of(client.get("/hr/campaigns").text).select_one("table.campaigns tbody tr")
    assert row is not None
    cells = {td["data-group"]: td.get_text(strip=True) for td in row.select("td[data-group]")}
    assert cells == {"waiting": "1", "in_progress": "0", "completed": "0", "dropped": "1"}
    ranking = row.find("a", href=f"/campaigns/{campaign.id}/ranking")
    assert ranking is not None
    # the campaign's own page still counts every status
    page = soup_of(client.get(f"/hr/campaigns/{campaign.id}").text)
    counts = {
        li["data-status"]: li.select_one(".count").get_text() for li in page.select(".counts li")
    }
    assert counts["invited"] == "1" and counts["revoked"] == "1" and counts["expired"] == "0"


# ----------------------------------------------------------------------------- people


def test_adding_a_person_invites_and_queues_the_mail(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    response = add_via_form(client, campaign, email="Anna@Example.com")
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=invited")
    invitation = invitation_for(db, "anna@example.com")
    assert invitation.campaign_id == campaign.id and invitation.sent_at is not None
    assert invitation.language == "ru"
    assert count(db, OutboxMessage, OutboxMessage.to_address == "anna@example.com") == 1
    page = soup_of(client.get(f"/hr/campaigns/{campaign.id}").text)
    row = page.select_one(f"tr[data-invitation='{invitation.id}']")
    assert row is not None and "Anna Petrova" in row.get_text()
    assert one(row, "td.status").get_text(strip=True) == "Invited"
    # The same person again: nothing new, and the page says so.
    again = add_via_form(client, campaign, email="anna@example.com")
    assert again.headers["location"].endswith("?done=already")
    assert count(db, Invitation) == 1 and count(db, Person) == 1
    assert count(db, OutboxMessage, OutboxMessage.to_address == "anna@example.com") == 1


def mail_cell(client: TestClient, campaign: Campaign, invitation: Invitation) -> Tag:
    page = soup_of(client.get(f"/hr/campaigns/{campaign.id}?lang=en").text)
    return one(page, f"tr[data-invitation='{invitation.id}'] td.mail")


def test_the_campaign_page_says_sent_only_when_the_outbox_has_sent_it(
    app_factory: Callable[..., TestClient], db: Session, catalog: Catalog
) -> None:
    client = app_factory()  # no SMTP server
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    add_via_form(client, campaign)
    invitation = invitation_for(db, "anna@example.com")
    page = soup_of(client.get(f"/hr/campaigns/{campaign.id}").text)
    assert page.select_one("#mail-not-sent") is not None
    cell = mail_cell(client, campaign, invitation)
    assert one(cell, ".mail-state")["data-mail"] == "not-sending"
    assert "not sent" in cell.get_text() and "Invitation: sent" not in cell.get_text()
    russian = soup_of(client.get(f"/hr/campaigns/{campaign.id}?lang=ru").text)
    row = one(russian, f"tr[data-invitation='{invitation.id}']")
    assert "отправлено" not in row.get_text().lower().replace("не отправлено", "")
    assert "Приглашение отправлено" not in russian.get_text()

    mail = db.exec(select(OutboxMessage).where(OutboxMessage.to_address == "anna@example.com"))
    message = mail.one()
    message.status, message.sent_at = "sent", utcnow()
    db.add(message)
    db.commit()
    cell = mail_cell(client, campaign, invitation)
    assert one(cell, ".mail-state")["data-mail"] == "sent"
    assert "Invitation: sent" in cell.get_text()

    message.status, message.sent_at, message.last_error = "failed", None, "550 no such user"
    db.add(message)
    db.commit()
    cell = mail_cell(client, campaign, invitation)
    assert one(cell, ".mail-state")["data-mail"] == "failed"
    assert one(cell, ".mail-state")["title"] == "550 no such user"


def test_with_a_mail_server_a_queued_mail_is_waiting_and_a_reminder_has_its_own_state(
    app_factory: Callable[..., TestClient], db: Session, catalog: Catalog
) -> None:
    client = app_factory(smtp_host="smtp.example.com")
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    add_via_form(client, campaign)
    invitation = invitation_for(db, "anna@example.com")
    page = soup_of(client.get(f"/hr/campaigns/{campaign.id}").text)
    assert page.select_one("#mail-not-sent") is None
    cell = mail_cell(client, campaign, invitation)
    assert one(cell, ".mail-state")["data-mail"] == "queued"
    assert "not sent yet" in cell.get_text()
    campaign_service.remind(db, invitation=invitation, secret_key=TEST_SECRET, base_url="http://x")
    db.commit()
    states = [s["data-mail"] for s in mail_cell(client, campaign, invitation).select(".mail-state")]
    assert states == ["queued", "queued"]
    assert "Reminder 1" in mail_cell(client, campaign, invitation).get_text()


def test_a_bad_person_is_refused_with_the_values_kept(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    response = add_via_form(client, campaign, email="not-an-address", full_name="Ivan Ivanov")
    assert response.status_code == 422
    page = soup_of(response.text)
    assert "valid e-mail address" in one(page, "#email-error").get_text()
    assert value(page, "#email") == "not-an-address"
    assert value(page, "#full_name") == "Ivan Ivanov"
    assert count(db, Person) == 0 and count(db, Invitation) == 0
    assert count(db, OutboxMessage, OutboxMessage.organisation_id == organisation.id) == 0


# ----------------------------------------------------------------------------- CSV


CSV = (
    b"full_name,email,language,kind\n"
    b"Anna Petrova,anna@example.com,ru,candidate\n"
    b"Bad Mail,not-an-email,en,candidate\n"
    b"Hans Meier,hans@example.com,de,candidate\n"
    b"Anna Again,ANNA@example.com,ru,candidate\n"
    b"John Smith,john@example.com,en,employee\n"
)


def upload(client: TestClient, campaign: Campaign, content: bytes, name: str = "people.csv") -> Any:
    page = f"/hr/campaigns/{campaign.id}"
    return client.post(
        f"{page}/import",
        data={"csrf_token": token(client, page)},
        files={"file": (name, content, "text/csv")},
    )


def test_a_csv_imports_the_good_rows_and_lists_the_bad_ones(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    response = upload(client, campaign, CSV)
    assert response.status_code == 200, response.text
    page = soup_of(response.text)
    assert "Rows imported: 2." in one(page, "#accepted").get_text()
    assert ": 2." in one(page, "#created").get_text()
    skipped = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in page.select("table.skipped tbody tr")
    ]
    assert [line for line, _ in skipped] == ["3", "4", "5"]
    assert "email" in skipped[0][1] and "not-an-email" in skipped[0][1]
    assert "language" in skipped[1][1] and "de" in skipped[1][1]
    assert "line 2" in skipped[2][1]
    emails = set(db.exec(select(Person.email)).all())
    assert emails == {"anna@example.com", "john@example.com"}
    assert count(db, Invitation, Invitation.campaign_id == campaign.id) == 2
    mails = count(db, OutboxMessage, OutboxMessage.organisation_id == organisation.id)
    assert mails == 2

    second = upload(client, campaign, CSV)
    assert second.status_code == 200
    page = soup_of(second.text)
    assert ": 0." in one(page, "#created").get_text()
    assert ": 2." in one(page, "#already").get_text()
    assert count(db, Person) == 2
    assert count(db, Invitation, Invitation.campaign_id == campaign.id) == 2
    assert count(db, OutboxMessage, OutboxMessage.organisation_id == organisation.id) == mails


def test_an_import_never_renames_a_known_person_and_lists_the_name_it_kept(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    earlier = make_campaign(db, catalog, organisation, name="Earlier hiring")
    maria = add_person(db, full_name="Maria Ivanova", email="maria@example.com", language="ru")
    campaign_service.invite(
        db, campaign=earlier, person=maria, secret_key=TEST_SECRET, base_url="http://x"
    )
    campaign = make_campaign(db, catalog, organisation, name="Autumn hiring")
    content = (
        b"full_name,email,language,kind\n"
        b"maria@example.com duplicate,Maria@example.com,en,candidate\n"
        b"Petr Sidorov,petr@example.com,ru,candidate\n"
    )
    page = soup_of(upload(client, campaign, content).text)
    db.refresh(maria)
    assert maria.full_name == "Maria Ivanova" and maria.language == "ru"
    assert "Rows imported: 2." in one(page, "#accepted").get_text()
    assert one(page, "#new-people").get_text(strip=True).endswith(": 1.")
    assert one(page, "#known-people").get_text(strip=True).endswith(": 1.")
    assert one(page, "#created").get_text(strip=True).endswith(": 2.")
    assert one(page, "#already").get_text(strip=True).endswith(": 0.")
    rows = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in page.select("#name-conflicts tbody tr")
    ]
    assert rows == [["2", "maria@example.com", "maria@example.com duplicate", "Maria Ivanova"]]
    # the new invitation speaks the language the file gives, the person is unchanged
    invitation = db.exec(
        select(Invitation).where(
            Invitation.person_id == maria.id, Invitation.campaign_id == campaign.id
        )
    ).one()
    assert invitation.language == "en"

    # the same file in the campaign that already has Maria counts her as already invited
    again = soup_of(upload(client, earlier, content).text)
    assert one(again, "#already").get_text(strip=True).endswith(": 1.")
    assert one(again, "#created").get_text(strip=True).endswith(": 1.")
    assert one(again, "#known-people").get_text(strip=True).endswith(": 2.")
    db.refresh(maria)
    assert maria.full_name == "Maria Ivanova"


def test_an_import_renames_known_people_only_when_asked(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    maria = add_person(db, full_name="Maria Ivanova", email="maria@example.com", language="ru")
    db.commit()
    page = f"/hr/campaigns/{campaign.id}"
    response = client.post(
        f"{page}/import",
        data={"csrf_token": token(client, page), "update_names": "1"},
        files={"file": ("p.csv", b"full_name,email\nMaria Sidorova,maria@example.com\n")},
    )
    assert response.status_code == 200
    db.refresh(maria)
    assert maria.full_name == "Maria Sidorova"
    rows = soup_of(response.text).select("#name-conflicts tbody tr")
    assert [td.get_text(strip=True) for td in rows[0].find_all("td")][-1] == "Maria Ivanova"


def test_adding_a_known_email_under_another_name_renames_nobody(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    maria = add_person(db, full_name="Maria Ivanova", email="maria@example.com", language="ru")
    db.commit()
    response = add_via_form(client, campaign, email="maria@example.com", full_name="Someone Else")
    assert response.headers["location"].endswith("?done=known")
    db.refresh(maria)
    assert maria.full_name == "Maria Ivanova"
    shown = soup_of(client.get(response.headers["location"]).text)
    assert "nobody was renamed" in one(shown, "p.notice").get_text()
    assert "Someone Else" not in shown.get_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("full_name,email\nЁлка Ёжикова,elka@example.com\n".encode("cp1251"), "UTF-8"),
        (b"", "empty"),
        (b"name;mail\nAnna;anna@example.com\n", "columns"),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing(
    client: TestClient, db: Session, catalog: Catalog, content: bytes, message: str
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    response = upload(client, campaign, content)
    assert response.status_code == 422
    error = soup_of(response.text).select_one("#file-error")
    assert error is not None
    assert "Nothing was imported" in error.get_text() and message in error.get_text()
    assert count(db, Person) == 0 and count(db, Invitation) == 0


def test_a_missing_or_too_large_file_is_refused(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    page = f"/hr/campaigns/{campaign.id}"
    missing = client.post(
        f"{page}/import",
        data={"csrf_token": token(client, page)},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert missing.status_code == 422
    assert "Choose a CSV file" in one(soup_of(missing.text), "#file-error").get_text()
    row = b"Anna Petrova,anna@example.com,ru,candidate\n"
    big = b"full_name,email,language,kind\n" + row * (1024 * 1024 // len(row) + 1)
    for content in (big, big * 2):  # read past the limit; refused by its Content-Length
        response = upload(client, campaign, content)
        assert response.status_code == 413
        assert "larger than 1 MB" in response.text
    assert count(db, Person) == 0


# ----------------------------------------------------------------------------- actions


def test_remind_extend_and_revoke(client: TestClient, db: Session, catalog: Catalog) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    add_via_form(client, campaign)
    invitation = invitation_for(db, "anna@example.com")
    page = f"/hr/campaigns/{campaign.id}"

    def act(action: str) -> Any:
        return client.post(
            f"/hr/invitations/{invitation.id}/{action}",
            data={"csrf_token": token(client, page)},
            follow_redirects=False,
        )

    reminded = act("remind")
    assert reminded.status_code == 303
    assert reminded.headers["location"] == f"{page}?done=reminded"
    db.refresh(invitation)
    assert invitation.reminders_sent == 1 and invitation.last_reminded_at is not None
    assert count(db, OutboxMessage, OutboxMessage.to_address == "anna@example.com") == 2
    shown = soup_of(client.get(f"{page}?done=reminded").text)
    assert "reminder" in one(shown, "p.notice").get_text()

    before = invitation.expires_at
    assert before is not None
    assert act("extend").status_code == 303
    db.refresh(invitation)
    assert invitation.expires_at == before + timedelta(days=7)

    assert act("revoke").status_code == 303
    db.refresh(invitation)
    assert invitation.status(utcnow()) is InvitationStatus.revoked
    row = soup_of(client.get(page).text).select_one(f"tr[data-invitation='{invitation.id}']")
    assert row is not None
    assert one(row, "td.status").get_text(strip=True) == "Revoked"
    assert row.find("form") is None and row.select_one(".copy-link") is None

    refused = act("remind")
    assert refused.status_code == 409
    alert = soup_of(refused.text).select_one("p.notice.error")
    assert alert is not None and "revoked" in alert.get_text()
    assert act("extend").status_code == 409
    db.refresh(invitation)
    assert invitation.reminders_sent == 1
    assert invitation.expires_at == before + timedelta(days=7)
    assert count(db, OutboxMessage, OutboxMessage.to_address == "anna@example.com") == 2


def test_the_copied_link_opens_the_invitation(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    add_via_form(client, campaign)
    invitation = invitation_for(db, "anna@example.com")
    page = soup_of(client.get(f"/hr/campaigns/{campaign.id}").text)
    field = page.select_one(f"#link-{invitation.id}")
    assert field is not None and field.has_attr("readonly")
    url = str(field["value"])
    assert url.startswith("http://testserver/a/")
    button = page.select_one(f"button[data-copy='link-{invitation.id}']")
    assert button is not None and button.has_attr("hidden")  # shown by hr.js
    found = campaign_service.find_invitation(db, url.rsplit("/", 1)[1])
    assert found is not None and found.id == invitation.id
    mail = db.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == "anna@example.com")
    ).one()
    assert url in mail.body_text
    assert client.get("/static/js/hr.js").status_code == 200
    assert client.get("/static/css/hr.css").status_code == 200


# ----------------------------------------------------------------------------- access


@pytest.mark.parametrize("role", [Role.manager, Role.head_of_sales])
def test_other_roles_get_403(client: TestClient, db: Session, catalog: Catalog, role: Role) -> None:
    organisation, _ = signed_in(client, db, role)
    campaign = make_campaign(db, catalog, organisation)
    for path in (
        "/hr/campaigns",
        "/hr/campaigns/new",
        f"/hr/campaigns/{campaign.id}",
        "/hr/outbox",
    ):
        assert client.get(path).status_code == 403, path
    csrf = token(client, "/account")
    response = client.post(
        "/hr/campaigns",
        data={"name": "x", "battery": "candidate-general", "language": "en", "csrf_token": csrf},
    )
    assert response.status_code == 403
    assert count(db, Campaign) == 1
    nav = soup_of(client.get("/dashboard").text).select_one("header nav")
    assert nav is not None and nav.find("a", href="/hr/campaigns") is None


def test_admins_and_hr_see_the_link_and_strangers_sign_in(
    client: TestClient, db: Session, app_factory: Callable[..., TestClient]
) -> None:
    assert client.get("/hr/campaigns", follow_redirects=False).status_code == 303
    signed_in(client, db, Role.admin)
    nav = soup_of(client.get("/hr/campaigns").text).select_one("header nav")
    assert nav is not None and nav.find("a", href="/hr/campaigns") is not None


def test_another_organisations_campaign_is_not_found(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    mine = make_campaign(db, catalog, organisation)
    other = create_organisation(db)
    theirs = make_campaign(db, catalog, other, name="Their campaign")
    person = add_person(db, full_name="Their person", email="their@example.com", language="en")
    invited = campaign_service.invite(
        db, campaign=theirs, person=person, secret_key=TEST_SECRET, base_url="http://x"
    )
    db.commit()
    mine_id, theirs_id, invitation_id = mine.id, theirs.id, invited.invitation.id
    db.expunge_all()
    assert client.get(f"/hr/campaigns/{theirs_id}").status_code == 404
    csrf = token(client, f"/hr/campaigns/{mine_id}")
    for action in ("remind", "revoke", "extend"):
        response = client.post(
            f"/hr/invitations/{invitation_id}/{action}", data={"csrf_token": csrf}
        )
        assert response.status_code == 404, action
    response = client.post(
        f"/hr/campaigns/{theirs_id}/people",
        data={"full_name": "X", "email": "x@example.com", "language": "en", "csrf_token": csrf},
    )
    assert response.status_code == 404
    assert "Their campaign" not in client.get("/hr/campaigns").text
    assert "their@example.com" not in client.get("/hr/outbox").text


def test_forms_need_the_csrf_token(client: TestClient, db: Session, catalog: Catalog) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    response = client.post(
        f"/hr/campaigns/{campaign.id}/people",
        data={"full_name": "X", "email": "x@example.com", "language": "en"},
    )
    assert response.status_code == 403
    assert count(db, Person) == 0


# ----------------------------------------------------------------------------- outbox


def test_the_outbox_lists_the_invitation_mail(
    client: TestClient, db: Session, catalog: Catalog
) -> None:
    organisation, _ = signed_in(client, db)
    campaign = make_campaign(db, catalog, organisation)
    add_via_form(client, campaign)
    page = soup_of(client.get("/hr/outbox").text)
    assert page.select_one("#no-smtp") is not None
    rows = page.select("table.outbox tbody tr")
    assert len(rows) == 1
    cells = rows[0].find_all("td")
    assert cells[0].get_text(strip=True) == "anna@example.com"
    assert cells[2].get_text(strip=True) == "Waiting"
    body = rows[0].select_one("details pre.mail-body")
    assert body is not None and "Anna Petrova" in body.get_text() and "/a/" in body.get_text()


def test_the_outbox_says_nothing_about_development_when_smtp_is_set(
    app_factory: Callable[..., TestClient], db: Session
) -> None:
    client = app_factory(smtp_host="smtp.example.com")
    signed_in(client, db)
    page = soup_of(client.get("/hr/outbox").text)
    assert page.select_one("#no-smtp") is None
    assert "No messages yet." in page.get_text()
