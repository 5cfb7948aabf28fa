"""A mail worker (`salesfit worker`, a real process) killed with SIGKILL in the middle of a
batch sends no message twice and loses none silently (an aiosmtpd server counts deliveries).

The worker claims one message at a time and records its outcome right after the server's
answer. SIGKILL can land between the server accepting a message and that record (in this test
the server is slow to answer, so it does): that message stays `sending`. When its lease runs out
the next worker marks it `failed` with "may have gone out already" and never resends it — at
most once, by design; HR sees it on the outbox page and can send a reminder. Every other
message is sent exactly once by the next worker.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import make_engine, utcnow
from app.migrate import upgrade
from app.models import Organisation, OutboxMessage
from app.services.mail import ABANDONED, MailStatus, queue_mail
from tests.conftest import DatabaseFactory
from tests.faults.conftest import BIN, free_port

MESSAGES = 8


class SlowCounting:
    """Accepts every message after a pause, counting each Message-ID it received."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        await asyncio.sleep(0.4)
        return "250 OK"


def _worker(database_url: str, smtp_port: int, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_STARTTLS": "false",
    }
    return subprocess.Popen(
        [str(BIN / "salesfit"), "worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_worker_killed_mid_batch_sends_nothing_twice_and_loses_nothing(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    database_url = databases.new_url()
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        organisation = Organisation(name="Mail", slug="mail")
        session.add(organisation)
        session.flush()
        for i in range(MESSAGES):
            queue_mail(
                session,
                organisation_id=organisation.id,
                to_address=f"person{i}@faults.example.com",
                subject=f"Invitation {i}",
                body_text="Your link.",
            )
        session.commit()
    handler = SlowCounting()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        worker = _worker(database_url, controller.port, "--interval", "0.2", "--batch", "20")
        deadline = time.monotonic() + 60
        while len(handler.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(handler.received) >= 3, "the worker sent nothing"
        time.sleep(0.1)  # inside the server's pause: the message is received, not answered
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        with Session(engine) as session:
            in_flight = session.exec(
                select(OutboxMessage).where(OutboxMessage.status == MailStatus.sending)
            ).all()
            assert len(in_flight) <= 1, "one message at a time is claimed"
            # what five minutes would do: the dead worker's lease runs out
            session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.status) == MailStatus.sending)
                .values(locked_until=utcnow() - timedelta(seconds=1))
            )
            session.commit()
        again = _worker(database_url, controller.port, "--once")
        output, _ = again.communicate(timeout=60)
        assert again.returncode == 0, output.decode()
    finally:
        controller.stop()

    with Session(engine) as session:
        messages = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    engine.dispose()
    received = handler.received
    assert len(received) == len(set(received)), "a message was delivered twice"
    assert len(messages) == MESSAGES
    by_status = {m.id: m.status for m in messages}
    assert set(by_status.values()) <= {MailStatus.sent, MailStatus.failed}, by_status
    failed = [m for m in messages if m.status == MailStatus.failed]
    assert len(failed) <= 1 and all(m.last_error == ABANDONED for m in failed)
    delivered_ids = {mid.split(".")[1] for mid in received}  # <outbox.{id}.{created}@domain>
    for message in messages:
        if message.status == MailStatus.sent:
            assert str(message.id) in delivered_ids, (
                f"message {message.id} marked sent, never received"
            )
    # nothing lost silently: each message went out once, or is marked failed for HR to see
    assert all(str(m.id) in delivered_ids or m.status == MailStatus.failed for m in messages)
