"""The rows of an HR batch file, read into people: checked records, person-level values, bad rows.

Columns (English ids or their Chinese names; order free, other columns ignored):
  person_id (人员编号/工号)        required; rows with the same id belong to one person
  date, category, hours            required on every record row (日期, 类别, 学时)
  required_course, mode, days, title                        optional (必修课, 方式, 天数, 名称)
  name, policy, employer, abroad_months, sick_leave_months, maternity_months,
  approved_leave_months, full_year_service, cadre_academy_hours   optional person columns: give them on
                                                   any row of the person; different values are an error
A row whose record cells are all empty only names the person (someone with no hours yet).
Values may be the English ids or Chinese (公需/专业, 在线/面授/活动, 事业单位/企业/…, 是/否); dates may be
written 2023/5/1 as Excel does: what a cell means is decided by calculator.vocabulary, the one vocabulary
of the batch, the browser form and the browser import, and its values by the same range checks as a
person file (calculator.person). A batch has a million cells
and few distinct values, so rows are read a chunk at a time, column by column, and the checks run once for
each distinct date text, each distinct set of record cells (category, hours, required_course, mode, days)
and each distinct set of person cells but the name: the checked result is remembered and shared by every
row that has the same text. Text that fails is checked again each time, so that every bad row gets its
own message. A chunk of good rows is handed out a run of one person's rows at a time (see BatchReader).
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, compress, count, islice, repeat
from operator import is_, itemgetter, ne
from typing import Any

from .. import vocabulary
from ..person import CASE_FIELDS, Body, Day, FieldError, FieldProblem, check_day_limit
from ..units import show
from ..vocabulary import (
    bool_cell,
    category_cell,
    column_for,
    date_cell,
    days_cell,
    hours_cell,
    mode_cell,
)
from .csv_io import RowProblem, Rows

RECORD_COLUMNS = ("date", "category", "hours", "required_course", "mode", "days", "title")
PERSON_COLUMNS = ("name", "policy", "employer", *CASE_FIELDS.values(), "full_year_service", "cadre_academy_hours")
REQUIRED_COLUMNS = ("person_id", "date", "category", "hours")
CHUNK = 2048


class BatchError(ValueError):
    """The CSV file cannot be used at all (no header, no person_id column…)."""


# ---- one cell: what it means is calculator.vocabulary's to say ----------------------------------------


def person_cell(column: str, text: str, where: str) -> object:
    if column in ("name", "policy"):
        return text.strip()
    if column == "employer":
        return vocabulary.employer_cell(text, where)
    if column == "full_year_service":
        return bool_cell(text, where)
    if column == "cadre_academy_hours":
        return vocabulary.cadre_hours_cell(text, where)
    return vocabulary.months_cell(text, where)


BODY_CELLS: tuple[tuple[str, Callable[[str, str], Any]], ...] = (
    ("category", category_cell),
    ("hours", hours_cell),
    ("required_course", bool_cell),
    ("mode", mode_cell),
    ("days", days_cell),
)


def body_cells(cells: list[str], names: Mapping[str, str], row: int, problems: list[FieldProblem]) -> Body | None:
    """The record's body (see calculator.person) from its cells in BODY_CELLS' order, or None with the
    problems found."""
    found: list[Any] = []
    for (column, check), text in zip(BODY_CELLS, cells, strict=True):
        try:
            found.append(check(text, names.get(column, column)))
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row))
            found.append(None)
    if problems:
        return None
    category_value, hours_value_, course_value, mode_value, (days_value_, days_given) = found
    try:
        check_day_limit(hours_value_, days_value_, mode_value, days_given, names.get("hours", "hours"))
    except FieldError as err:
        problems.append(FieldProblem(err.field, err.message, row))
        return None
    return (category_value, course_value, hours_value_, mode_value, days_value_, days_given)


_UNSEEN = object()

Records = tuple[Sequence[int], list[Day], list[Body]]  # a person's records: rows, dates, bodies side by side


class Cells:
    """One distinct set of person cells but the name (in PERSON_COLUMNS order), checked once."""

    __slots__ = ("text", "values")

    def __init__(self, text: tuple[str, ...], values: dict[str, object] | None):
        self.text = text
        self.values = values  # column -> value, blank cells left out; None when a cell is bad


class Pending:
    """One person as read: checked records, person-level values, rows left out, person-level problems."""

    __slots__ = ("person_id", "first_row", "values", "records", "bad_rows", "problems")

    def __init__(
        self,
        person_id: str,
        first_row: int,
        records: Records,
        values: dict[str, tuple[object, int]],
        bad_rows: list[FieldProblem],
        problems: list[FieldProblem],
    ):
        self.person_id = person_id
        self.first_row = first_row
        self.records = records
        self.values = values  # column -> (value, row where first given)
        self.bad_rows = bad_rows  # record rows left out
        self.problems = problems  # person-level: the person cannot be checked


def _getter(indexes: list[int]) -> Callable[[list[str]], Any]:
    return itemgetter(*indexes) if indexes else (lambda row: ())


def _tuple_getter(indexes: list[int]) -> Callable[[list[str]], tuple[str, ...]]:
    """row -> the cells at `indexes`, always as a tuple."""
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: (row[index],)
    return _getter(indexes)


class BatchReader:
    """Reads chunks of rows into `records` (person -> rows, in the order of each person's first row);
    `pending(person)` gives every detail of one person.

    A chunk is looked at column by column first: its person ids, dates and record cells are looked up
    among the texts already checked, all rows at once (text not seen before is checked then, once).
    When every row has an id and a good date and good record cells (the common case), the chunk's
    records go to each person a run of consecutive rows at a time (an HR export lists each person's rows
    together; rows in another order make runs of one row). Otherwise the chunk is read row by row
    (`_feed_rows`), each bad row reported by its number.

    A person's cells (name, policy, employer, …) are checked as a whole, once per distinct set of cells
    but the name (`Cells`). A person who gives them on one row only, all good, keeps that row's cells as
    they are (`cells`: name cell, Cells, row); a person who gives them on several rows, or a bad one, has
    them checked and compared column by column (`values`). Such a person is `irregular`, and so is one
    with bad rows or whose first row is no record: `pending()` gives every detail of them.
    """

    def __init__(self, header: list[str]):
        columns, self.ignored = column_index(header)
        self.header = header
        self.width = len(header)
        self.names = {key: header[i].strip() for key, i in columns.items()}
        self.columns = columns
        self.record_at = [columns[c] for c in RECORD_COLUMNS if c in columns]
        self.person_at = [(c, columns[c]) for c in PERSON_COLUMNS if c in columns]
        self.id_at, self.date_at = columns["person_id"], columns["date"]
        self.id_get = itemgetter(self.id_at)
        self.date_get = itemgetter(self.date_at)
        # The body's cells, in body_cells' order; a column the file does not have reads as empty.
        self.body_at = [columns.get(c) for c, _ in BODY_CELLS]
        self.body_columns = [i for i in self.body_at if i is not None]
        self.body_get = _getter(self.body_columns)
        self.person_get = _getter([i for _, i in self.person_at]) if self.person_at else None
        self.name_at = columns.get("name")
        self.other_columns = [c for c, _ in self.person_at if c != "name"]
        self.others_get = (
            _tuple_getter([i for c, i in self.person_at if c != "name"]) if self.other_columns else (lambda row: ())
        )
        self.days_seen: dict[str, Day] = {}
        self.person_seen: dict[tuple[str, str], object] = {}
        self.cells_seen: dict[tuple[str, ...], Cells] = {}
        self.bodies_seen: dict[Any, Body] = {}
        self.records: dict[str, Records] = {}
        self.first_row: dict[str, int] = {}  # only where the person's first row is not one of their records
        self.cells: dict[str, tuple[str | None, Cells, int]] = {}  # person -> (name or None, Cells, row)
        self.values: dict[str, dict[str, tuple[object, int]]] = {}
        self.bad_rows: dict[str, list[FieldProblem]] = {}
        self.problems: dict[str, list[FieldProblem]] = {}
        self.irregular: set[str] = set()
        self.orphans: list[FieldProblem] = []
        self.rows = 0  # rows under the header, blank ones left out
        self.blank = 0
        self.notices: list[str] = []  # about the file as a whole (its encoding)

    def feed(self, chunk: list[list[str]], first_row: int | Sequence[int]) -> None:
        """Read a chunk of rows: numbered from `first_row` on, or each by its number in `first_row` (the
        rows of a file read in another order, see calculator.batch.spill)."""
        numbered = range(first_row, first_row + len(chunk)) if isinstance(first_row, int) else first_row
        columns = list(zip(*chunk, strict=False))  # the chunk column by column (as wide as its shortest row)
        if len(columns) < self.width:  # a row shorter than the header: its missing cells are empty
            width = self.width
            chunk = [row if len(row) >= width else row + [""] * (width - len(row)) for row in chunk]
            columns = list(zip(*chunk, strict=False))
        ids = columns[self.id_at]
        days = list(map(self.days_seen.get, columns[self.date_at]))
        bodies = list(map(self.bodies_seen.get, zip(*[columns[i] for i in self.body_columns], strict=True)))
        if None in days or None in bodies:
            self._learn(chunk, days, bodies)
        # Runs of rows with the same id (as written; ids that differ only in spaces make two runs of one person)
        size = len(ids)
        starts = list(compress(count(), map(ne, ids, chain((None,), ids))))
        run_ids = list(map(str.strip, map(ids.__getitem__, starts)))
        if "" in run_ids or None in days or None in bodies:
            self._feed_mixed(chunk, numbered, ids, days, bodies)
            return
        kept = self.records
        get = kept.get
        if len(starts) * 4 > size:  # rows in no particular order: one at a time
            for row_no, person_id, day, body in zip(numbered, map(str.strip, ids), days, bodies, strict=False):
                found = get(person_id)
                if found is None:
                    kept[person_id] = ([row_no], [day], [body])  # type: ignore[list-item]
                else:
                    numbers = found[0]
                    if type(numbers) is not list:
                        numbers = self._more(person_id, found)[0]
                    numbers.append(row_no)
                    found[1].append(day)  # type: ignore[arg-type]
                    found[2].append(body)  # type: ignore[arg-type]
        else:
            for person_id, start, end in zip(run_ids, starts, chain(islice(starts, 1, None), (size,)), strict=True):
                found = get(person_id)
                if found is None:
                    kept[person_id] = (
                        numbered[start:end],
                        days[start:end],  # type: ignore
                        bodies[start:end],
                    )
                else:
                    self._more(person_id, found)[0].extend(numbered[start:end])
                    found[1].extend(days[start:end])  # type: ignore[arg-type]
                    found[2].extend(bodies[start:end])  # type: ignore[arg-type]
        if self.person_at:
            self._person_rows(chunk, numbered, ids, self._with_person_cells(columns, starts))

    def _feed_mixed(
        self,
        chunk: list[list[str]],
        numbers: Sequence[int],
        ids: Sequence[str],
        days: list[Day | None],
        bodies: list[Body | None],
    ) -> None:
        """A chunk with rows that need reading on their own (no id, a bad date or record cell, no record):
        when they are few, each of them by `_feed_rows` and each stretch of rows between them as a chunk
        of its own, in row order; else the whole chunk by `_feed_rows`."""
        stripped = list(map(str.strip, ids))
        odd = [
            i
            for i, (person_id, day, body) in enumerate(zip(stripped, days, bodies, strict=True))
            if not person_id or day is None or body is None
        ]
        if len(odd) * 8 > len(chunk):
            self._feed_rows(chunk, numbers, stripped, days, bodies)
            return
        start = 0
        for i in odd:
            if start < i:
                self.feed(chunk[start:i], numbers[start:i])
            self._feed_rows(
                chunk[i : i + 1], numbers[i : i + 1], stripped[i : i + 1], days[i : i + 1], bodies[i : i + 1]
            )
            start = i + 1
        if start < len(chunk):
            self.feed(chunk[start:], numbers[start:])

    def _with_person_cells(self, columns: list[tuple[str, ...]], starts: list[int]) -> list[int]:
        """The rows (indexes in the chunk) that have a person cell. When every such cell is on a row that
        starts a run (an HR export gives them on a person's first row), only those rows are looked at."""
        cells = [columns[i] for _, i in self.person_at]
        size = len(columns[0])
        if len(starts) * 4 > size:  # runs of about one row: every row
            return list(compress(count(), map(any, zip(*cells, strict=True))))
        at_starts = [list(map(column.__getitem__, starts)) for column in cells]
        # A column has `size - count("")` cells that are not empty: all on run starts when as many are there.
        if all(
            size - column.count("") == len(starts) - given.count("")
            for column, given in zip(cells, at_starts, strict=True)
        ):
            return list(compress(starts, map(any, zip(*at_starts, strict=True))))
        return list(compress(count(), map(any, zip(*cells, strict=True))))

    def _person_rows(self, chunk: list[list[str]], numbers: Sequence[int], ids: Sequence[str], at: list[int]) -> None:
        """The rows of the chunk that have person cells (`at`): most are a person's first and only such row,
        with cells seen before (looked up all at once); any other goes to `_person_row`."""
        rows = list(map(chunk.__getitem__, at))
        people = map(str.strip, map(ids.__getitem__, at))
        others = list(map(self.others_get, rows))
        checked_cells = map(self.cells_seen.get, others)
        names = map(str.strip, map(itemgetter(self.name_at), rows)) if self.name_at is not None else repeat("")
        cells, values = self.cells, self.values
        for i, person_id, checked, name, row in zip(at, people, checked_cells, names, rows, strict=False):
            if checked is None or checked.values is None or person_id in cells or person_id in values:
                self._person_row(person_id, row, numbers[i])
            else:
                cells[person_id] = (name or None, checked, numbers[i])

    def _more(self, person_id: str, found: Records) -> tuple[list[int], list[Day], list[Body]]:
        """The person's records, ready for more rows: the row numbers as a list (a range when first read)."""
        numbers = found[0]
        if type(numbers) is range:
            found = self.records[person_id] = (list(numbers), found[1], found[2])
        return found  # type: ignore[return-value]

    def _learn(self, chunk: list[list[str]], days: list[Day | None], bodies: list[Body | None]) -> None:
        """Check the dates and record cells not seen before, each distinct text once; fill in the good ones
        (and remember them). Bad text stays None, for `_feed_rows` to report row by row."""
        failed: set[Any] = set()
        for i in compress(count(), map(is_, days, repeat(None))):
            text = self.date_get(chunk[i])
            if text in failed:
                continue
            day = self.days_seen.get(text)
            if day is None:
                try:
                    day = date_cell(text, self.names["date"])
                except FieldError:
                    failed.add(text)
                    continue
                if len(self.days_seen) < 100_000:
                    self.days_seen[text] = day
            days[i] = day
        failed.clear()
        for i in compress(count(), map(is_, bodies, repeat(None))):
            row = chunk[i]
            key = self.body_get(row)
            if key in failed:
                continue
            body = self.bodies_seen.get(key)
            if body is None:
                body = body_cells([row[j] if j is not None else "" for j in self.body_at], self.names, 0, [])
                if body is None:
                    failed.add(key)
                    continue
                if len(self.bodies_seen) < 100_000:
                    self.bodies_seen[key] = body
            bodies[i] = body

    def _feed_rows(
        self,
        chunk: list[list[str]],
        numbers: int | Sequence[int],
        ids: list[str],
        days: list[Day | None],
        bodies: list[Body | None],
    ) -> None:
        """The chunk row by row: rows without an id, rows that only name the person, bad values (the rows
        numbered as by `feed`)."""
        if isinstance(numbers, int):
            numbers = range(numbers, numbers + len(chunk))
        rows = len(chunk)
        has_person = map(any, map(self.person_get, chunk)) if self.person_get else repeat(False, rows)
        records = self.records
        get = records.get
        for row_no, person_id, day, body, person_cells, row in zip(
            numbers, ids, days, bodies, has_person, chunk, strict=False
        ):
            if not person_id:
                if any(cell.strip() for cell in row):
                    self.orphans.append(FieldProblem(self.names["person_id"], "缺少人员编号", row_no))
                else:
                    self.blank += 1
                continue
            kept = get(person_id)
            new = kept is None
            if kept is None:
                kept = records[person_id] = ([], [], [])
            if person_cells:
                self._person_row(person_id, row, row_no)
            if day is None or body is None:
                checked = self._check_record(person_id, row, row_no, day, body)
                if checked is None:
                    if new:
                        self.first_row[person_id] = row_no
                        self.irregular.add(person_id)
                    continue
                day, body = checked
            self._more(person_id, kept)[0].append(row_no)
            kept[1].append(day)
            kept[2].append(body)

    def _check_record(
        self, person_id: str, row: list[str], row_no: int, day: Day | None, body: Body | None
    ) -> tuple[Day, Body] | None:
        """A record whose date or cells are not good (or not seen before): check them, report problems."""
        if not any(row[i].strip() for i in self.record_at):
            return None  # the row only names the person
        problems: list[FieldProblem] = []
        if day is None:
            text = self.date_get(row)
            try:
                day = date_cell(text, self.names["date"])
                if len(self.days_seen) < 100_000:
                    self.days_seen[text] = day
            except FieldError as err:
                problems.append(FieldProblem(err.field, err.message, row_no))
        if body is None:
            cells = [row[i] if i is not None else "" for i in self.body_at]
            body = body_cells(cells, self.names, row_no, problems)
            if body is not None and len(self.bodies_seen) < 100_000:
                self.bodies_seen[self.body_get(row)] = body
        if problems or day is None or body is None:
            self.bad_rows.setdefault(person_id, []).extend(problems)
            self.irregular.add(person_id)
            return None
        return day, body

    def _person_row(self, person_id: str, row: list[str], row_no: int) -> None:
        """A row with person cells: kept as they are when they are the person's first and all good."""
        name = row[self.name_at].strip() or None if self.name_at is not None else None
        others = self.others_get(row)
        if person_id not in self.values:
            given = self.cells.pop(person_id, None)
            if given is None:
                checked = self.checked_cells(others)
                if checked.values is not None:
                    self.cells[person_id] = (name, checked, row_no)
                    return
            else:  # a second row: from now on column by column
                self._person_cells(person_id, given[0], given[1].text, given[2])
        self._person_cells(person_id, name, others, row_no)

    def checked_cells(self, others: tuple[str, ...]) -> Cells:
        """The person cells but the name, checked (once per distinct text)."""
        found = self.cells_seen.get(others)
        if found is not None:
            return found
        values: dict[str, object] | None = {}
        for column, text in zip(self.other_columns, others, strict=True):
            if not text.strip():
                continue
            try:
                value = self._person_value(column, text)
            except FieldError:
                values = None
                break
            assert values is not None
            values[column] = value
        found = Cells(others, values)
        if len(self.cells_seen) < 100_000:
            self.cells_seen[others] = found
        return found

    def _person_value(self, column: str, text: str) -> object:
        value = self.person_seen.get((column, text), _UNSEEN)
        if value is _UNSEEN:
            value = person_cell(column, text, self.names[column])
            if len(self.person_seen) < 100_000:
                self.person_seen[(column, text)] = value
        return value

    def _person_cells(self, person_id: str, name: str | None, others: tuple[str, ...], row_no: int) -> None:
        values = self.values.setdefault(person_id, {})
        self.irregular.add(person_id)
        cells = zip(self.other_columns, others, strict=True)
        for column, text in (("name", name), *cells) if name is not None else cells:
            if not text.strip():
                continue
            where = self.names[column]
            try:
                value = self._person_value(column, text)
            except FieldError as err:
                self.problems.setdefault(person_id, []).append(FieldProblem(err.field, err.message, row_no))
                continue
            seen = values.get(column)
            if seen is None:
                values[column] = (value, row_no)
            elif seen[0] != value:
                self.problems.setdefault(person_id, []).append(
                    FieldProblem(where, f"与第 {seen[1]} 行不一致（{_shown(seen[0])} / {_shown(value)}）", row_no)
                )

    def refused(self, problems: Sequence[RowProblem], notices: Sequence[str]) -> None:
        """Rows refused as they were read: each is a bad row of its person (when its id can be told and
        the person has other rows), else a bad row of its own. They count as rows read."""
        self.notices += notices
        for problem in problems:
            cells = problem.cells
            person_id = cells[self.id_at].strip() if self.id_at < len(cells) else ""
            column = problem.column
            field = self.header[column].strip() if column is not None and column < len(self.header) else ""
            found = FieldProblem(field, problem.message, problem.row)
            if person_id in self.records:
                self.bad_rows.setdefault(person_id, []).append(found)
                self.irregular.add(person_id)
            else:
                self.orphans.append(found)
            self.rows += 1
            self.blank -= 1

    def pending(self, person_id: str) -> Pending:
        """The person as read, their cells column by column (whether given on one row or several)."""
        values = self.values.get(person_id)
        if values is None:
            values = {}
            given = self.cells.get(person_id)
            if given is not None:
                name, checked, row_no = given
                if name is not None:
                    values["name"] = (name, row_no)
                values.update((column, (value, row_no)) for column, value in (checked.values or {}).items())
        records = self.records[person_id]
        first_row = self.first_row.get(person_id)
        return Pending(
            person_id,
            records[0][0] if first_row is None else first_row,
            records,
            values,
            self.bad_rows.get(person_id, []),
            self.problems.get(person_id, []),
        )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return show(value)
    return str(value)


def column_index(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """field -> column index, and the columns that are not used."""
    found: dict[str, int] = {}
    ignored = []
    for i, cell in enumerate(header):
        key = column_for(cell)
        if key is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if key in found and key == "person_id" and vocabulary.id_rank(cell) != vocabulary.id_rank(header[found[key]]):
            # 工号 and 身份证号 both: the one first in vocabulary's order is the id, the other the office's own
            kept, other = sorted((found[key], i), key=lambda at: vocabulary.id_rank(header[at]))
            found[key] = kept
            ignored.append(header[other].strip())
            continue
        if key in found:
            raise BatchError(f"第 1 行：列 {header[found[key]]!r} 和 {cell!r} 都是 {key}")
        found[key] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        names = "、".join(f"{c}（{vocabulary.chinese_header(c)}）" for c in missing)
        raise BatchError(f"第 1 行：缺少列 {names}；表头是：{', '.join(header)}")
    return found, ignored


def read_people(rows: Iterable[list[str]]) -> BatchReader:
    """Read every row; the header is the first row that is not blank. Rows refused as they were read
    (csv_io.Rows: a broken quote, a cell too long, a line in another encoding) are reported with theirs."""
    iterator, header, header_row = read_header(rows)
    reader = read_rows(header, iterator, header_row + 1)
    if _has_problems(rows):
        reader.refused(rows.problems, rows.notices)  # type: ignore[attr-defined]
    return reader


def read_header(rows: Iterable[list[str]]) -> tuple[Iterator[list[str]], list[str], int]:
    """(the rows after the header, the header, its row number): the header is the first row that is not
    blank."""
    iterator: Iterator[list[str]] = iter(rows)
    header_row = 1
    header = next(iterator, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(iterator, None)
        header_row += 1
    if header is None:
        problems = rows.problems if _has_problems(rows) else []  # type: ignore[attr-defined]
        if problems:
            raise BatchError(f"第 {problems[0].row} 行：{problems[0].message}")
        raise BatchError("文件是空的：第一行应为表头（person_id,date,category,hours,...）")
    return iterator, header, header_row


def _has_problems(rows: object) -> bool:
    """Rows that list what they refused as they were read: csv_io.Rows, or rows wrapping them."""
    return isinstance(rows, Rows) or hasattr(rows, "problems")


def read_rows(header: list[str], rows: Iterable[list[str]], first_row: int) -> BatchReader:
    """Read the rows under `header`, the first of them row number `first_row` of the file."""
    iterator = iter(rows)
    reader = BatchReader(header)
    row_no = first_row
    while chunk := list(islice(iterator, CHUNK)):
        reader.feed(chunk, row_no)
        row_no += len(chunk)
    reader.rows = row_no - first_row - reader.blank
    return reader
