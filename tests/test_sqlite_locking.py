"""SQLite: two requests that read and then write at the same time both succeed.

With a deferred BEGIN both would hold a read lock, both would try to upgrade it, and one
would fail at once with "database is locked" (seen with an autosave racing a form post).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from app.db import make_engine


def test_concurrent_read_then_write_transactions_both_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE answer_probe (id INTEGER PRIMARY KEY, value TEXT)"))
    errors: list[Exception] = []

    def request(value: str) -> None:
        try:
            with engine.begin() as connection:
                connection.execute(text("SELECT count(*) FROM answer_probe")).scalar()
                time.sleep(0.2)  # both transactions are open at once
                connection.execute(
                    text("INSERT INTO answer_probe (value) VALUES (:v)"), {"v": value}
                )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request, args=(name,)) for name in ("autosave", "form post")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM answer_probe")).scalar() == 2
    engine.dispose()
