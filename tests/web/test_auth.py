"""Signing in and out, the session cookie, CSRF and roles."""

from __future__ import annotations

from collections.abc import Callable

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import SESSION_COOKIE
from app.models import Role
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_organisation, create_team, create_user


def login_form(client: TestClient) -> dict[str, str]:
    page = client.get("/login")
    assert page.status_code == 200
    return {"csrf_token": csrf_from(page.text)}


def test_the_login_page_has_a_protected_form(client: TestClient) -> None:
    page = client.get("/login")
    soup = BeautifulSoup(page.text, "html.parser")
    form = soup.find("form", attrs={"action": "/login"})
    assert form is not None and form["method"] == "post"
    assert form.find("input", attrs={"name": "csrf_token"})["value"]
    assert form.find("input", attrs={"name": "email"}) and form.find(
        "input", attrs={"name": "password"}
    )


def test_signing_in_sets_a_safe_session_cookie(client: TestClient, db: Session) -> None:
    user = create_user(db)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, **login_form(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and user.email in dashboard.text


def test_the_cookie_is_secure_behind_https(
    app_factory: Callable[..., TestClient], db: Session
) -> None:
    client = app_factory(base_url="https://fit.example.com")
    user = create_user(db)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, **login_form(client)},
        follow_redirects=False,
    )
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "secure" in cookie.lower()


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    answers = []
    for email, password in [(user.email, "not-the-password"), ("nobody@example.com", PASSWORD)]:
        response = client.post(
            "/login", data={"email": email, "password": password, **login_form(client)}
        )
        assert response.status_code == 401
        error = BeautifulSoup(response.text, "html.parser").find(class_="error")
        answers.append(error.get_text(strip=True))
    assert answers[0] == answers[1] == "Wrong e-mail or password."
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    user = create_user(db)
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    forged = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert client.get("/dashboard", follow_redirects=False).status_code == 303  # still signed out


def test_signing_out_ends_the_session(client: TestClient, db: Session) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    dashboard = client.get("/dashboard")
    assert client.post("/logout", data={}).status_code == 403  # CSRF applies to sign-out too
    response = client.post(
        "/logout", data={"csrf_token": csrf_from(dashboard.text)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_pages_need_a_signed_in_user_and_come_back_after(client: TestClient, db: Session) -> None:
    response = client.get("/model", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fmodel"
    user = create_user(db)
    page = client.get("/login?next=/model")
    after = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "next": "/model",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert after.headers["location"] == "/model"


def test_sign_in_never_redirects_off_site(client: TestClient, db: Session) -> None:
    user = create_user(db)
    for target in ["//evil.example.com/", "https://evil.example.com/", "javascript:alert(1)"]:
        client.cookies.clear()
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "next": target, **login_form(client)},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_roles_are_enforced(client: TestClient, db: Session) -> None:
    organisation = create_organisation(db)
    hr = create_user(db, organisation=organisation, role=Role.hr)
    admin = create_user(db, organisation=organisation, role=Role.admin)
    sign_in(client, hr.email, PASSWORD)
    assert client.get("/admin/users").status_code == 403
    assert "/admin/users" not in client.get("/dashboard").text
    client.cookies.clear()
    sign_in(client, admin.email, PASSWORD)
    page = client.get("/admin/users")
    assert page.status_code == 200 and hr.email in page.text


def test_staff_see_only_their_own_organisation(client: TestClient, db: Session) -> None:
    ours, theirs = create_organisation(db), create_organisation(db)
    create_team(db, organisation=ours, name="Our inbound desk")
    create_team(db, organisation=theirs, name="Their secret hunters")
    admin = create_user(db, organisation=ours, role=Role.admin)
    create_user(db, organisation=theirs, role=Role.hr, email="their-hr@example.com")
    sign_in(client, admin.email, PASSWORD)
    dashboard = client.get("/dashboard").text
    assert "Our inbound desk" in dashboard and "Their secret hunters" not in dashboard
    assert "their-hr@example.com" not in client.get("/admin/users").text


def test_scripts_may_send_the_csrf_token_in_a_header(client: TestClient, db: Session) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    token = csrf_from(client.get("/account").text)
    refused = client.post(
        "/account/language", data={"language": "ru"}, headers={"X-CSRF-Token": "x"}
    )
    assert refused.status_code == 403
    accepted = client.post(
        "/account/language",
        data={"language": "ru"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
