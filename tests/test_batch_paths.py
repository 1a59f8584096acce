"""The batch check's fast paths give exactly what the plain ones give.

- engine.tally (integer sums per Basis) gives evaluate()'s amounts, compliance, deadline, warnings and
  the planned projection (what would remain if the planned records are completed as dated),
  in the same order and words, on the real policies and on policies altered to reach every rule;
- the reader's column-at-a-time, run-at-a-time reading gives the same people, records, values and bad
  rows as reading every row on its own and every person column by column (the plain path);
- csv_io.line is csv.writer's output, and the batch's CSV lines are csv_io.line of its rows.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.batch import csv_io
from calculator.batch import people as batch_people
from calculator.batch.check import _ROW_NAME, CSV_HEADER, csv_rows, json_result, run_batch
from calculator.batch.people import BatchReader
from calculator.bundle import compile_bundle
from calculator.engine import Engine, PersonError
from calculator.engine.evaluate import is_compliant
from calculator.engine.outcome import KEYS
from calculator.engine.tally import tally
from calculator.person import Person, read_person
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2023, 12, 1)


def _compile() -> dict[str, Any]:
    result = load_policies(ROOT / "policies")
    assert not result.problems
    return compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)


BUNDLE = _compile()
POLICIES = sorted(BUNDLE["policies"])
YEARS = {pid: BUNDLE["policies"][pid]["year"] for pid in POLICIES}


def _altered(policy: str, **rules: Any) -> dict[str, Any]:
    changed = copy.deepcopy(BUNDLE)
    for rule_id, value in rules.items():
        target = changed["policies"][policy]["rules"][rule_id.replace("__", ".")]
        if value is None:
            target.update(state="unknown", value=None, sources=[], interpretation=None)
        else:
            target.update(state="stated", value=value)
    return changed


# The real policies, and rules no notice has yet: no cap, a half-day cap only, a cap where there was none,
# a full-year credit and cadre-academy offset with a 必修 floor, no deadline.
ENGINES = [
    Engine(b)
    for b in (
        BUNDLE,
        _altered("luoyang/2023", daily_caps__per_day=None),
        _altered("luoyang/2023", daily_caps__per_day=None, daily_caps__per_half_day=None),
        _altered("henan/2023", daily_caps__per_day=8, requirements__total=None),
        _altered(
            "pingdingshan/2021",
            full_year_service__credit={"public": 30, "professional": 60},
            cadre_academy_offset__eligible_employers=["enterprise", "government"],
            requirements__public=None,
        ),
        _altered("zhengzhou/2020", deadlines__completion=None, deadlines__declaration=None, deadlines__audit=None),
    )
]

hours = st.sampled_from([0, 0.5, 1, 2, 3, 4, 6, 7.5, 8, 10, 12, 16, 30, 48, 100.25])
months = st.sampled_from([0, 0, 0.5, 3, 6, 7, 11.5, 12])


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    policy = draw(st.sampled_from(POLICIES))
    year = YEARS[policy]
    records = []
    for _ in range(draw(st.integers(0, 8))):
        record: dict[str, Any] = {
            "date": (
                dt.date(draw(st.sampled_from([year, year, year - 1, year + 1])), 1, 1)
                + dt.timedelta(days=draw(st.integers(0, 364)))
            ).isoformat(),
            "category": draw(st.sampled_from(["public", "professional"])),
            "hours": draw(hours),
        }
        mode = draw(st.sampled_from([None, "online", "face_to_face", "activity"]))
        if mode is not None:
            record["mode"] = mode
        if draw(st.booleans()):
            record["required_course"] = draw(st.booleans())
        if draw(st.booleans()) or mode == "face_to_face":
            record["days"] = draw(st.sampled_from([0.5, 1, 1.3, 1.5, 1.7, 2, 2.5, 3, 5]))
        records.append(record)
    person: dict[str, Any] = {"policy": policy, "records": records}
    if draw(st.booleans()):
        person["employer"] = draw(
            st.sampled_from(["public_institution", "enterprise", "government", "social_org", "other"])
        )
    if draw(st.booleans()):
        person["circumstances"] = {
            "abroad_months": draw(months),
            "sick_leave_months": draw(months),
            "maternity_months": draw(months),
            "approved_leave_months": draw(months),
            "full_year_service": draw(st.booleans()),
        }
    if draw(st.booleans()):
        person["cadre_academy_hours"] = draw(st.sampled_from([0, 5, 10, 20, 30, 40.5]))
    return person


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people(),
    st.sampled_from(range(len(ENGINES))),
    st.sampled_from([dt.date(2020, 6, 1), dt.date(2023, 12, 1), dt.date(2026, 1, 1), None]),
)
def test_tally_is_evaluate(data: dict[str, Any], which: int, as_of: dt.date | None) -> None:
    engine = ENGINES[which]
    if as_of is None:  # the middle of the policy's year: about half of its records are planned
        as_of = dt.date(YEARS[data["policy"]], 7, 1)
    try:
        person = read_person(data)
    except PersonError:
        return  # more than 24 hours a day: not a person the engine evaluates
    for refs in ("records", "rows"):
        person = Person(
            person.policy,
            person.employer,
            person.months,
            person.full_year_service,
            person.cadre_academy_hours,
            person.records,
            refs,
        )
        ev = engine.evaluate(person, as_of)
        basis = engine.basis(
            person.policy, person.employer, person.months, person.full_year_service, person.cadre_academy_hours, as_of
        )
        outcome = tally(basis, person.records, person.record_name)
        assert outcome.amounts() == {"required": ev.required, "credited": ev.credited, "remaining": ev.remaining}
        assert outcome.compliant == ev.compliant
        assert outcome.deadline == ev.deadline
        assert outcome.warnings_json() == [w.as_json() for w in ev.warnings]
        records, credited, left, compliant = outcome.if_completed  # the `planned` projection
        assert records == ev.credits.planned
        assert dict(zip(KEYS, credited, strict=True)) == ev.if_completed.credited
        assert dict(zip(KEYS, left, strict=True)) == ev.remaining_if_completed
        assert compliant == is_compliant(ev.remaining_if_completed)


def test_the_row_name_is_the_persons() -> None:
    assert _ROW_NAME(7) == Person(policy="x", refs="rows").record_name(7) == "第 7 行"


# ---- reading: fast paths against the plain one ----------------------------------------------------------

COLUMN_CHOICES = [
    "name",
    "policy",
    "employer",
    "maternity_months",
    "sick_leave_months",
    "full_year_service",
    "cadre_academy_hours",
    "required_course",
    "mode",
    "days",
    "title",
    "部门",
]
# Each column's good values, then bad ones (after the "|").
PERSON_VALUES = {
    "name": ["甲", "", "A,B", 'say "hi"', "=SUM(A1)", " 乙 ", "two\nlines", "|"],
    "policy": [
        "luoyang/2023",
        "henan/2023",
        "zhengzhou/2020",
        "pingdingshan/2021",
        "anyang/2025",
        "",
        "|",
        "luoyang/2022",
    ],
    "employer": ["public_institution", "enterprise", "事业单位", "", "|", "company"],
    "maternity_months": ["", "3", "7.5", "|", "13"],
    "sick_leave_months": ["", "7", "|", "x"],
    "full_year_service": ["", "是", "否", "|", "maybe"],
    "cadre_academy_hours": ["", "10", "40.5", "|", "-1"],
}
RECORD_VALUES = {
    "date": [
        "2023-03-01",
        "2023/5/1",
        "2022-12-31",
        "2020-06-01",
        "2021-01-01",
        "2025-02-03",
        "|",
        "2023-02-30",
        "",
        "abc",
    ],
    "category": ["public", "professional", "公需", "专业", "|", "profesional", ""],
    "hours": ["1", "6", "8", "10", "0.5", " 4 ", "|", "-5", "abc", "1.005", ""],
    "required_course": ["", "true", "是", "|", "perhaps"],
    "mode": ["", "online", "face_to_face", "activity", "面授", "|", "onlin"],
    "days": ["", "1", "1.5", "2", "|", "0"],
    "title": ["", "数字技术", "a,b", "|"],
    "部门": ["", "财务处", "|"],
}


def _values(values: list[str], good: bool) -> list[str]:
    cut = values.index("|")
    return values[:cut] if good else values[:cut] + values[cut + 1 :]


@st.composite
def batch_files(draw: st.DrawFn) -> tuple[str, list[str]]:
    columns = ["person_id", "date", "category", "hours", *draw(st.lists(st.sampled_from(COLUMN_CHOICES), unique=True))]
    columns = draw(st.permutations(columns))
    good = draw(st.booleans())  # only good cells (the fast paths), or anything
    rows = []
    for person in range(draw(st.integers(1, 12))):
        person_id = (
            draw(st.sampled_from([f"P{person}", f" P{person} ", f"={person}"])) if draw(st.booleans()) else f"P{person}"
        )
        cells = {c: draw(st.sampled_from(_values(v, good))) for c, v in PERSON_VALUES.items()}
        where = draw(st.sampled_from(["first", "first", "every", "later", "second", "none"]))
        for number in range(draw(st.integers(0 if not good else 1, 5))):
            row = {c: draw(st.sampled_from(_values(v, good))) for c, v in RECORD_VALUES.items()}
            if (where == "first" and number == 0) or where == "every" or (where == "later" and number == 2):
                row.update(cells)
            elif where == "second" and number < 2:  # some cells on the first row, others (maybe other values) next
                other = {c: draw(st.sampled_from(_values(v, good))) for c, v in PERSON_VALUES.items()}
                row.update({c: (cells if (c < "m") == (number == 0) else other)[c] for c in cells})
            rows.append([person_id if c == "person_id" else row.get(c, "") for c in columns])
        if not good and draw(st.booleans()):
            rows.append([person_id if c == "person_id" else cells.get(c, "") for c in columns])  # only names
    order = draw(st.sampled_from(["grouped", "grouped", "shuffled", "reversed"]))
    if order == "shuffled":
        rows = draw(st.permutations(rows))
    elif order == "reversed":
        rows = rows[::-1]
    for _ in range(draw(st.integers(0, 0 if good else 2))):
        position = draw(st.integers(0, len(rows)))
        rows.insert(position, draw(st.sampled_from([[], [""] * len(columns), [" "], ["Q"]])))  # blank, short
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([columns, *rows])
    extra = draw(st.sampled_from([[], [], ["--policy", "luoyang/2023"], ["--policy", "nowhere/2023"]]))
    return text.getvalue(), extra


def _plain_feed(self: BatchReader, chunk: list[list[str]], first_row: int) -> None:
    """Every row on its own, every date and record cell checked afresh, every person column by column."""
    width = self.width
    chunk = [row if len(row) >= width else row + [""] * (width - len(row)) for row in chunk]
    ids = [self.id_get(row).strip() for row in chunk]
    self._feed_rows(chunk, first_row, ids, [None] * len(chunk), [None] * len(chunk))
    self.irregular.update(person_id for person_id in ids if person_id)


def _plain_person_row(self: BatchReader, person_id: str, row: list[str], row_no: int) -> None:
    name = row[self.name_at] if self.name_at is not None else None
    self._person_cells(person_id, name, self.others_get(row), row_no)


def _batch(text: str, extra: list[str]) -> tuple[str, str, dict[str, Any]]:
    rows = list(csv_io.rows(text))
    default = extra[1] if extra else None
    result = run_batch(Engine(BUNDLE), rows, AS_OF, default)
    out = io.StringIO()
    csv_io.write_lines(out, CSV_HEADER, csv_rows(result).lines())
    plain = io.StringIO()
    csv_io.write(plain, CSV_HEADER, list(csv_rows(result)))  # the rows as lists: csv_io.line each
    assert out.getvalue() == plain.getvalue()
    return out.getvalue(), "\n".join(str(p) for p in result.bad_rows), json_result(result)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch_files(), st.sampled_from([1, 3, 2048]))
def test_fast_reading_is_plain_reading(file: tuple[str, list[str]], chunk: int) -> None:
    text, extra = file
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch_people, "CHUNK", chunk)
        fast = _batch(text, extra)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BatchReader, "feed", _plain_feed)
        patch.setattr(BatchReader, "_person_row", _plain_person_row)
        plain = _batch(text, extra)
    assert fast[0] == plain[0]
    assert fast[1] == plain[1]
    assert json.dumps(fast[2], ensure_ascii=False) == json.dumps(plain[2], ensure_ascii=False)


def test_a_big_grouped_file_takes_the_fast_path() -> None:
    lines = ["person_id,name,policy,date,category,hours,mode,days"]
    for person in range(3000):
        lines.append(f"P{person},员工{person},luoyang/2023,2023-03-01,public,30,face_to_face,2")
        lines += [f"P{person},,,2023-0{n}-02,professional,{n},online," for n in range(1, 8)]
    text = "\n".join(lines) + "\n"
    calls: list[int] = []
    real = BatchReader._feed_rows
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BatchReader, "_feed_rows", lambda self, *a: calls.append(1) or real(self, *a))
        fast = _batch(text, [])
    assert not calls  # no chunk read row by row
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BatchReader, "feed", _plain_feed)
        patch.setattr(BatchReader, "_person_row", _plain_person_row)
        plain = _batch(text, [])
    assert fast == plain
    assert fast[2]["summary"]["people"] == 3000


def test_a_few_bad_rows_leave_the_rest_of_their_chunk_on_the_fast_path() -> None:
    lines = ["person_id,name,policy,date,category,hours,mode,days"]
    for person in range(600):
        lines.append(f"P{person},员工{person},luoyang/2023,2023-03-01,public,30,face_to_face,2")
        lines += [f"P{person},,,2023-0{n}-02,professional,{n},online," for n in range(1, 5)]
        if person % 97 == 5:
            lines += [
                f"P{person},,,2023-02-30,public,1,,",
                f"P{person},,,,,,,",
                ",,,2023-03-01,public,1,,",
                f"P{person},,henan/2023,2023-03-01,public,-1,,",
                "",
            ]
    text = "\n".join(lines) + "\n"
    sizes: list[int] = []
    real = BatchReader._feed_rows
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BatchReader, "_feed_rows", lambda self, chunk, *a: sizes.append(len(chunk)) or real(self, chunk, *a)
        )
        fast = _batch(text, [])
    assert sizes and set(sizes) == {1}  # only the odd rows, one at a time
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BatchReader, "feed", _plain_feed)
        patch.setattr(BatchReader, "_person_row", _plain_person_row)
        plain = _batch(text, [])
    assert fast == plain
    assert "与第" in fast[1] and "日期不存在" in fast[1] and "缺少人员编号" in fast[1]


# ---- writing ----------------------------------------------------------------------------------------------

cells = st.one_of(
    st.text(
        alphabet=st.sampled_from(["a", "1", " ", ",", '"', "\r", "\n", "\t", "=", "-", "学", "'", "\x00"]), max_size=6
    ),
    st.integers(-5, 5),
    st.none(),
    st.sampled_from([1.5, 0.1, -0.0]),
)


@given(st.lists(cells, max_size=5))
def test_line_is_what_csv_writer_writes(row: list[object]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(row)
    assert csv_io.line(row) == out.getvalue()
    assert csv_io.plain_line(row) in (None, out.getvalue())
