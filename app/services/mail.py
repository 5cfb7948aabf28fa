"""Mail: messages are written to the outbox in the caller's transaction and sent by
`salesfit worker`, so an invitation and its e-mail are saved together or not at all.

A message is sent at most once, also with several workers:

- claiming is one statement, `WITH due AS MATERIALIZED (SELECT … FOR UPDATE SKIP LOCKED)
  UPDATE … SET status = 'sending' … WHERE status = 'pending' RETURNING id`, that gives the
  message a lease (`locked_until`). On PostgreSQL concurrent workers skip each other's rows;
  on SQLite the statement runs under the database's single write lock, so a second worker
  only takes turns (one worker is the intended set-up there);
- a worker claims one message at a time and sends it at once, so the lease (`LOCK_SECONDS`)
  always outlasts the SMTP conversation (every network step times out after `SMTP_TIMEOUT`);
- a message still `sending` after its lease belonged to a worker that died mid-send; it may
  have gone out, so it is marked `failed` with the reason and never sent again (HR sees it
  on the outbox page and can send a reminder);
- the same holds when the server received the whole message but its answer never came
  (a timeout or a dropped connection after the final "."): `failed`, not retried.

Temporary failures (server down or refusing connections, timeouts, a 4xx answer) are retried
with exponential back-off (1, 2, 4 … `MAX_BACKOFF_MINUTES` minutes); after `MAX_ATTEMPTS`, or at
once when the server refuses the recipient or the message with a 5xx answer, the message is
`failed` with the server's answer in `last_error`.
"""

from __future__ import annotations

import logging
import signal
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import Enum
from types import FrameType, TracebackType
from typing import Any

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import utcnow
from app.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Attempts before a message fails for good: about two hours of retrying in all."""
MAX_BACKOFF_MINUTES = 60
LOCK_SECONDS = 300
"""The lease of a claimed message; past it, a message still `sending` counts as abandoned."""
SMTP_TIMEOUT = 20.0
"""Seconds each network step may take (connect, each command, the message itself)."""
SMTPS_PORT = 465
"""On this port the connection is TLS from the start (SMTPS) instead of STARTTLS."""

ABANDONED = "The worker stopped while sending; not resent, as it may have gone out already."
UNCONFIRMED = (
    "The server received the message but did not confirm it ({error}); "
    "not resent, as it may have gone out already."
)


class MailStatus:
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class MailNotConfigured(RuntimeError):
    """SMTP_HOST is not set: mail stays in the outbox (HR sees it on the outbox page)."""

    def __init__(self) -> None:
        super().__init__("SMTP is not configured (SMTP_HOST is empty); no mail can be sent.")


def queue_mail(
    session: Session,
    *,
    organisation_id: int | None,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox (committed with the caller's transaction)."""
    message = OutboxMessage(
        organisation_id=organisation_id,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
    )
    session.add(message)
    return message


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    retried: int
    abandoned: int = 0
    """Messages found `sending` past their lease (a worker died) and marked failed."""

    @property
    def handled(self) -> int:
        """Messages this run tried to send."""
        return self.sent + self.failed + self.retried

    def summary(self) -> str:
        text = f"{self.sent} sent, {self.retried} to retry later, {self.failed} failed"
        if self.abandoned:
            text += f", {self.abandoned} abandoned by a stopped worker marked failed"
        return text + "."


def smtp_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: 1, 2, 4 … minutes."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


# --- building and delivering -------------------------------------------------------------


def _build(settings: Settings, message: OutboxMessage) -> EmailMessage:
    """The e-mail for an outbox row; raises ValueError when a header cannot be built."""
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    # Stable across attempts, so a receiving system can recognise a repeated message.
    email["Message-ID"] = f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    email.set_content(message.body_text, cte=_transfer_encoding(message.body_text))
    if message.body_html:
        email.add_alternative(
            message.body_html, subtype="html", cte=_transfer_encoding(message.body_html)
        )
    return email


