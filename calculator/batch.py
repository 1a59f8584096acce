"""The HR batch check: one CSV row per learning record in, one row per person out.

Columns (English ids or their Chinese names; order free, other columns ignored):
  person_id (人员编号/工号)        required; rows with the same id belong to one person
  date, category, hours            required on every record row (日期, 类别, 学时)
  required_course, mode, days, title                        optional (必修课, 方式, 天数, 名称)
  name, policy, employer, abroad_months, sick_leave_months, maternity_months,
  approved_leave_months, full_year_service, cadre_academy_hours   optional person columns: give them on
                                                   any row of the person; different values are an error
A row whose record cells are all empty only names the person (someone with no hours yet).
Values may be the English ids or Chinese (公需/专业, 在线/面授/活动, 事业单位/企业/…, 是/否).
A bad row is reported by its row number (the header is row 1, as in Excel) and left out; the person's
other rows are still evaluated. A bad person-level cell (policy, employer, months…) leaves the person
unchecked. The same checks and the same engine as `check` decide every value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .engine import Engine
from .engine.evaluate import Evaluation
from .engine.outcome import amounts_json
from .engine.units import SCALE, show
from .person import (
    CASE_FIELDS,
    CATEGORIES,
    EMPLOYERS,
    MODES,
    FieldError,
    FieldProblem,
    Person,
    PersonError,
    Record,
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

CATEGORY_TEXT = {**{k: k for k in CATEGORIES}, "公需": "public", "公需科目": "public", "公需课": "public",
                 "专业": "professional", "专业科目": "professional", "专业课": "professional"}
MODE_TEXT = {**{k: k for k in MODES}, "在线": "online", "在线学习": "online", "网络": "online", "线上": "online",
             "面授": "face_to_face", "面授培训": "face_to_face", "线下": "face_to_face",
             "活动": "activity", "活动折算": "activity"}
EMPLOYER_TEXT = {**{k: k for k in EMPLOYERS}, **{v: k for k, v in EMPLOYERS.items()}}
TRUE_TEXT = {"true", "yes", "y", "1", "是", "必修", "√", "t"}
FALSE_TEXT = {"false", "no", "n", "0", "否", "选修", "", "f"}


class BatchError(ValueError):
    """The CSV file cannot be used at all (no header, no person_id column…)."""


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
        names = "、".join(f"{c}（{COLUMN_NAMES[c][0] if c != 'person_id' else '人员编号'}）" for c in missing)
        raise BatchError(f"第 1 行：缺少列 {names}；表头是：{', '.join(header)}")
    return found, ignored


def _number(text: str, where: str) -> int | float:
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


def _bool(text: str, where: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_TEXT:
        return True
    if value in FALSE_TEXT:
        return False
    raise FieldError(where, f"应为 是/否（true/false），不是 {text!r}")


def _person_value(column: str, text: str, where: str) -> object:
    if column in ("name", "policy"):
        return text.strip()
    if column == "employer":
        return _choice(text, where, EMPLOYER_TEXT, EMPLOYERS, "单位类型")
    if column == "full_year_service":
        return _bool(text, where)
    if column == "cadre_academy_hours":
        return hours_value(_number(text, where), where)
    return months_value(_number(text, where), where)


@dataclass
class _Pending:
    person_id: str
    first_row: int
    values: dict[str, tuple[object, int]] = field(default_factory=dict)  # column -> (value, row)
    records: list[Record] = field(default_factory=list)
    bad_rows: list[FieldProblem] = field(default_factory=list)  # record rows left out
    problems: list[FieldProblem] = field(default_factory=list)  # person-level: the person is not checked


@dataclass
class PersonResult:
    person_id: str
    first_row: int
    name: str | None
    policy: str | None
    evaluation: Evaluation | None
    bad_rows: list[FieldProblem]
    problems: list[FieldProblem]


@dataclass
class BatchResult:
    people: list[PersonResult]
    bad_rows: list[FieldProblem]  # every bad row, in row order (rows without a person too)
    ignored_columns: list[str]

    def summary(self) -> dict[str, Any]:
        checked = [p.evaluation for p in self.people if p.evaluation is not None]
        short = [ev for ev in checked if not ev.compliant]
        hours_short = sum(ev.remaining["total"] or 0 for ev in short)
        return {
            "people": len(self.people),
            "compliant": len(checked) - len(short),
            "short": len(short),
            "not_checked": len(self.people) - len(checked),
            "hours_short": hours_short / SCALE if hours_short % SCALE else hours_short // SCALE,
            "bad_rows": len({p.row for p in self.bad_rows}),
        }


def read_batch(rows: Iterable[list[str]]) -> tuple[list[_Pending], list[FieldProblem], list[str]]:
    iterator: Iterator[list[str]] = iter(rows)
    header = next(iterator, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(iterator, None)
    if header is None:
        raise BatchError("文件是空的：第一行应为表头（person_id,date,category,hours,...）")
    columns, ignored = column_index(header)
    names = {key: header[i].strip() for key, i in columns.items()}
    id_at = columns["person_id"]
    record_at = [(c, columns[c]) for c in RECORD_COLUMNS if c in columns]
    person_at = [(c, columns[c]) for c in PERSON_COLUMNS if c in columns]
    date_at, category_at, hours_at = columns["date"], columns["category"], columns["hours"]
    course_at, mode_at, days_at = columns.get("required_course"), columns.get("mode"), columns.get("days")
    title_at = columns.get("title")
    width = len(header)

    people: dict[str, _Pending] = {}
    orphans: list[FieldProblem] = []
    for row_no, row in enumerate(iterator, start=2):
        if len(row) < width:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            row = row + [""] * (width - len(row))
        person_id = row[id_at].strip()
        if not person_id:
            if any(cell.strip() for cell in row):
                orphans.append(FieldProblem(names["person_id"], "缺少人员编号", row_no))
            continue
        pending = people.get(person_id)
        if pending is None:
            pending = people[person_id] = _Pending(person_id, row_no)

        for column, i in person_at:
            text = row[i]
            if not text.strip():
                continue
            try:
                value = _person_value(column, text, names[column])
            except FieldError as err:
                pending.problems.append(FieldProblem(err.field, err.message, row_no))
                continue
            seen = pending.values.get(column)
            if seen is None:
                pending.values[column] = (value, row_no)
            elif seen[0] != value:
                pending.problems.append(FieldProblem(
                    names[column], f"与第 {seen[1]} 行不一致（{_shown(seen[0])} / {_shown(value)}）", row_no))

        if not any(row[i].strip() for _, i in record_at):
            continue  # the row only names the person
        problems: list[FieldProblem] = []
        date = category = None
        hours = 0
        try:
            date = date_value(row[date_at].strip().replace("/", "-"), names["date"]) if row[date_at].strip() \
                else _missing(names["date"])
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row_no))
        try:
            text = row[category_at]
            category = CATEGORY_TEXT.get(text) or _choice(text, names["category"], CATEGORY_TEXT, CATEGORIES, "类别")
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row_no))
        try:
            text = row[hours_at]
            hours = hours_value(int(text) if text.isdecimal() else
                                _number(text, names["hours"]) if text.strip() else _missing(names["hours"]),
                                names["hours"])
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row_no))
        required_course = False
        mode = "online"
        days = SCALE
        days_given = False
        try:
            if course_at is not None:
                required_course = _bool(row[course_at], names["required_course"])
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row_no))
        try:
            if mode_at is not None and row[mode_at].strip():
                text = row[mode_at]
                mode = MODE_TEXT.get(text) or _choice(text, names["mode"], MODE_TEXT, MODES, "学习方式")
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row_no))
        try:
            if days_at is not None and row[days_at].strip():
                days = days_value(_number(row[days_at], names["days"]), names["days"])
                days_given = True
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message, row_no))
        if not problems:
            try:
                check_day_limit(hours, days, mode, days_given, names["hours"])
            except FieldError as err:
                problems.append(FieldProblem(err.field, err.message, row_no))
        if problems or date is None or category is None:
            pending.bad_rows += problems
            continue
        title = row[title_at].strip() or None if title_at is not None else None
        pending.records.append(Record(row_no, date[0], date[1], category, required_course, hours, mode, days,
                                      days_given, title))
    return list(people.values()), orphans, ignored


def _missing(where: str) -> Any:
    raise FieldError(where, "缺少此项")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) and not isinstance(value, bool):
        return show(value)
    return str(value)


def run_batch(engine: Engine, rows: Iterable[list[str]], as_of: dt.date,
              default_policy: str | None = None) -> BatchResult:
    pending_people, orphans, ignored = read_batch(rows)
    people = []
    bad_rows = list(orphans)
    for pending in pending_people:
        bad_rows += pending.bad_rows
        values = {column: value for column, (value, _) in pending.values.items()}
        name = values.get("name")
        policy = values.get("policy") or default_policy
        problems = list(pending.problems)
        if not policy:
            problems.append(FieldProblem("policy", "缺少政策：请加 policy 列，或用 --policy 指定", pending.first_row))
        evaluation = None
        if not problems:
            try:
                engine.policy(str(policy))
            except PersonError as err:
                row = pending.values.get("policy", (None, pending.first_row))[1]
                problems += [FieldProblem(p.field, p.message, row) for p in err.problems]
        if not problems:
            person = Person(
                policy=str(policy),
                employer=values.get("employer"),  # type: ignore[arg-type]
                months={case: m for case, col in CASE_FIELDS.items() if (m := values.get(col))},  # type: ignore[misc]
                full_year_service=bool(values.get("full_year_service", False)),
                cadre_academy_hours=int(values.get("cadre_academy_hours", 0)),  # type: ignore[call-overload]
                records=tuple(pending.records),
                refs="rows",
            )
            evaluation = engine.evaluate(person, as_of)
        bad_rows += problems
        people.append(PersonResult(pending.person_id, pending.first_row, str(name) if name else None,
                                   str(policy) if policy else None, evaluation, pending.bad_rows, problems))
    bad_rows.sort(key=lambda p: (p.row or 0, p.field))
    return BatchResult(people, bad_rows, ignored)


KEYS = ("total", "public", "public_required_course", "professional")
CSV_HEADER = (
    "人员编号", "姓名", "政策",
    "应完成总学时", "应完成公需", "应完成必修课", "应完成专业",
    "已计入总学时", "已计入公需", "已计入必修课", "已计入专业",
    "尚差总学时", "尚差公需", "尚差必修课", "尚差专业",
    "是否完成", "截止日期", "剩余天数", "提示", "有误的行",
)


def _cell(units: int | None) -> object:
    if units is None:
        return ""
    return units // SCALE if units % SCALE == 0 else units / SCALE


def csv_rows(result: BatchResult) -> Iterator[list[object]]:
    for p in result.people:
        bad = "；".join(str(problem) for problem in [*p.problems, *p.bad_rows])
        ev = p.evaluation
        if ev is None:
            yield [p.person_id, p.name or "", p.policy or "", *[""] * 12, "无法核对", "", "", "", bad]
            continue
        yield [
            p.person_id, p.name or "", ev.policy.id,
            *[_cell(ev.required[k]) for k in KEYS],
            *[_cell(ev.credited[k]) for k in KEYS],
            *[_cell(ev.remaining[k]) for k in KEYS],
            "是" if ev.compliant else "否",
            ev.deadline.date.isoformat() if ev.deadline.date else "",
            "" if ev.deadline.days_left is None else ev.deadline.days_left,
            "；".join(w.message for w in ev.warnings),
            bad,
        ]


def json_result(result: BatchResult) -> dict[str, Any]:
    people = []
    for p in result.people:
        ev = p.evaluation
        entry: dict[str, Any] = {"row": p.first_row, "person_id": p.person_id, "name": p.name, "policy": p.policy,
                                 "checked": ev is not None}
        if ev is not None:
            entry.update({
                "compliant": ev.compliant,
                "required": amounts_json(ev.required),
                "credited": amounts_json(ev.credited),
                "remaining": amounts_json(ev.remaining),
                "deadline": ev.deadline.date.isoformat() if ev.deadline.date else None,
                "days_left": ev.deadline.days_left,
                "warnings": [w.as_json() for w in ev.warnings],
            })
        entry["problems"] = [_problem_json(x) for x in [*p.problems, *p.bad_rows]]
        people.append(entry)
    return {
        "people": people,
        "bad_rows": [_problem_json(x) for x in result.bad_rows],
        "ignored_columns": result.ignored_columns,
        "summary": result.summary(),
    }


def _problem_json(problem: FieldProblem) -> dict[str, Any]:
    return {"row": problem.row, "field": problem.field, "message": problem.message}


def summary_text(result: BatchResult) -> str:
    s = result.summary()
    text = (f"共 {s['people']} 人：已完成 {s['compliant']} 人，未完成 {s['short']} 人"
            f"（合计尚差 {s['hours_short']} 学时）")
    if s["not_checked"]:
        text += f"，无法核对 {s['not_checked']} 人"
    if s["bad_rows"]:
        text += f"；有误的行 {s['bad_rows']} 行（未计入，见上）"
    return text + "。"
