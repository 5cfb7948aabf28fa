"""SQLite: two requests that read and then write at the same time both succeed.

With a deferred BEGIN both would hold a read lock, both would try to upgrade it, and one
would fail at once with "database is locked" (seen with an autosave racing a form post).
Writing requests take the write lock at BEGIN; reading ones (a GET, `reading(engine)`) end
their read snapshot and take it at their first write.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import make_engine, reading


@pytest.mark.parametrize("reads_first", [False, True], ids=["writing", "reading"])
def test_concurrent_read_then_write_transactions_both_commit(
    tmp_path: Path, reads_first: bool
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    if reads_first:
        engine = reading(engine)
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
