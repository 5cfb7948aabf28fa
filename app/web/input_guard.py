"""One guard for every string a request brings: NUL and unpaired UTF-16 surrogates are
refused before any route sees them.

PostgreSQL cannot store NUL in text, and a lone surrogate (JSON's `"\\ud800"`) cannot be
written as UTF-8, so either one, once stored, broke every page that showed it. The guard is an
app-wide dependency (see `create_app`): it checks the query string, the path parameters, the
fields of a posted form and the JSON body of every route, and raises `BadCharacter` naming
the field. The API answers it like any invalid request (422 with the standard list of errors,
`loc` naming the field); a page answers 422 with a message in the reader's language.

CSV files are checked cell by cell where they are read (app/services/people.py), since a
file's problems are reported per line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.i18n import gettext as _
from app.security import bad_character, find_bad_string

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_BYTES = 2 * 1024 * 1024
"""Larger forms are not read here (the CSRF check refuses them)."""
_SUSPECT_JSON = re.compile(rb"\\u0000|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\x00|\xed[\xa0-\xbf]")
"""Bytes of a JSON body that may decode to NUL or a surrogate (a quick look before a parse)."""


class BadCharacter(RequestValidationError):
    """A request string holds NUL or an unpaired surrogate; `loc` names where."""

    def __init__(self, location: tuple[str | int, ...]) -> None:
        self.location = location
        self.field = ".".join(str(part) for part in location[1:]) or str(location[0])
        super().__init__(
            [
                {
                    "type": "string_bad_character",
                    "loc": location,
                    "msg": message(self.field),
                    "input": None,
                }
            ]
        )


def message(field: str) -> str:
    return _(
        "The field “%(field)s” contains a character that is not allowed (NUL or an unpaired "
        "UTF-16 surrogate). Remove it and send again."
    ) % {"field": field}


def _route_takes_json(request: Request) -> bool:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return False
    content_type = request.headers.get("content-type", "")
    return not content_type.startswith(FORM_TYPES)


async def refuse_bad_characters(request: Request) -> None:
    """App-wide dependency: raise BadCharacter for the first bad string of the request."""
    for name, value in request.query_params.multi_items():
        if bad_character(name) or bad_character(value):
            raise BadCharacter(("query", name))
    for name, value in request.path_params.items():
        if isinstance(value, str) and bad_character(value):
            raise BadCharacter(("path", name))
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_FORM_BYTES:
            return
        form = await request.form()
        for name, item in form.multi_items():
            if bad_character(name) or (isinstance(item, str) and bad_character(item)):
                raise BadCharacter(("body", name))
    elif _route_takes_json(request):
        body = await request.body()
        if not _SUSPECT_JSON.search(body):
            return
        try:
            decoded: Any = json.loads(body)
        except ValueError:
            return  # not JSON at all: the route's own validation says so
        found = find_bad_string(decoded)
        if found is not None:
            raise BadCharacter(("body", *found))
