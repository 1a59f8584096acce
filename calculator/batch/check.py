"""The HR batch check: one CSV row per learning record in, one row per person out.

The rows are read into people by calculator.batch.people (columns, accepted values, row numbers);
each person is then evaluated by the same engine rules as `check`, through engine.tally (the same
functions, added up for many people at once, without the explanation the batch does not show). A bad row
is reported by its row number (the header is row 1, as in Excel) and left out, and the person's other
rows are still evaluated; a bad person-level cell (policy, employer, months…) leaves the person unchecked.
The result CSV's lines are made straight from the results (ResultRows.lines). Standard library only;
bench/batch.py measures it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, TextIO

from .. import vocabulary
from ..engine import Engine
from ..engine.outcome import KEYS, amounts_json
from ..engine.tally import Basis, Outcome, tally
from ..person import CASE_FIELDS, FieldProblem, Person, PersonError
from ..units import SCALE, from_units
from .csv_io import FORMULA_START, line, safe_text
from .people import BatchError, BatchReader, Cells, Pending, read_people, read_rows

__all__ = [
    "BatchError",
    "BatchResult",
    "PersonResult",
    "Report",
    "run_batch",
    "csv_rows",
    "json_result",
    "report",
    "join_reports",
    "summary_text",
    "write_json",
]


@dataclass(slots=True)
class PersonResult:
    person_id: str
    first_row: int
    name: str | None
    policy: str | None
    outcome: Outcome | None  # None: not checked (see problems)
    bad_rows: Sequence[FieldProblem]
    problems: Sequence[FieldProblem]


NONE: tuple[FieldProblem, ...] = ()


@dataclass
class BatchResult:
    people: list[PersonResult]
    bad_rows: list[FieldProblem]  # every bad row, in row order (rows without a person too)
    ignored_columns: list[str]
    rows: int = 0  # rows read under the header (blank rows left out), bad ones included
    notices: list[str] = field(default_factory=list)  # about the file as a whole (its encoding)

    def counts(self) -> dict[str, int]:
        """The summary's counts, the hours short in hundredths (see summary_of)."""
        checked = [p.outcome for p in self.people if p.outcome is not None]
        short = [outcome for outcome in checked if not outcome.compliant]
        return {
            "people": len(self.people),
            "compliant": len(checked) - len(short),
            "short": len(short),
            "not_checked": len(self.people) - len(checked),
            "hours_short": sum(outcome.remaining[0] or 0 for outcome in short),
            "bad_rows": len({p.row for p in self.bad_rows}),
            "rows": self.rows,
        }


