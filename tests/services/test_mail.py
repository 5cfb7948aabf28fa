"""The mail worker against a real SMTP server (aiosmtpd, in-process), on SQLite and PostgreSQL.

`send_pending` opens its own sessions, so these tests do not use the rolled-back `db` fixture:
each gets a fresh migrated database and commits its rows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings, get_settings
from app.db import make_engine, scope_to_organisation, utcnow
from app.migrate import upgrade
from app.models import OutboxMessage
from app.scoring.loader import Catalog
from app.services import campaigns as campaign_service
from app.services import mail
from app.services.mail import MailStatus, queue_mail, send_pending
from app.services.people import add_person
from tests.conftest import DatabaseFactory, make_settings
from tests.factories import create_organisation

SUBJECT_RU = "Приглашение на оценку навыков продаж"
BODY_RU = "Здравствуйте, Анна!\n\nОткройте ссылку: https://fit.example.com/a/abc\n\nЁлки-палки — «кавычки».\n"


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and can be told to refuse or stall."""

    def __init__(self) -> None:
        self.port = 0
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.rcpt_answer: str | None = None
        self.refused: dict[str, str] = {}  # address → the answer refusing it
        self.data_answer: str | None = None
        self.data_delay = 0.0
        self.on_message: Callable[[], None] | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_answer or address in self.refused:
            return self.rcpt_answer or self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_answer:
            return self.data_answer
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        if self.on_message is not None:
            self.on_message()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def database_url(databases: DatabaseFactory) -> str:
    """A fresh migrated database of this backend (rows are committed, not rolled back)."""
    url = databases.new_url()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Replaces conftest's shared `engine`: this one is on the fresh database above."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(inbox: Inbox, database_url: str) -> Settings:
    return make_settings(
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_starttls=False,
        smtp_from="SalesFit <no-reply@fit.example.com>",
    )


def queue(engine: Engine, to: str = "anna@example.com", **fields: str) -> int:
    with Session(engine) as session:
        message = queue_mail(
            session,
            organisation_id=None,
            to_address=to,
            subject=fields.get("subject", "Your invitation"),
            body_text=fields.get("body", "Hello!\n"),
        )
        session.commit()
        return message.id or 0


def stored(engine: Engine, message_id: int) -> OutboxMessage:
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        session.expunge(message)
        return message


def change(engine: Engine, message_id: int, **values: Any) -> None:
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        for name, value in values.items():
            setattr(message, name, value)
        session.add(message)
        session.commit()


