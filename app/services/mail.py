"""Mail: messages are written to the outbox in the caller's transaction and sent by
`salesfit worker`, so an invitation and its e-mail are saved together or not at all.

Sending is safe with several workers: on PostgreSQL each claims its messages with
`FOR UPDATE SKIP LOCKED`; a claimed message is marked `sending` before SMTP is called and
`sent` right after. A message whose worker died mid-send is never sent again (that could be a
duplicate) but marked `failed` for HR to see and resend. Failures are retried with
exponential back-off (1, 2, 4, 8… minutes) up to `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select

from app.config import Settings
from app.db import ALL_ORGANISATIONS, utcnow
from app.models import OutboxMessage

MAX_ATTEMPTS = 6
LOCK_SECONDS = 300


class MailStatus:
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


def queue_mail(
    session: Session,
    *,
    organisation_id: int | None,
    to_address: str,
    subject: str,
    body_text: str,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox (committed with the caller's transaction)."""
    message = OutboxMessage(
        organisation_id=organisation_id,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        dedupe_key=dedupe_key,
    )
    session.add(message)
    return message


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    retried: int


def smtp_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _build(settings: Settings, message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="salesfit")
    email.set_content(message.body_text)
    return email


def _deliver(settings: Settings, email: EmailMessage) -> None:
    assert settings.smtp_host is not None  # noqa: S101  (checked by the caller)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(email)


def _claim(engine: Engine, batch: int) -> list[int]:
    """Mark up to `batch` due messages as `sending` for this worker and return their ids."""
    now = utcnow()
    with Session(engine) as session:
        abandoned = select(OutboxMessage).where(
            OutboxMessage.status == MailStatus.sending,
            col(OutboxMessage.locked_until) < now,
        )
        for message in session.exec(abandoned.execution_options(**{ALL_ORGANISATIONS: True})):
            message.status = MailStatus.failed
            message.last_error = "the worker stopped while sending; not resent to avoid a duplicate"
            session.add(message)
        due = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MailStatus.pending,
                or_(col(OutboxMessage.next_attempt_at) <= now),
            )
            .order_by(col(OutboxMessage.id))
            .limit(batch)
        )
        if engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claimed = list(session.exec(due.execution_options(**{ALL_ORGANISATIONS: True})))
        for message in claimed:
            message.status = MailStatus.sending
            message.locked_until = now + timedelta(seconds=LOCK_SECONDS)
            session.add(message)
        session.commit()
        return [m.id for m in claimed if m.id is not None]


def send_pending(engine: Engine, settings: Settings, *, batch: int = 20) -> SendReport:
    """Send what is due once; the worker calls this in a loop."""
    sent = failed = retried = 0
    for message_id in _claim(engine, batch):
        with Session(engine) as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                continue
            try:
                _deliver(settings, _build(settings, message))
            except (OSError, smtplib.SMTPException) as exc:
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS or isinstance(
                    exc, smtplib.SMTPRecipientsRefused
                ):
                    message.status = MailStatus.failed
                    failed += 1
                else:
                    message.status = MailStatus.pending
                    message.next_attempt_at = utcnow() + timedelta(
                        minutes=2 ** (message.attempts - 1)
                    )
                    retried += 1
            else:
                message.status = MailStatus.sent
                message.sent_at = utcnow()
                message.attempts += 1
                sent += 1
            message.locked_until = None
            session.add(message)
            session.commit()
    return SendReport(sent, failed, retried)
