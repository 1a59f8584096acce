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
written 2023/5/1 as Excel does.

Every cell is decided by the same checks as a person file (calculator.person). A batch has a million cells
and few distinct values, so rows are read a chunk at a time and the checks run once for each distinct date
text and each distinct set of record cells (category, hours, required_course, mode, days): the checked
result is remembered and shared by every row that has the same text. Text that fails is checked again
each time, so that every bad row gets its own message. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import count, islice, repeat
from operator import itemgetter
from typing import Any

from .engine.units import SCALE, show
from .person import (
    CASE_FIELDS,
    CATEGORIES,
    EMPLOYERS,
    MODES,
    Body,
    Day,
    FieldError,
    FieldProblem,
    RecordTuple,
    check_day_limit,
    choice_value,
    date_value,
    days_value,
    hours_value,
    months_value,
)

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "person_id": ("id", "人员编号", "编号", "工号", "身份证号", "证件号码"),
    "name": ("姓名",),
    "policy": ("政策", "政策编号"),
    "employer": ("单位类型",),
    "abroad_months": ("境外工作月数", "境外月数"),
    "sick_leave_months": ("病假月数",),
    "maternity_months": ("生育月数", "产假月数"),
    "approved_leave_months": ("经批准的其他情况月数", "批准月数"),
    "full_year_service": ("服务满一年", "援派满一年"),
    "cadre_academy_hours": ("干部网络学院学时",),
    "date": ("日期",),
    "category": ("类别", "科目", "科目类别"),
    "required_course": ("必修课", "必修"),
    "hours": ("学时",),
    "mode": ("方式", "学习方式"),
    "days": ("天数",),
    "title": ("名称", "课程名称", "项目名称"),
}
RECORD_COLUMNS = ("date", "category", "hours", "required_course", "mode", "days", "title")
PERSON_COLUMNS = ("name", "policy", "employer", *CASE_FIELDS.values(), "full_year_service", "cadre_academy_hours")
REQUIRED_COLUMNS = ("person_id", "date", "category", "hours")
CHUNK = 2048

CATEGORY_TEXT = {**{k: k for k in CATEGORIES}, "公需": "public", "公需科目": "public", "公需课": "public",
                 "专业": "professional", "专业科目": "professional", "专业课": "professional"}
MODE_TEXT = {**{k: k for k in MODES}, "在线": "online", "在线学习": "online", "网络": "online", "线上": "online",
             "面授": "face_to_face", "面授培训": "face_to_face", "线下": "face_to_face",
             "活动": "activity", "活动折算": "activity"}
EMPLOYER_TEXT = {**{k: k for k in EMPLOYERS}, **{v: k for k, v in EMPLOYERS.items()}}
TRUE_TEXT = ("true", "yes", "y", "1", "是", "必修", "√", "t")
FALSE_TEXT = ("false", "no", "n", "0", "否", "选修", "", "f")


class BatchError(ValueError):
    """The CSV file cannot be used at all (no header, no person_id column…)."""


# ---- one cell -----------------------------------------------------------------------------------------


def _missing(where: str) -> Any:
    raise FieldError(where, "缺少此项")


def number_cell(text: str, where: str) -> int | float:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise FieldError(where, f"应为数字，不是 {text!r}") from None


def _choice(text: str, where: str, table: Mapping[str, str], choices: Mapping[str, str], what: str) -> str:
    found = table.get(text.strip()) or table.get(text.strip().lower())
    return found if found is not None else choice_value(text.strip(), where, choices, what)