def _transfer_encoding(text: str) -> str | None:
    """Base64 for non-ASCII text, intact through servers without 8BITMIME; else the default."""
    return None if text.isascii() else "base64"


def _mark_if_payload(client: smtplib.SMTP, data: Any) -> None:
    # smtplib sends the whole message, ending in CRLF "." CRLF, in one call before it
    # waits for the server's answer: from here on a lost answer leaves the outcome unknown.
    if isinstance(data, bytes) and data.endswith(b"\r\n.\r\n"):
        client.payload_sent = True  # type: ignore[attr-defined]


class _SMTP(smtplib.SMTP):
    payload_sent = False

    def send(self, s: Any) -> None:
        super().send(s)
        _mark_if_payload(self, s)


class _SMTPS(smtplib.SMTP_SSL):
    payload_sent = False

    def send(self, s: Any) -> None:
        super().send(s)
        _mark_if_payload(self, s)


class Outcome(Enum):
    sent = "sent"
    retry = "retry"  # temporary: tried again after a back-off
    failed = "failed"  # permanent, or unknown whether it went out


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    error: str | None = None
    unreachable: bool = False
    """The server could not be reached (no connection, TLS or login failed)."""


def _classify(exc: Exception, payload_sent: bool) -> Delivery:
    """What a delivery error means for the message."""
    error = _describe(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return Delivery(Outcome.failed if permanent else Outcome.retry, error)
    if isinstance(exc, smtplib.SMTPDataError):  # the server's answer to the message itself
        return Delivery(Outcome.failed if exc.smtp_code >= 500 else Outcome.retry, error)
    if payload_sent:  # the whole message went out but its answer was lost
        return Delivery(Outcome.failed, UNCONFIRMED.format(error=error))
    if isinstance(exc, OSError):  # SMTPException is an OSError too: 4xx, auth, TLS, timeouts
        return Delivery(Outcome.retry, error)
    return Delivery(Outcome.failed, error)  # not a network error: a retry would fail alike


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "The server refused the recipient: " + _answers(exc.recipients)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{type(exc).__name__}: {exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _answers(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in refused.values())


class Mailer:
    """One SMTP connection, opened on first use and reused for the following messages;
    dropped after any failure, so the next message starts on a fresh one."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise MailNotConfigured()
        self.settings = settings
        self.host: str = settings.smtp_host
        self.client: _SMTP | _SMTPS | None = None

    def _connect(self) -> _SMTP | _SMTPS:
        settings = self.settings
        client: _SMTP | _SMTPS
        if settings.smtp_port == SMTPS_PORT:
            client = _SMTPS(
                self.host,
                settings.smtp_port,
                timeout=SMTP_TIMEOUT,
                context=ssl.create_default_context(),
            )
        else:
            client = _SMTP(self.host, settings.smtp_port, timeout=SMTP_TIMEOUT)
        try:
            if settings.smtp_starttls and settings.smtp_port != SMTPS_PORT:
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                password = settings.smtp_password
                client.login(
                    settings.smtp_username, password.get_secret_value() if password else ""
                )
        except BaseException:
            client.close()
            raise
        return client

    def deliver(self, email: EmailMessage) -> Delivery:
        """Send one message and say how it went (never raises for a delivery problem)."""
        try:
            if self.client is None:
                self.client = self._connect()
            self.client.payload_sent = False
            refused = self.client.send_message(email)
        except Exception as exc:
            unreachable = self.client is None
            payload_sent = self.client is not None and self.client.payload_sent
            self.close(polite=False)  # its state is unknown; the next message reconnects
            if not isinstance(exc, OSError):
                log.error("unexpected error while sending", exc_info=exc)
            delivery = _classify(exc, payload_sent)
            return Delivery(delivery.outcome, delivery.error, unreachable)
        if refused:  # some of several recipients: the others got it
            return Delivery(Outcome.sent, "Refused recipients: " + _answers(refused))
        return Delivery(Outcome.sent)

    def close(self, *, polite: bool = True) -> None:
        """Say QUIT (when `polite`) and close; an error here changes nothing already sent."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if polite:
                client.quit()
        except OSError:
            pass
        finally:
            client.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# --- the queue ----------------------------------------------------------------------------


def _fail_abandoned(engine: Engine, now: datetime) -> int:
    """Mark messages left `sending` past their lease as failed; returns how many."""
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == MailStatus.sending,
            or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
        )
        .values(
            status=MailStatus.failed,
            attempts=col(OutboxMessage.attempts) + 1,
            locked_until=None,
            last_error=ABANDONED,
        )
        .execution_options(synchronize_session=False)
    )
    with Session(engine) as session:
        count = session.exec(statement).rowcount
        session.commit()
    if count:
        log.warning("%d message(s) abandoned mid-send by a stopped worker marked failed", count)
    return count


