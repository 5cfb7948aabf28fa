"""The `id` path type: `/hr/campaigns/{campaign_id:id}` matches only ids a row can have.

Registered with Starlette when app.web is imported (before any route is declared), so a path
like /hr/campaigns/99999999999 matches no route and gets the ordinary 404, on every route that
uses it, instead of reaching the database (see app/ids.py).
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from app.ids import ID_PATTERN, MAX_ID


class IdConvertor(Convertor[int]):
    regex = ID_PATTERN

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{number} is not a row id")
        return str(number)


register_url_convertor("id", IdConvertor())
