"""The HR batch check: one CSV row per learning record in, one row per person out.

The rows are read into people by calculator.batch_input (columns, accepted values, row numbers);
each person is then evaluated by the same engine as `check`. A bad row is reported by its row number
(the header is row 1, as in Excel) and left out, and the person's other rows are still evaluated; a bad
person-level cell (policy, employer, months…) leaves the person unchecked. Standard library only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .batch_input import BatchError, read_people
from .csv_io import safe_cell
from .engine import Engine
from .engine.evaluate import Evaluation
from .engine.outcome import amounts_json
from .engine.units import SCALE, from_units
from .person import CASE_FIELDS, FieldProblem, Person, PersonError

__all__ = ["BatchError", "BatchResult", "PersonResult", "run_batch", "csv_rows", "json_result", "summary_text"]


@dataclass(slots=True)
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


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is read, evaluated and written.

    A batch keeps a million small objects alive and makes no reference cycles, so each collection would
    only walk them all again: with it running, the batch took about twice as long.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_batch(engine: Engine, rows: Iterable[list[str]], as_of: dt.date,
              default_policy: str | None = None) -> BatchResult:
    """Read every row and evaluate every person (in order of their first row)."""
    with paused_gc():
        return _run_batch(engine, rows, as_of, default_policy)


def _run_batch(engine: Engine, rows: Iterable[list[str]], as_of: dt.date,
               default_policy: str | None) -> BatchResult:
    reader = read_people(rows)
    people = []
    bad_rows = list(reader.orphans)
    policies: dict[str, PersonError | None] = {}  # policy id -> why it cannot be used (None: it can)
    for pending in reader.people():
        bad_rows += pending.bad_rows
        given = pending.values
        value = _values_of(given)
        name, policy = _text(value("name")), _text(value("policy")) or default_policy
        problems = pending.problems
        if not policy:
            problems = [*problems, FieldProblem("policy", "缺少政策：请加 policy 列，或用 --policy 指定",
                                                pending.first_row)]
        elif not problems:
            if policy not in policies:
                try:
                    engine.policy(policy)
                    policies[policy] = None
                except PersonError as err:
                    policies[policy] = err
            unusable = policies[policy]
            if unusable is not None:
                row = given.get("policy", (None, pending.first_row))[1]
                problems = [FieldProblem(p.field, p.message, row) for p in unusable.problems]
        evaluation = None
        if not problems and policy:
            person = Person(
                policy=policy,
                employer=_text(value("employer")),
                months={case: m for case, column in CASE_FIELDS.items() if (m := _units(value(column)))}
                if given else {},
                full_year_service=value("full_year_service") is True,
                cadre_academy_hours=_units(value("cadre_academy_hours")),
                records=pending.records,
                refs="rows",
            )
            evaluation = engine.evaluate(person, as_of)
        bad_rows += problems
        people.append(PersonResult(pending.person_id, pending.first_row, name, policy, evaluation,
                                   pending.bad_rows, problems))
    bad_rows.sort(key=lambda p: (p.row or 0, p.field))
    return BatchResult(people, bad_rows, reader.ignored)


def _nothing(column: str) -> object:
    return None


def _values_of(given: dict[str, tuple[object, int]]) -> Callable[[str], object]:
    """column -> the person's value in it (or None)."""
    if not given:
        return _nothing
    return lambda column: given[column][0] if column in given else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _units(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


KEYS = ("total", "public", "public_required_course", "professional")
CSV_HEADER = (
    "人员编号", "姓名", "政策",
    "应完成总学时", "应完成公需", "应完成必修课", "应完成专业",
    "已计入总学时", "已计入公需", "已计入必修课", "已计入专业",
    "尚差总学时", "尚差公需", "尚差必修课", "尚差专业",
    "是否完成", "截止日期", "剩余天数", "提示", "有误的行",
)


class _CellText(dict[int | None, str]):
    """Hours (hundredths) as CSV text: '30', '41.5', '' for none; each distinct value formatted once."""

    def __missing__(self, units: int | None) -> str:
        text = "" if units is None else str(from_units(units))
        self[units] = text
        return text


_CELLS = _CellText()


def csv_rows(result: BatchResult) -> Iterator[list[object]]:
    """The result rows; every cell that holds text from the input is made formula-safe."""
    cell = _CELLS
    for p in result.people:
        bad = "；".join(str(problem) for problem in [*p.problems, *p.bad_rows]) if p.problems or p.bad_rows else ""
        ev = p.evaluation
        head = [safe_cell(p.person_id), safe_cell(p.name or ""), safe_cell(p.policy or "")]
        if ev is None:
            yield [*head, *[""] * 12, "无法核对", "", "", "", safe_cell(bad)]
            continue
        required, credited, remaining = ev.required, ev.credited, ev.remaining
        due = ev.deadline
        warnings = ev.warnings
        yield [
            *head,
            *map(cell.__getitem__, map(required.get, KEYS)),
            *map(cell.__getitem__, map(credited.get, KEYS)),
            *map(cell.__getitem__, map(remaining.get, KEYS)),
            "是" if ev.compliant else "否",
            due.date.isoformat() if due.date else "",
            "" if due.days_left is None else str(due.days_left),
            safe_cell("；".join(w.message for w in warnings)) if warnings else "",
            safe_cell(bad),
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