def bool_cell(text: str, where: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_TEXT:
        return True
    if value in FALSE_TEXT:
        return False
    raise FieldError(where, f"应为 是/否（true/false），不是 {text!r}")


def date_cell(text: str, where: str) -> tuple[str, int]:
    text = text.strip()
    return date_value(text.replace("/", "-"), where) if text else _missing(where)


def category_cell(text: str, where: str) -> str:
    return _choice(text, where, CATEGORY_TEXT, CATEGORIES, "类别") if text.strip() else _missing(where)


def hours_cell(text: str, where: str) -> int:
    return hours_value(number_cell(text, where), where) if text.strip() else _missing(where)


def mode_cell(text: str, where: str) -> str:
    return _choice(text, where, MODE_TEXT, MODES, "学习方式") if text.strip() else "online"


def days_cell(text: str, where: str) -> tuple[int, bool]:
    return (days_value(number_cell(text, where), where), True) if text.strip() else (SCALE, False)


def person_cell(column: str, text: str, where: str) -> object:
    if column in ("name", "policy"):
        return text.strip()
    if column == "employer":
        return _choice(text, where, EMPLOYER_TEXT, EMPLOYERS, "单位类型")
    if column == "full_year_service":
        return bool_cell(text, where)
    if column == "cadre_academy_hours":
        return hours_value(number_cell(text, where), where)
    return months_value(number_cell(text, where), where)


BODY_CELLS: tuple[tuple[str, Callable[[str, str], Any]], ...] = (
    ("category", category_cell), ("hours", hours_cell), ("required_course", bool_cell), ("mode", mode_cell),
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


class Pending:
    """One person as read: checked records, person-level values, rows left out, person-level problems."""

    __slots__ = ("person_id", "first_row", "values", "records", "bad_rows", "problems")

    def __init__(self, person_id: str, first_row: int, records: list[RecordTuple],
                 values: dict[str, tuple[object, int]], bad_rows: list[FieldProblem],
                 problems: list[FieldProblem]):
        self.person_id = person_id
        self.first_row = first_row
        self.records = records
        self.values = values  # column -> (value, row where first given)
        self.bad_rows = bad_rows  # record rows left out
        self.problems = problems  # person-level: the person cannot be checked


def _getter(indexes: list[int]) -> Callable[[list[str]], Any]:
    return itemgetter(*indexes) if indexes else (lambda row: ())


class BatchReader:
    """Reads chunks of rows; `people()` gives each person in the order of their first row."""

    def __init__(self, header: list[str], header_row: int = 1):
        columns, self.ignored = column_index(header)
        self.width = len(header)
        self.names = {key: header[i].strip() for key, i in columns.items()}
        self.columns = columns
        self.record_at = [columns[c] for c in RECORD_COLUMNS if c in columns]
        self.person_at = [(c, columns[c]) for c in PERSON_COLUMNS if c in columns]
        self.id_get = itemgetter(columns["person_id"])
        self.date_get = itemgetter(columns["date"])
        # The body's cells, in body_cells' order; a column the file does not have reads as empty.
        self.body_at = [columns.get(c) for c, _ in BODY_CELLS]
        self.body_get = _getter([i for i in self.body_at if i is not None])
        self.person_get = _getter([i for _, i in self.person_at]) if self.person_at else None
        self.days_seen: dict[str, Day] = {}
        self.person_seen: dict[tuple[str, str], object] = {}
        self.bodies_seen: dict[Any, Body] = {}
        self.records: dict[str, list[RecordTuple]] = {}
        self.first_row: dict[str, int] = {}
        self.values: dict[str, dict[str, tuple[object, int]]] = {}
        self.bad_rows: dict[str, list[FieldProblem]] = {}
        self.problems: dict[str, list[FieldProblem]] = {}
        self.orphans: list[FieldProblem] = []

    def feed(self, chunk: list[list[str]], first_row: int) -> None:
        width = self.width
        if any(len(row) < width for row in chunk):
            chunk = [row if len(row) >= width else row + [""] * (width - len(row)) for row in chunk]
        rows = len(chunk)
        ids = map(str.strip, map(self.id_get, chunk))
        days = map(self.days_seen.get, map(self.date_get, chunk))
        bodies = map(self.bodies_seen.get, map(self.body_get, chunk))
        has_person = map(any, map(self.person_get, chunk)) if self.person_get else repeat(False, rows)
        records, first = self.records, self.first_row
        get = records.get
        for row_no, person_id, day, body, person_cells, row in zip(
            count(first_row), ids, days, bodies, has_person, chunk, strict=False
        ):
            if not person_id:
                if any(cell.strip() for cell in row):
                    self.orphans.append(FieldProblem(self.names["person_id"], "缺少人员编号", row_no))
                continue
            kept = get(person_id)
            if kept is None:
                kept = records[person_id] = []
                first[person_id] = row_no
            if person_cells:
                self._person_cells(person_id, row, row_no)
            if day is None or body is None:
                checked = self._check_record(person_id, row, row_no, day, body)
                if checked is None:
                    continue
                day, body = checked
            kept.append((row_no, day, body))

    def _check_record(self, person_id: str, row: list[str], row_no: int, day: Day | None,
                      body: Body | None) -> tuple[Day, Body] | None:
        """A record whose date or cells were not seen before: check them (and remember them if good)."""
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
            return None
        return day, body

    def _person_cells(self, person_id: str, row: list[str], row_no: int) -> None:
        values = self.values.setdefault(person_id, {})
        for column, i in self.person_at:
            text = row[i]
            if not text.strip():
                continue
            where = self.names[column]
            value = self.person_seen.get((column, text), _UNSEEN)
            if value is _UNSEEN:
                try:
                    value = person_cell(column, text, where)
                except FieldError as err:
                    self.problems.setdefault(person_id, []).append(FieldProblem(err.field, err.message, row_no))
                    continue
                if len(self.person_seen) < 100_000:
                    self.person_seen[(column, text)] = value
            seen = values.get(column)
            if seen is None:
                values[column] = (value, row_no)
            elif seen[0] != value:
                self.problems.setdefault(person_id, []).append(FieldProblem(
                    where, f"与第 {seen[1]} 行不一致（{_shown(seen[0])} / {_shown(value)}）", row_no))

    def people(self) -> Iterator[Pending]:
        for person_id, records in self.records.items():
            yield Pending(person_id, self.first_row[person_id], records, self.values.get(person_id, {}),
                          self.bad_rows.get(person_id, []), self.problems.get(person_id, []))


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return show(value)
    return str(value)


def column_index(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """field -> column index, and the columns that are not used."""
    lookup = {}
    for name, aliases in COLUMN_NAMES.items():
        for alias in (name, f"circumstances.{name}", *aliases):
            lookup[alias.lower()] = name
    found: dict[str, int] = {}
    ignored = []
    for i, cell in enumerate(header):
        key = lookup.get(cell.strip().lower())
        if key is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if key in found:
            raise BatchError(f"第 1 行：列 {header[found[key]]!r} 和 {cell!r} 都是 {key}")
        found[key] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        names = "、".join(f"{c}（{COLUMN_NAMES[c][1] if c == 'person_id' else COLUMN_NAMES[c][0]}）" for c in missing)
        raise BatchError(f"第 1 行：缺少列 {names}；表头是：{', '.join(header)}")
    return found, ignored


def read_people(rows: Iterable[list[str]]) -> BatchReader:
    """Read every row; the header is the first row that is not blank."""
    iterator: Iterator[list[str]] = iter(rows)
    header_row = 1
    header = next(iterator, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(iterator, None)
        header_row += 1
    if header is None:
        raise BatchError("文件是空的：第一行应为表头（person_id,date,category,hours,...）")
    reader = BatchReader(header, header_row)
    row_no = header_row + 1
    while chunk := list(islice(iterator, CHUNK)):
        reader.feed(chunk, row_no)
        row_no += len(chunk)
    return reader
