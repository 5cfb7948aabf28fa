"""Russian and English: the language of each page, and complete catalogs."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.i18n import negotiate
from app.paths import LOCALE_DIR, ROOT
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, create_user


def heading(html: str) -> str:
    return BeautifulSoup(html, "html.parser").find("h1").get_text(strip=True)


def test_accept_language_chooses_the_language(client: TestClient) -> None:
    assert heading(client.get("/login").text) == "Sign in"
    russian = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert heading(russian.text) == "Войти"
    assert russian.headers["content-language"] == "ru"
    assert '<html lang="ru">' in russian.text
    english = client.get("/login", headers={"Accept-Language": "de-DE, en;q=0.8, ru;q=0.3"})
    assert heading(english.text) == "Sign in"


def test_a_link_parameter_wins_and_is_remembered(client: TestClient) -> None:
    page = client.get("/login?lang=ru", headers={"Accept-Language": "en"})
    assert heading(page.text) == "Войти"
    assert "lang=ru" in page.headers["set-cookie"]
    assert heading(client.get("/login", headers={"Accept-Language": "en"}).text) == "Войти"


def test_the_users_setting_chooses_the_language(client: TestClient, db: Session) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    account = client.get("/account")
    response = client.post(
        "/account/language",
        data={"language": "ru", "csrf_token": csrf_from(account.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    db.refresh(user)
    assert user.language == "ru"
    assert heading(client.get("/dashboard", headers={"Accept-Language": "en"}).text)  # page renders
    assert "Команды" in client.get("/dashboard", headers={"Accept-Language": "en"}).text
    # Signing in again elsewhere brings the setting back.
    other = TestClient(client.app)
    sign_in(other, user.email, PASSWORD)
    assert "Команды" in other.get("/dashboard").text


def test_an_unknown_language_is_refused_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    user = create_user(db)
    sign_in(client, user.email, PASSWORD)
    account = client.get("/account")
    response = client.post(
        "/account/language", data={"language": "xx", "csrf_token": csrf_from(account.text)}
    )
    assert response.status_code == 400
    db.refresh(user)
    assert user.language is None


def test_negotiation_reads_quality_values() -> None:
    assert negotiate("ru;q=0.2, en;q=0.9") == "en"
    assert negotiate("fr, ru-RU;q=0.5") == "ru"
    assert negotiate("fr, de") is None
    assert negotiate(None) is None


PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _same_placeholders(msgid: str | tuple[str, ...], string: str | tuple[str, ...]) -> bool:
    """Each translated form keeps the placeholders of the English it translates."""
    if isinstance(msgid, str):
        return sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(str(string)))
    wanted = set(PLACEHOLDER.findall(msgid[-1]))
    return all(set(PLACEHOLDER.findall(form)) == wanted for form in string)


def test_every_message_has_a_russian_translation() -> None:
    """Every string of code and templates is translated to Russian, placeholders kept."""
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = {
        (message if isinstance(message, str) else message[0], context)
        for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options
        )
        if "/.venv/" not in _file
    }
    assert ("Wrong e-mail or password.", None) in found  # extraction really ran
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    missing, untranslated, broken = [], [], []
    for msgid, context in sorted(found, key=lambda pair: (pair[0], pair[1] or "")):
        message = catalog.get(msgid, context)  # a word translated by its context (pgettext)
        if message is None:
            missing.append(msgid)
        elif not message.string or message.fuzzy or not all(message.string):
            untranslated.append(msgid)
        elif not _same_placeholders(message.id, message.string):
            broken.append(msgid)
    assert missing == [], "run `make update-catalogs` and translate"
    assert untranslated == []
    assert broken == []
    assert Path(LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.mo").exists(), "run `make catalogs`"