def statuses(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {m.id or 0: m.status for m in session.exec(select(OutboxMessage))}


# --- delivery ------------------------------------------------------------------------------


def test_a_queued_message_is_delivered_once_with_its_text_intact(
    engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    message_id = queue(engine, subject=SUBJECT_RU, body=BODY_RU)

    report = send_pending(engine, settings)

    assert report == mail.SendReport(sent=1, failed=0, retried=0)
    [(recipients, email)] = inbox.received
    assert recipients == ["anna@example.com"]
    assert email["To"] == "anna@example.com"
    assert email["From"] == "SalesFit <no-reply@fit.example.com>"
    assert email["Subject"] == SUBJECT_RU
    body = email.get_body(("plain",))
    assert body is not None and body.get_content() == BODY_RU
    assert email["Message-ID"].endswith("@fit.example.com>")
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Date"]
    row = stored(engine, message_id)
    assert row.status == MailStatus.sent and row.attempts == 1
    assert row.sent_at is not None and row.locked_until is None

    assert send_pending(engine, settings) == mail.SendReport(sent=0, failed=0, retried=0)
    assert len(inbox.received) == 1


def test_the_outbox_row_belongs_to_the_callers_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        queue_mail(
            session, organisation_id=None, to_address="a@example.com", subject="s", body_text="b"
        )
        session.rollback()
    assert statuses(engine) == {}


def test_an_invitation_mail_goes_out_with_its_link(
    engine: Engine, settings: Settings, inbox: Inbox, catalog: Catalog
) -> None:
    with Session(engine) as session:
        organisation = create_organisation(session)
        scope_to_organisation(session, organisation.id or 0)
        campaign = campaign_service.create_campaign(
            session, catalog=catalog, name="Весенний набор", battery="candidate-general"
        )
        person = add_person(
            session, full_name="Анна Петрова", email="anna@example.com", language="ru"
        )
        invited = campaign_service.invite(
            session,
            campaign=campaign,
            person=person,
            secret_key=settings.get_secret_key(),
            base_url="https://fit.example.com",
        )
        session.commit()
        url = invited.url

    assert send_pending(engine, settings).sent == 1
    [(_, email)] = inbox.received
    body = email.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert url in text and "Анна Петрова" in text
    assert "оценк" in email["Subject"].lower()


def test_a_full_batch_leaves_the_rest_for_the_next_round(
    engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    for n in range(5):
        queue(engine, to=f"p{n}@example.com")
    assert send_pending(engine, settings, batch=2).sent == 2
    assert mail.send_due(engine, settings, batch=2).sent == 3
    assert sorted(r[0][0] for r in inbox.received) == [f"p{n}@example.com" for n in range(5)]


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_temporary_refusal_is_retried_after_a_backoff(
    engine: Engine, settings: Settings, inbox: Inbox, stage: str
) -> None:
    message_id = queue(engine)
    setattr(inbox, f"{stage}_answer", "451 4.3.0 Try again later")

    before = utcnow()
    report = send_pending(engine, settings)

    assert report == mail.SendReport(sent=0, failed=0, retried=1)
    row = stored(engine, message_id)
    assert row.status == MailStatus.pending and row.attempts == 1
    assert row.next_attempt_at >= before + timedelta(minutes=1)
    assert row.last_error and "451" in row.last_error and "Try again later" in row.last_error
    assert send_pending(engine, settings).handled == 0  # not due yet

    setattr(inbox, f"{stage}_answer", None)
    change(engine, message_id, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert send_pending(engine, settings).sent == 1
    row = stored(engine, message_id)
    assert row.status == MailStatus.sent and row.attempts == 2
    assert len(inbox.received) == 1


@pytest.mark.parametrize(
    ("stage", "answer"),
    [("rcpt", "550 5.1.1 No such user here"), ("data", "554 5.7.1 Message rejected")],
)
def test_a_permanent_refusal_fails_at_once(
    engine: Engine, settings: Settings, inbox: Inbox, stage: str, answer: str
) -> None:
    message_id = queue(engine)
    setattr(inbox, f"{stage}_answer", answer)

    assert send_pending(engine, settings) == mail.SendReport(sent=0, failed=1, retried=0)

    row = stored(engine, message_id)
    assert row.status == MailStatus.failed and row.attempts == 1 and row.sent_at is None
    assert row.last_error and answer.split(" ", 1)[1] in row.last_error
    setattr(inbox, f"{stage}_answer", None)
    assert send_pending(engine, settings).handled == 0
    assert inbox.received == []


def test_retrying_ends_after_max_attempts(engine: Engine, settings: Settings, inbox: Inbox) -> None:
    message_id = queue(engine)
    change(engine, message_id, attempts=mail.MAX_ATTEMPTS - 1)
    inbox.data_answer = "451 4.3.0 Try again later"

    assert send_pending(engine, settings).failed == 1

    row = stored(engine, message_id)
    assert row.status == MailStatus.failed and row.attempts == mail.MAX_ATTEMPTS
    assert row.last_error and "451" in row.last_error and "gave up" in row.last_error


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [mail.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        mail.MAX_BACKOFF_MINUTES,
        mail.MAX_BACKOFF_MINUTES,
    ]


def test_a_server_that_is_down_is_a_temporary_failure(engine: Engine, settings: Settings) -> None:
    first, second = queue(engine), queue(engine, to="boris@example.com")
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there

    report = send_pending(engine, down)

    # One attempt is spent; the other message waits rather than failing the same way.
    assert report == mail.SendReport(sent=0, failed=0, retried=1)
    row = stored(engine, first)
    assert row.status == MailStatus.pending and row.attempts == 1
    assert row.last_error and "ConnectionRefused" in row.last_error
    assert row.next_attempt_at > utcnow()
    untouched = stored(engine, second)
    assert untouched.status == MailStatus.pending and untouched.attempts == 0


def test_a_message_the_server_never_confirmed_is_not_resent(
    engine: Engine, settings: Settings, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail, "SMTP_TIMEOUT", 0.5)
    inbox.data_delay = 1.5  # the server takes the message but answers too late
    message_id = queue(engine)

    assert send_pending(engine, settings).failed == 1

    row = stored(engine, message_id)
    assert row.status == MailStatus.failed and row.attempts == 1
    assert row.last_error and "did not confirm" in row.last_error
    inbox.data_delay = 0
    assert send_pending(engine, settings).handled == 0
    assert stored(engine, message_id).status == MailStatus.failed
    assert len(inbox.received) <= 1


def test_a_message_abandoned_mid_send_is_failed_not_resent(
    engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    abandoned, busy = queue(engine), queue(engine, to="boris@example.com")
    now = utcnow()
    change(engine, abandoned, status=MailStatus.sending, locked_until=now - timedelta(seconds=1))
    change(engine, busy, status=MailStatus.sending, locked_until=now + timedelta(minutes=2))

    report = send_pending(engine, settings)

    assert report == mail.SendReport(sent=0, failed=0, retried=0, abandoned=1)
    row = stored(engine, abandoned)
    assert row.status == MailStatus.failed and row.last_error == mail.ABANDONED
    assert row.attempts == 1
    assert stored(engine, busy).status == MailStatus.sending  # another worker is on it
    assert inbox.received == []


def test_a_header_that_cannot_be_built_fails_the_message(
    engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    message_id = queue(engine, subject="Hello\r\nBcc: everyone@example.com")

    assert send_pending(engine, settings).failed == 1

    row = stored(engine, message_id)
    assert row.status == MailStatus.failed and row.last_error
    assert "cannot be built" in row.last_error
    assert inbox.received == []


def test_send_pending_refuses_without_smtp(engine: Engine) -> None:
    message_id = queue(engine)
    with pytest.raises(mail.MailNotConfigured):
        send_pending(engine, make_settings(smtp_host=""))
    assert stored(engine, message_id).status == MailStatus.pending


# --- several workers -----------------------------------------------------------------------


def test_a_claim_takes_no_more_than_its_batch(engine: Engine) -> None:
    # Guards against `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`, which PostgreSQL can
    # re-run per row and so claim every due message.
    ids = [queue(engine, to=f"p{n}@example.com") for n in range(5)]
    assert mail._claim(engine, 1) == ids[:1]
    assert mail._claim(engine, 3) == ids[1:4]
    assert statuses(engine)[ids[4]] == MailStatus.pending


def test_open_claims_never_share_a_message(engine: Engine, databases: DatabaseFactory) -> None:
    if databases.backend != "postgresql":
        pytest.skip("several workers at once are for PostgreSQL (SQLite runs one)")
    ids = [queue(engine, to=f"p{n}@example.com") for n in range(6)]
    now = utcnow()
    with Session(engine) as first, Session(engine) as second:
        claimed_first = mail._claim_due(first, 3, now)  # its transaction stays open
        second.connection().exec_driver_sql("SET LOCAL lock_timeout = '5s'")  # never hang
        claimed_second = mail._claim_due(second, 10, now)
        assert claimed_first == ids[:3]
        assert claimed_second == ids[3:]  # skipped the locked rows instead of waiting
        first.rollback()  # that worker died before committing: its rows are free again
        second.commit()
    assert mail._claim(engine, 10) == ids[:3]
    assert set(statuses(engine).values()) == {MailStatus.sending}


def test_concurrent_claims_from_many_threads_never_overlap(engine: Engine) -> None:
    # PostgreSQL's row locks keep them apart; on SQLite (one worker advised) they take turns.
    with Session(engine) as session:
        for n in range(60):
            queue_mail(
                session,
                organisation_id=None,
                to_address=f"p{n}@example.com",
                subject="s",
                body_text="b",
            )
        session.commit()
    workers = 8
    start = threading.Barrier(workers)
    claims: list[list[int]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def claim(index: int) -> None:
        try:
            start.wait()
            while batch := mail._claim(engine, 2):
                claims[index].extend(batch)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    everything = [message_id for batch in claims for message_id in batch]
    assert len(everything) == len(set(everything)) == 60


def test_concurrent_workers_send_each_message_exactly_once(
    engine: Engine, settings: Settings, inbox: Inbox
) -> None:
    for n in range(30):
        queue(engine, to=f"p{n}@example.com")
    start = threading.Barrier(4)
    reports: list[mail.SendReport] = []

    def work() -> None:
        start.wait()
        reports.append(mail.send_due(engine, settings, batch=3))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 30
    delivered = sorted(recipients[0] for recipients, _ in inbox.received)
    assert delivered == sorted(f"p{n}@example.com" for n in range(30))
    assert set(statuses(engine).values()) == {MailStatus.sent}


# --- the command ---------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def worker_env(database_url: str, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(inbox.port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    for name in ("SMTP_USERNAME", "SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_worker_once_sends_what_is_due_and_summarises(
    worker_env: None, engine: Engine, inbox: Inbox
) -> None:
    sent, refused = queue(engine), queue(engine, to="nobody@example.com")
    inbox.refused["nobody@example.com"] = "550 5.1.1 No such user"

    result = runner.invoke(cli, ["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "Mail: 1 sent, 0 to retry later, 1 failed." in result.stdout
    assert [r[0] for r in inbox.received] == [["anna@example.com"]]
    assert statuses(engine) == {sent: MailStatus.sent, refused: MailStatus.failed}


def test_worker_without_smtp_says_so_and_exits_1(
    worker_env: None, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = queue(engine)
    monkeypatch.setenv("SMTP_HOST", "")
    get_settings.cache_clear()

    result = runner.invoke(cli, ["worker", "--once"])

    assert result.exit_code == 1
    assert "SMTP is not configured" in result.output and "outbox page" in result.output
    assert stored(engine, message_id).status == MailStatus.pending


def test_worker_rejects_a_bad_interval(worker_env: None) -> None:
    result = runner.invoke(cli, ["worker", "--interval", "0"])
    assert result.exit_code == 2
    assert "--interval" in result.output


def test_worker_stops_on_sigterm_after_the_message_it_is_sending(
    worker_env: None, engine: Engine, inbox: Inbox
) -> None:
    ids = [queue(engine, to=f"p{n}@example.com") for n in range(3)]
    before = signal.getsignal(signal.SIGTERM)

    def terminate() -> None:
        # Only with the worker's handler in place: the default would end the test run.
        if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
            os.kill(os.getpid(), signal.SIGTERM)

    inbox.on_message = terminate

    result = runner.invoke(cli, ["worker", "--interval", "0.2"])

    assert result.exit_code == 0, result.output
    assert "Mail worker stopped." in result.stdout
    assert len(inbox.received) == 1  # the message being sent was finished, nothing more
    assert statuses(engine) == {
        ids[0]: MailStatus.sent,
        ids[1]: MailStatus.pending,
        ids[2]: MailStatus.pending,
    }
    assert signal.getsignal(signal.SIGTERM) == before  # the handler was removed