def _claim_due(session: Session, batch: int, now: datetime) -> list[int]:
    """In the session's transaction, mark up to `batch` due messages `sending` and return
    their ids. Concurrent transactions never get the same message: on PostgreSQL the rows
    are locked and skipped by the others, on SQLite writers take turns."""
    due = (
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.status) == MailStatus.pending,
            col(OutboxMessage.next_attempt_at) <= now,
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A materialised CTE runs the locking select exactly once. Written as `id IN (SELECT …
    # LIMIT n FOR UPDATE SKIP LOCKED)`, PostgreSQL may plan a nested loop that re-runs the
    # subquery for every candidate row and so claims far more than `batch` rows.
    chosen = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    claim = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(select(chosen.c.id)),
            col(OutboxMessage.status) == MailStatus.pending,
        )
        .values(status=MailStatus.sending, locked_until=now + timedelta(seconds=LOCK_SECONDS))
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    )
    return sorted(session.exec(claim).scalars())


def _claim(engine: Engine, batch: int) -> list[int]:
    """Claim up to `batch` due messages for this worker (committed) and return their ids."""
    with Session(engine) as session:
        ids = _claim_due(session, batch, utcnow())
        session.commit()
    return ids


def _record(engine: Engine, message_id: int, attempts: int, delivery: Delivery) -> None:
    now = utcnow()
    values: dict[str, Any] = {"attempts": attempts, "locked_until": None}
    error = delivery.error[:2000] if delivery.error else None
    if delivery.outcome is Outcome.sent:
        values.update(status=MailStatus.sent, sent_at=now)
        if error:
            values["last_error"] = error
    elif delivery.outcome is Outcome.retry:
        values.update(
            status=MailStatus.pending, next_attempt_at=now + backoff(attempts), last_error=error
        )
    else:
        values.update(status=MailStatus.failed, last_error=error)
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    with Session(engine) as session:
        session.exec(statement)
        session.commit()


def _send_one(engine: Engine, settings: Settings, mailer: Mailer, message_id: int) -> Delivery:
    """Send one claimed message and record the outcome."""
    with Session(engine) as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:  # deleted with its organisation meanwhile
            return Delivery(Outcome.failed, "The message was deleted.")
        attempts = message.attempts + 1
        try:
            built: EmailMessage | Delivery = _build(settings, message)
        except (ValueError, TypeError) as exc:
            built = Delivery(Outcome.failed, f"The message cannot be built: {exc}")
    # The session is closed: no transaction stays open during the SMTP conversation.
    delivery = built if isinstance(built, Delivery) else mailer.deliver(built)
    if delivery.outcome is Outcome.retry and attempts >= MAX_ATTEMPTS:
        error = f"{delivery.error} (gave up after {attempts} attempts)"
        delivery = Delivery(Outcome.failed, error, delivery.unreachable)
    _record(engine, message_id, attempts, delivery)
    if delivery.outcome is Outcome.sent:
        log.debug("outbox message %d sent (attempt %d)", message_id, attempts)
    else:
        log.warning(
            "outbox message %d, attempt %d, %s: %s",
            message_id,
            attempts,
            "will retry" if delivery.outcome is Outcome.retry else "failed",
            delivery.error,
        )
    return delivery


