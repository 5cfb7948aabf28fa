"""Row ids as the database stores them: 1 … 2**31 − 1 (PostgreSQL's `integer`).

A larger number can name no row, and on PostgreSQL it makes the query itself fail; on
SQLite beyond 2**63 too. Web routes take ids through the `id` path type (app/web/params.py,
which answers 404 for anything else) and ids in query strings through `parse_id`.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
ID_PATTERN = (
    "(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
    "|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
    "|21474836[0-3][0-9]|214748364[0-7])"
)
"""1 … 2147483647 (MAX_ID) in decimal ASCII digits, without leading zeros."""
_ID = re.compile(ID_PATTERN)


def parse_id(text: str | None) -> int | None:
    """The id `text` writes (see ID_PATTERN; surrounding spaces allowed), else None."""
    value = (text or "").strip()
    return int(value) if _ID.fullmatch(value) else None
