"""Reading an uploaded CSV file the way spreadsheets write it, for every import.

The encoding: UTF-8 with or without a byte-order mark, UTF-16 with its mark (Excel's
"Unicode text"), and Windows-1251, which Russian Excel writes for "CSV (comma delimited)".
Windows-1251 is accepted only when the text reads as Russian (mostly lower-case Cyrillic
letters); anything else that is not UTF-8 is refused with a message saying how to save the
file. The encoding used is reported (`CsvTable.encoding`) so the preview can say so.

The delimiter is the one of `,`, `;` and tab that the header line uses most (Russian Excel
writes `;`). The header names the columns; an unknown or repeated column refuses the file,
so that a misspelt column never silently drops its data.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.i18n import gettext as _
from app.services.errors import Invalid

UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 (BOM)"
UTF16 = "UTF-16"
CP1251 = "Windows-1251"
DELIMITERS = (",", ";", "\t")
UPPER_SHARE_LIMIT = 0.6
"""Russian text read as Windows-1251 is mostly lower case; KOI8-R read so is mostly upper."""


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell (or a whole row when `column` is None)."""

    line: int
    column: str | None
    message: str

    def text(self) -> str:
        if self.column:
            return _("Line %(line)s, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


T = TypeVar("T")


class RowChecks:
    """Collects the problems of one row, cell by cell, so that every bad cell is reported."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.problems: list[RowProblem] = []

    def check(self, column: str, fn: Callable[..., T], *args: Any) -> T | None:
        """fn(*args), or None with the Invalid it raised recorded against `column`."""
        try:
            return fn(*args)
        except Invalid as exc:
            self.add(column, exc.message)
            return None

    def add(self, column: str | None, message: str) -> None:
        self.problems.append(RowProblem(self.line, column, message))


@dataclass
class ImportPlan:
    """What an import would do, before anything changes: the rows' problems and, in the
    subclasses, what each good row would add or change."""

    encoding: str | None = None
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})

    @property
    def rows(self) -> int:
        """The rows read: the bad ones and those the subclass sorted into what they do."""
        return len(self.bad_lines)

    def fingerprint(self, content: dict[str, Any]) -> str:
        """A digest of what the plan would do: a confirmation applies exactly what was shown."""
        content = {**content, "problems": [[p.line, p.column, p.message] for p in self.problems]}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CsvRow:
    line: int  # the line of the file the row starts on (the header is line 1)
    values: dict[str, str]  # column -> the cell, stripped; missing cells are ""


@dataclass(frozen=True)
class CsvTable:
    encoding: str
    delimiter: str
    columns: list[str]
    rows: list[CsvRow]
    problems: list[RowProblem] = field(default_factory=list)  # rows that cannot be read


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name), or Invalid saying what the file is and how to save it."""
    if content.startswith(b"PK\x03\x04"):
        raise Invalid(
            _(
                "This is an Excel workbook, not a CSV file. In Excel choose File → Save as → "
                "“CSV UTF-8 (comma delimited)” and upload that file."
            )
        )
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), UTF16
        except UnicodeDecodeError:
            raise Invalid(_("The file says it is UTF-16 but cannot be read as such.")) from None
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), UTF8_BOM
        except UnicodeDecodeError:
            raise Invalid(_("The file says it is UTF-8 but cannot be read as such.")) from None
    if b"\x00" in content:
        raise Invalid(_("This is not a text file. Upload a CSV file (UTF-8)."))
    try:
        return content.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    text = content.decode("cp1251", errors="replace")
    letters = [c for c in text if "\u0400" <= c <= "\u04ff"]
    upper = sum(1 for c in letters if c.isupper())
    if "\ufffd" in text or not letters or upper / len(letters) > UPPER_SHARE_LIMIT:
        raise Invalid(
            _(
                "The file is neither UTF-8 nor Russian Windows-1251 text. Save it as "
                "“CSV UTF-8 (comma delimited)” and upload it again."
            )
        )
    return text, CP1251


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(
    content: bytes,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    others: bool = False,
) -> CsvTable:
    """The rows of a CSV file with the `required` columns (and perhaps the `optional` ones;
    with `others`, any further columns too).

    Invalid when the file cannot be read or its header is wrong; rows that cannot be read
    (more cells than columns) are listed in `problems` with their line, the others are
    returned, blank rows left out.
    """
    text, encoding = decode(content)
    if not text.strip():
        raise Invalid(_("The file is empty."))
    lines = text.splitlines()
    delimiter = _delimiter(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise Invalid(_("The first line cannot be read: %(error)s") % {"error": exc}) from None
    columns = [name.strip().lstrip("\ufeff").lower() for name in header]
    allowed = [*required, *optional]
    if others:
        allowed += [name for name in columns if name and name not in allowed]
    unknown = [name for name in columns if name and name not in allowed]
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    missing = [name for name in required if name not in columns]
    names = {"expected": ",".join(allowed)}
    if unknown:
        raise Invalid(
            _("Unknown column %(columns)s in the first line; the columns are: %(expected)s.")
            % {**names, "columns": ", ".join(unknown)}
        )
    if repeated:
        raise Invalid(
            _("The column %(columns)s appears twice in the first line.")
            % {"columns": ", ".join(repeated)}
        )
    if missing:
        raise Invalid(
            _("The first line lacks the column %(columns)s; the columns are: %(expected)s.")
            % {**names, "columns": ", ".join(missing)}
        )
    rows: list[CsvRow] = []
    problems: list[RowProblem] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RowProblem(line, None, str(exc)))
            break
        if any(cell.strip() for cell in cells):
            if len(cells) > len(columns):
                problems.append(
                    RowProblem(
                        line,
                        None,
                        _(
                            "%(cells)s cells, but the first line names %(columns)s columns: "
                            "is there a %(delimiter)s inside a value without quotes?"
                        )
                        % {
                            "cells": len(cells),
                            "columns": len(columns),
                            "delimiter": "TAB" if delimiter == "\t" else delimiter,
                        },
                    )
                )
            else:
                values = dict.fromkeys(allowed, "")
                values.update(
                    {name: cell.strip() for name, cell in zip(columns, cells, strict=False) if name}
                )
                rows.append(CsvRow(line, values))
        line = reader.line_num + 1
    if not rows and not problems:
        raise Invalid(_("The file has a header line but no rows."))
    return CsvTable(encoding, delimiter, columns, rows, problems)