def send_pending(
    engine: Engine,
    settings: Settings,
    *,
    batch: int = 20,
    should_stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Send up to `batch` due messages once (the worker calls this in a loop).

    Raises MailNotConfigured without SMTP settings. `should_stop` is asked before each
    message, so a worker told to stop finishes the message it is sending and nothing else.
    """
    counts = dict.fromkeys(Outcome, 0)
    with Mailer(settings) as mailer:
        abandoned = _fail_abandoned(engine, utcnow())
        for _ in range(batch):
            if should_stop is not None and should_stop():
                break
            claimed = _claim(engine, 1)
            if not claimed:
                break
            delivery = _send_one(engine, settings, mailer, claimed[0])
            counts[delivery.outcome] += 1
            if delivery.unreachable:
                # The others wait for the next round instead of each spending an attempt
                # (and maybe a timeout) on the same unreachable server.
                break
    return SendReport(
        sent=counts[Outcome.sent],
        failed=counts[Outcome.failed],
        retried=counts[Outcome.retry],
        abandoned=abandoned,
    )


# --- the worker ---------------------------------------------------------------------------


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """Set `stop` on Ctrl-C or SIGTERM instead of interrupting a send; a second signal acts
    as usual (at once). Outside the main thread (where Python allows no handlers) it does
    nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {
        signum: signal.getsignal(signum) or signal.SIG_DFL
        for signum in (signal.SIGINT, signal.SIGTERM)
    }

    def handle(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signum, previous[signal.Signals(signum)])

    for signum in previous:
        signal.signal(signum, handle)
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def send_due(
    engine: Engine,
    settings: Settings,
    *,
    batch: int = 20,
    should_stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Send everything due now, batch after batch (`salesfit worker --once`)."""
    total = SendReport(0, 0, 0)
    while True:
        report = send_pending(engine, settings, batch=batch, should_stop=should_stop)
        total = SendReport(
            sent=total.sent + report.sent,
            failed=total.failed + report.failed,
            retried=total.retried + report.retried,
            abandoned=total.abandoned + report.abandoned,
        )
        if report.handled < batch or (should_stop is not None and should_stop()):
            return total


def run_worker(
    engine: Engine,
    settings: Settings,
    *,
    stop: threading.Event,
    interval: float = 5.0,
    batch: int = 20,
) -> None:
    """Send due mail every `interval` seconds until `stop` is set; a full batch is followed
    at once by the next one. A database outage is logged and waited out."""
    while not stop.is_set():
        try:
            report = send_pending(engine, settings, batch=batch, should_stop=stop.is_set)
        except SQLAlchemyError as exc:
            log.warning("the database is unavailable (%s); trying again in %g s", exc, interval)
            stop.wait(interval)
            continue
        if report.handled or report.abandoned:
            log.info("Mail: %s", report.summary())
        if report.handled < batch:
            stop.wait(interval)


def organisation_outbox(
    session: Session, *, organisation_id: int, limit: int = 200
) -> list[OutboxMessage]:
    """An organisation's messages, newest first.

    outbox_message is not organisation-scoped (the worker reads it across organisations), so
    this and messages_by_key are the places that filter it by organisation for staff pages.
    """
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.organisation_id == organisation_id)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def messages_by_key(
    session: Session, *, organisation_id: int, keys: list[str]
) -> dict[str, OutboxMessage]:
    """An organisation's messages with these dedupe keys, by key (filtered by organisation
    here too, as in organisation_outbox)."""
    if not keys:
        return {}
    statement = select(OutboxMessage).where(
        OutboxMessage.organisation_id == organisation_id,
        col(OutboxMessage.dedupe_key).in_(keys),
    )
    return {message.dedupe_key or "": message for message in session.exec(statement)}
