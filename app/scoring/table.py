"""Responses exported from elsewhere: a CSV with one row per respondent and one column per
item id, read and checked before anything is scored (`salesfit score`).

Cells: a blank cell is a missing answer. Self-report and manager-rating items take a whole
number on the response scale; knowledge items an option id (several, for multiple-answer
questions, separated by ';'); SJT best/worst items 'best/worst' option ids (e.g. 'b/d');
SJT rate-each items the ratings of every option in file order separated by ';' (e.g.
'4;2;5;1'); work samples have one column per rubric criterion with the points given.

Besides the id column, one optional column `seconds` may give each respondent's total time
on the instrument; it is shared among the answered items in proportion to their words
(`validity.spread_total_seconds`), so `too_fast` judges the respondent's overall reading
speed.

Delimiters ',', ';' and tab are recognised (Excel in a Russian locale writes ';').
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.scoring.definitions import Instrument
from app.scoring.responses import AnswerError, elements, is_likert
from app.scoring.validity import item_words, spread_total_seconds

SECONDS_COLUMN = "seconds"


class TableError(ValueError):
    """The file cannot be scored at all (empty, no id column…)."""


@dataclass(frozen=True)
class CellProblem:
    line: int  # line in the file; the header is line 1
    respondent: str
    column: str
    message: str

    def __str__(self) -> str:
        who = f" (respondent {self.respondent!r})" if self.respondent else ""
        where = f", column {self.column!r}" if self.column else ""
        return f"line {self.line}{who}{where}: {self.message}"


@dataclass
class Table:
    """Checked responses, ready for `engine.score_instrument`."""

    ids: list[str]
    lines: list[int]
    answers: NDArray[np.float64] | None = None  # Likert instruments
    rows: list[list[Any]] | None = None  # other instruments, parsed values
    item_seconds: NDArray[np.float64] | None = None  # (n, m) from the total, NaN unknown
    problems: list[CellProblem] = field(default_factory=list)  # what was skipped
    missing_columns: list[str] = field(default_factory=list)


def _sniff(text: str) -> csv.Dialect | type[csv.Dialect]:
    header = text.splitlines()[0] if text else ""
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_table(
    path: Path | None,
    instrument: Instrument,
    *,
    id_column: str | None = None,
    skip_invalid: bool = False,
    text: str | None = None,
) -> Table:
    """Read and check a responses CSV against an instrument.

    Raises TableError for a file that cannot be used, or — unless `skip_invalid` — for the
    first bad cell, unknown column or duplicate id (its message names the line and column).
    With `skip_invalid`, bad rows are left out and listed in `Table.problems`, and unknown
    columns are ignored and listed too.
    """
    if text is None:
        if path is None:
            raise TableError("no file given")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise TableError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise TableError(f"{path} is not UTF-8 text; export it as UTF-8 CSV") from None
    records = [
        row for row in csv.reader(io.StringIO(text), _sniff(text)) if any(c.strip() for c in row)
    ]
    if not records:
        raise TableError(
            "the file is empty: expected a header row with the item ids and one row per respondent"
        )
    header = [h.strip() for h in records[0]]
    body = records[1:]
    if not body:
        raise TableError("the file has a header but no respondents")

    columns = elements(instrument)
    known = {e.id: j for j, e in enumerate(columns)}
    problems: list[CellProblem] = []

    def fail(problem: CellProblem) -> None:
        if not skip_invalid:
            raise TableError(str(problem))
        problems.append(problem)

    if id_column is not None and id_column not in header:
        raise TableError(
            f"no column {id_column!r} for respondent ids; the header has: {', '.join(header)}"
        )
    id_name = id_column if id_column is not None else ("id" if "id" in header else None)
    id_index = header.index(id_name) if id_name is not None else None
    seconds_index = (
        header.index(SECONDS_COLUMN)
        if SECONDS_COLUMN in header and SECONDS_COLUMN not in known
        else None
    )
    item_columns: list[tuple[int, int]] = []  # (file column, element index)
    seen_headers: set[str] = set()
    for position, name in enumerate(header):
        if position in (id_index, seconds_index):
            continue
        if name in seen_headers:
            raise TableError(f"line 1, column {name!r}: the column appears twice")
        seen_headers.add(name)
        if name in known:
            item_columns.append((position, known[name]))
        else:
            fail(
                CellProblem(
                    1,
                    "",
                    name,
                    f"unknown item column; the instrument's items are: {', '.join(known)}",
                )
            )
    missing_columns = [e.id for e in columns if e.id not in seen_headers]

    ids: list[str] = []
    lines: list[int] = []
    kept: list[list[str]] = []
    seen_ids: dict[str, int] = {}
    for offset, record in enumerate(body):
        line = offset + 2
        cells = record + [""] * (len(header) - len(record))
        respondent = cells[id_index].strip() if id_index is not None else str(offset + 1)
        if len(record) > len(header):
            fail(
                CellProblem(
                    line, respondent, "", f"{len(record)} cells but the header has {len(header)}"
                )
            )
            continue
        if not respondent:
            fail(CellProblem(line, "", id_name or "", "the respondent id is blank"))
            continue
        if respondent in seen_ids:
            fail(
                CellProblem(
                    line,
                    respondent,
                    id_name or "",
                    f"duplicate id (first on line {seen_ids[respondent]})",
                )
            )
            continue
        seen_ids[respondent] = line
        ids.append(respondent)
        lines.append(line)
        kept.append(cells)

    parsed_rows: list[list[Any]] = []
    seconds = np.full(len(kept), np.nan)
    bad_rows: set[int] = set()
    for i, cells in enumerate(kept):
        parsed: list[Any] = [None] * len(columns)
        for position, j in item_columns:
            value = cells[position].strip()
            if not value:
                continue
            try:
                parsed[j] = columns[j].parse(value)
            except AnswerError as exc:
                fail(CellProblem(lines[i], ids[i], header[position], str(exc)))
                bad_rows.add(i)
                break
        if seconds_index is not None and i not in bad_rows and cells[seconds_index].strip():
            value = cells[seconds_index].strip()
            try:
                seconds[i] = float(value.replace(",", "."))
            except ValueError:
                seconds[i] = -1.0
            if not seconds[i] >= 0:
                fail(
                    CellProblem(
                        lines[i], ids[i], SECONDS_COLUMN, f"{value!r} is not a number of seconds"
                    )
                )
                bad_rows.add(i)
        parsed_rows.append(parsed)

    keep = [i for i in range(len(kept)) if i not in bad_rows]
    table = Table(
        ids=[ids[i] for i in keep],
        lines=[lines[i] for i in keep],
        problems=problems,
        missing_columns=missing_columns,
    )
    if is_likert(instrument):
        table.answers = np.array(
            [[np.nan if v is None else v for v in parsed_rows[i]] for i in keep], dtype=np.float64
        ).reshape(len(keep), len(columns))
        answered = ~np.isnan(table.answers)
    else:
        table.rows = [parsed_rows[i] for i in keep]
        answered = np.array(
            [[v is not None for v in row] for row in table.rows], dtype=bool
        ).reshape(len(keep), len(columns))
    if seconds_index is not None:
        table.item_seconds = spread_total_seconds(seconds[keep], answered, item_words(instrument))
    return table