def summary_of(counts: dict[str, int]) -> dict[str, Any]:
    """The summary as reported: the counts, with the hours short as a number of hours."""
    hours_short = counts["hours_short"]
    return {**counts, "hours_short": hours_short / SCALE if hours_short % SCALE else hours_short // SCALE}


@dataclass
class Report:
    """A batch's result as the batch command writes it: the result CSV's lines (format csv; made as they
    are written, once) or each person's JSON (format json), every bad row, the unused columns and the
    summary's counts. The reports of consecutive parts of one file join into the whole file's (see
    calculator.batch.parallel, which makes its parts' lines into lists to send them). `people_json` is a
    list, or (calculator.batch.spill) read back from a temporary file as it is iterated, once: write_json
    writes it without holding it."""

    csv_lines: Iterable[str]
    people_json: Iterable[dict[str, Any]]
    bad_rows: list[FieldProblem]
    ignored_columns: list[str]
    counts: dict[str, int]
    notices: list[str] = field(default_factory=list)
    carried: list[str] | None = None  # the office's own columns in the results, when the report has them

    def summary(self) -> dict[str, Any]:
        return summary_of(self.counts)

    def json(self, people: bool = True) -> dict[str, Any]:
        return {
            "people": list(self.people_json) if people else [],
            "bad_rows": [_problem_json(x) for x in self.bad_rows],
            "ignored_columns": self.ignored_columns,
            "notices": self.notices,
            "summary": self.summary(),
        }


_PEOPLE_OPEN = '{\n "people": ['


def write_json(target: TextIO, found: Report) -> None:
    """json.dumps(found.json(), ensure_ascii=False, indent=1) + "\n", byte for byte, written a person at a
    time: the people are never all in memory (a JSON string holds no line break, so each entry's lines
    are indented as the whole document indents them)."""
    rest = json.dumps(found.json(people=False), ensure_ascii=False, indent=1)  # the document, people left out
    assert rest.startswith(_PEOPLE_OPEN + "],")
    target.write(_PEOPLE_OPEN)
    written = False
    for entry in found.people_json:
        text = json.dumps(entry, ensure_ascii=False, indent=1).replace("\n", "\n  ")
        target.write((",\n  " if written else "\n  ") + text)
        written = True
    target.write(("\n ]" if written else "]") + rest[len(_PEOPLE_OPEN) + 1 :] + "\n")


def report(result: BatchResult, fmt: str) -> Report:
    """The result as written in `fmt` ("csv" or "json")."""
    lines = csv_rows(result).lines() if fmt == "csv" else iter(())
    people = _people_json(result) if fmt == "json" else []
    return Report(lines, people, result.bad_rows, result.ignored_columns, result.counts(), result.notices)


def join_reports(parts: Sequence[Report]) -> Report:
    """The report of a file from the reports of its parts, in file order (each person in one part)."""
    counts = {key: sum(part.counts[key] for part in parts) for key in parts[0].counts}
    return Report(
        chain.from_iterable(part.csv_lines for part in parts),
        [entry for part in parts for entry in part.people_json],
        [problem for part in parts for problem in part.bad_rows],
        parts[0].ignored_columns,
        counts,
        parts[0].notices,
    )


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


def run_batch(
    engine: Engine, rows: Iterable[list[str]], as_of: dt.date, default_policy: str | None = None
) -> BatchResult:
    """Read every row and evaluate every person (in order of their first row)."""
    with paused_gc():
        return _run_batch(engine, read_people(rows), as_of, default_policy)


def read_part(header: list[str], rows: Iterable[list[str]], first_row: int) -> BatchReader:
    """The rows of a part of a file, under the file's header, the first being row `first_row`, read
    into people (not evaluated yet: see run_part)."""
    with paused_gc():
        return read_rows(header, rows, first_row)


def run_part(engine: Engine, reader: BatchReader, as_of: dt.date, default_policy: str | None = None) -> BatchResult:
    """run_batch on a part of a file read by read_part."""
    with paused_gc():
        return _run_batch(engine, reader, as_of, default_policy)


_ROW_NAME = Person(policy="", refs="rows").record_name  # how a warning names a record: its CSV row


def _run_batch(engine: Engine, reader: BatchReader, as_of: dt.date, default_policy: str | None) -> BatchResult:
    """Each person is evaluated by engine.tally, from the Basis of their policy and person-level values.

    Most people give their person cells on one row, all good (or give none), and have no bad rows: their
    situation is decided once per distinct set of cells (`situations`). Everyone else (reader.irregular)
    is read column by column, each problem with its row.
    """
    people = []
    bad_rows = list(reader.orphans)
    policies: dict[str, PersonError | None] = {}  # policy id -> why it cannot be used (None: it can)
    situations: dict[Cells | None, tuple[str | None, Basis | None]] = {}
    cells, irregular = reader.cells, reader.irregular
    for person_id, (numbers, days, bodies) in reader.records.items():
        if person_id not in irregular:  # cells on one row at most, all good; no bad rows
            given = cells.get(person_id)
            checked = given[1] if given is not None else None
            found = situations.get(checked)
            if found is None:
                found = situations[checked] = _situation(
                    engine, checked.values or {} if checked else {}, default_policy, as_of, policies
                )
            policy, basis = found
            if basis is not None:
                outcome = tally(basis, zip(numbers, days, bodies, strict=True), _ROW_NAME)
                name = given[0] if given is not None else None
                people.append(PersonResult(person_id, numbers[0], name, policy, outcome, NONE, NONE))
                continue
        person = _irregular(engine, reader.pending(person_id), as_of, default_policy, policies)
        bad_rows += person.bad_rows
        bad_rows += person.problems
        people.append(person)
    bad_rows.sort(key=lambda p: (p.row or 0, p.field))
    return BatchResult(people, bad_rows, reader.ignored, reader.rows, reader.notices)


def _irregular(
    engine: Engine,
    pending: Pending,
    as_of: dt.date,
    default_policy: str | None,
    policies: dict[str, PersonError | None],
) -> PersonResult:
    """A person read column by column: each problem with its row; unchecked when one is person-level."""
    given = pending.values
    value = _values_of(given)
    name, policy = _text(value("name")), _named(engine, _text(value("policy")) or default_policy)
    problems = pending.problems
    if not policy:
        problems = [
            *problems,
            FieldProblem("policy", "缺少政策：请加 policy 列，或用 --policy 指定", pending.first_row),
        ]
    elif not problems:
        unusable = _unusable(engine, policy, policies)
        if unusable is not None:
            row = given.get("policy", (None, pending.first_row))[1]
            problems = [FieldProblem(p.field, p.message, row) for p in unusable.problems]
    outcome = None
    if not problems and policy:
        basis = engine.basis(policy, *_person_values(value, bool(given)), as_of)
        outcome = tally(basis, zip(*pending.records, strict=True), _ROW_NAME)
    return PersonResult(pending.person_id, pending.first_row, name, policy, outcome, pending.bad_rows, problems)


def _named(engine: Engine, text: str | None) -> str | None:
    """The policy id a 政策 cell names as people name notices (洛阳市 2023 -> luoyang/2023; see
    vocabulary.notice_id), else the text as given (reported as unknown)."""
    return vocabulary.notice_id(text, engine.bundle) or text if text else text


def _unusable(engine: Engine, policy: str, policies: dict[str, PersonError | None]) -> PersonError | None:
    """Why the policy cannot be used (unknown, with the nearest notice by region and year), remembered
    per policy; None when it can."""
    if policy not in policies:
        try:
            engine.policy(policy)
            policies[policy] = None
        except PersonError:
            policies[policy] = PersonError([FieldProblem("policy", _unknown_policy(engine, policy))])
    return policies[policy]


def _unknown_policy(engine: Engine, text: str) -> str:
    near = vocabulary.nearest_notice(text, engine.bundle)
    hint = f"；最接近的是 {near}（{vocabulary.notice_text(near, engine.bundle)}）" if near else ""
    listed = "、".join(f"{pid}（{vocabulary.notice_text(pid, engine.bundle)}）" for pid in engine.policy_ids())
    return f"没有政策 {text!r}{hint}；现有政策：{listed}"


def _situation(
    engine: Engine,
    values: dict[str, object],
    default_policy: str | None,
    as_of: dt.date,
    policies: dict[str, PersonError | None],
) -> tuple[str | None, Basis | None]:
    """(policy, Basis) of the person cells' values; no Basis when the policy is missing or unusable."""
    policy = _named(engine, _text(values.get("policy")) or default_policy)
    if not policy or _unusable(engine, policy, policies) is not None:
        return policy, None
    return policy, engine.basis(policy, *_person_values(values.get, bool(values)), as_of)


def _person_values(value: Callable[[str], object], given: bool) -> tuple[str | None, dict[str, int], bool, int]:
    """employer, months (case -> hundredths, in CASE_FIELDS order), full_year_service, cadre_academy_hours."""
    months = {case: m for case, column in CASE_FIELDS.items() if (m := _units(value(column)))} if given else {}
    return (_text(value("employer")), months, value("full_year_service") is True, _units(value("cadre_academy_hours")))


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


CSV_HEADER = (
    "人员编号",
    "姓名",
    "政策",
    "应完成总学时",
    "应完成公需",
    "应完成必修课",
    "应完成专业",
    "已计入总学时",
    "已计入公需",
    "已计入必修课",
    "已计入专业",
    "尚差总学时",
    "尚差公需",
    "尚差必修课",
    "尚差专业",
    "是否完成",
    "截止日期",
    "剩余天数",
    # if the records dated after the day of the check (planned, not credited) are completed as dated
    "计划记录条数",
    "计划完成后尚差总学时",
    "计划完成后尚差公需",
    "计划完成后尚差必修课",
    "计划完成后尚差专业",
    "计划完成后是否完成",
    "提示",
    "有误的行",
)


class _CellText(dict[int | None, str]):
    """Hours (hundredths) as CSV text: '30', '41.5', '' for none; each distinct value formatted once."""

    def __missing__(self, units: int | None) -> str:
        text = "" if units is None else str(from_units(units))
        self[units] = text
        return text


_CELLS = _CellText()


class _Shared:
    """The cells every person of a Basis shares (required hours, deadline, days left), made once."""

    def __init__(self) -> None:
        self.cells: dict[Basis, tuple[list[str], str, str]] = {}
        self.texts: dict[Basis, tuple[str, str]] = {}

    def of(self, basis: Basis) -> tuple[list[str], str, str]:
        found = self.cells.get(basis)
        if found is None:
            due = basis.deadline
            found = self.cells[basis] = (
                [_CELLS[value] for value in basis.required],
                due.date.isoformat() if due.date else "",
                "" if due.days_left is None else str(due.days_left),
            )
        return found

    def text(self, basis: Basis) -> tuple[str, str]:
        """The same as CSV text, with the policy's cell ahead: 'policy,required×4' and 'deadline,days left'."""
        found = self.texts.get(basis)
        if found is None:
            required, due, days_left = self.of(basis)
            found = self.texts[basis] = (",".join([safe_text(basis.policy.id), *required]), f"{due},{days_left}")
        return found


def _row(p: PersonResult, shared: _Shared) -> list[str]:
    """One person's result row; every cell that holds text from the input is made formula-safe."""
    safe = safe_text
    bad = "；".join(str(problem) for problem in [*p.problems, *p.bad_rows]) if p.problems or p.bad_rows else ""
    outcome = p.outcome
    head = [safe(p.person_id), safe(p.name or ""), safe(p.policy or "")]
    if outcome is None:
        return [*head, *[""] * 12, "无法核对", "", "", *[""] * 6, "", safe(bad)]
    required, due, days_left = shared.of(outcome.basis)
    warnings = outcome.warnings
    cell = _CELLS.__getitem__
    planned, _, left_if, compliant_if = outcome.if_completed
    return [
        *head,
        *required,
        *map(cell, outcome.credited),
        *map(cell, outcome.remaining),
        "是" if outcome.compliant else "否",
        due,
        days_left,
        str(len(planned)),
        *map(cell, left_if),
        "是" if compliant_if else "否",
        safe("；".join([w[1] for w in warnings])) if warnings else "",
        safe(bad),
    ]


class ResultRows:
    """The result rows (each a list of cells), and their CSV lines made straight from each result: exactly
    csv_io.line of each row, faster."""

    def __init__(self, result: BatchResult):
        self.result = result

    def __iter__(self) -> Iterator[list[str]]:
        shared = _Shared()
        for p in self.result.people:
            yield _row(p, shared)

    def lines(self) -> Iterator[str]:
        """csv_io.line(row) for each row. A checked person without problems, whose text cells need no
        quoting, is written as one f-string: 26 cells, the numbers and dates never quoted. (A checked
        person's policy is their Basis's: the Basis is the engine's for that policy id.)"""
        shared = _Shared()
        cell = _CELLS.__getitem__
        formula = FORMULA_START
        for p in self.result.people:
            outcome = p.outcome
            if outcome is not None and not p.problems and not p.bad_rows:
                fixed = shared.text(outcome.basis)
                person_id, name = p.person_id, p.name or ""
                credited, left, warnings = outcome.credited, outcome.remaining, outcome.warnings
                planned, _, left_if, compliant_if = outcome.if_completed
                notes = "；".join([w[1] for w in warnings]) if warnings else ""
                text = (
                    f"{person_id if not person_id.startswith(formula) else safe_text(person_id)},"
                    f"{name if not name.startswith(formula) else safe_text(name)},{fixed[0]},"
                    f"{cell(credited[0])},{cell(credited[1])},{cell(credited[2])},{cell(credited[3])},"
                    f"{cell(left[0])},{cell(left[1])},{cell(left[2])},{cell(left[3])},"
                    f"{'是' if outcome.compliant else '否'},{fixed[1]},{len(planned)},"
                    f"{cell(left_if[0])},{cell(left_if[1])},{cell(left_if[2])},{cell(left_if[3])},"
                    f"{'是' if compliant_if else '否'},"
                    f"{notes if not notes.startswith(formula) else safe_text(notes)},\r\n"
                )
                end = len(text) - 2
                if text.count(",") == 25 and '"' not in text and text.find("\r") == end and text.find("\n") == end + 1:
                    yield text
                    continue
            yield line(_row(p, shared))


def csv_rows(result: BatchResult) -> ResultRows:
    """The result rows, every cell text (see _row), and their CSV lines."""
    return ResultRows(result)


def json_result(result: BatchResult) -> dict[str, Any]:
    return report(result, "json").json()


def _people_json(result: BatchResult) -> list[dict[str, Any]]:
    people = []
    for p in result.people:
        outcome = p.outcome
        entry: dict[str, Any] = {
            "row": p.first_row,
            "person_id": p.person_id,
            "name": p.name,
            "policy": p.policy,
            "checked": outcome is not None,
        }
        if outcome is not None:
            due = outcome.deadline
            entry.update(
                {
                    "compliant": outcome.compliant,
                    "required": amounts_json(outcome.basis.required_amounts),
                    "credited": amounts_json(dict(zip(KEYS, outcome.credited, strict=True))),
                    "remaining": amounts_json(dict(zip(KEYS, outcome.remaining, strict=True))),
                    "deadline": due.date.isoformat() if due.date else None,
                    "days_left": due.days_left,
                    "warnings": outcome.warnings_json(),
                    "planned": outcome.planned_json(),
                }
            )
        entry["problems"] = [_problem_json(x) for x in [*p.problems, *p.bad_rows]]
        people.append(entry)
    return people


def _problem_json(problem: FieldProblem) -> dict[str, Any]:
    return {"row": problem.row, "field": problem.field, "message": problem.message}


def summary_text(result: Report) -> str:
    """The summary line: rows read and refused, people done and short."""
    s = result.summary()
    if not s["rows"] and not s["people"]:
        return "文件只有表头，没有记录行：没有可核对的人。"
    text = (
        f"读取 {s['rows']} 行记录，共 {s['people']} 人：已完成 {s['compliant']} 人，"
        f"未完成 {s['short']} 人（合计尚差 {s['hours_short']} 学时）"
    )
    if s["not_checked"]:
        text += f"，无法核对 {s['not_checked']} 人"
    if s["bad_rows"]:
        text += f"；有误的行 {s['bad_rows']} 行（未计入，见上）"
    return text + "。"
