"""One person's input as the browser form gives it: every field a string as typed (the check boxes true/false).

`read_form(form)` reads the text through calculator.vocabulary, the one vocabulary of the batch, the form and
the import, and gives the calculator contract's person JSON, how each field was read when that differs from
what was typed (`16学时` is read as 16 学时, `2023/5/10` as 2023-05-10), and the problems found, named by the
form's field paths. (Files of records: calculator.person_file.) Standard library only (it runs in Pyodide).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import vocabulary
from .person import CASE_FIELDS, FieldError, FieldProblem, TypedKey, typed_key
from .units import from_units, show

RECORD_COLUMNS = ("date", "category", "required_course", "hours", "mode", "days", "title")
MONTH_FIELDS = tuple(CASE_FIELDS.values())
TEXT_FIELDS = ("date", "hours", "days", "title")  # a record with none of them typed is an empty row

# ---- the form ---------------------------------------------------------------------------------------------


@dataclass
class FormReading:
    person: dict[str, Any] | None  # the contract's person JSON; None when a field cannot be read
    rows: list[int]  # rows[i]: the form row of person["records"][i] (empty rows are left out)
    readings: dict[str, str] = field(default_factory=dict)  # field -> how its text was read
    problems: list[FieldProblem] = field(default_factory=list)


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _number(units: int) -> int | float:
    return from_units(units)


def is_empty_record(record: Mapping[str, Any]) -> bool:
    """A form row with nothing typed in it (the choices alone say nothing)."""
    return not any(vocabulary.normalized(_text(record.get(k))) for k in TEXT_FIELDS)


class _Reader:
    """Reads fields through the vocabulary, collecting how each was read and the problems found."""

    def __init__(self) -> None:
        self.readings: dict[str, str] = {}
        self.problems: list[FieldProblem] = []

    def read(self, where: str, typed: object, check: Any, shown: Any) -> Any:
        """`check(text, where)`, noting how the text was read when that is not what was typed."""
        text = _text(typed)
        try:
            value = check(text, where)
        except FieldError as err:
            self.problems.append(FieldProblem(err.field, err.message))
            return None
        as_read = shown(value)
        if as_read is not None and text.strip() != as_read[0]:
            self.readings[where] = as_read[1]
        return value


def _hours_shown(units: int) -> tuple[str, str]:
    return show(units), f"读作 {show(units)} 学时"


def _months_shown(units: int) -> tuple[str, str]:
    return show(units), f"读作 {show(units)} 个月"


def _not_shown(value: object) -> None:
    return None


def read_form(form: Mapping[str, Any]) -> FormReading:
    """The form's typed text -> the person JSON, readings and problems (see the module's docstring)."""
    raw_records = form.get("records")
    rows = raw_records if isinstance(raw_records, list) else []
    return read_form_rows(form, [read_row(row, raw) for row, raw in enumerate(rows)])


def read_form_rows(form: Mapping[str, Any], rows: list[RowReading]) -> FormReading:
    """read_form, with the form's records already read a row each (`rows[i]`: read_row(i, records[i])); the
    form's own records are not looked at. The browser's worker keeps each row's reading between keystrokes."""
    reading = FormReading(person=None, rows=[])
    reader = _Reader()
    read = reader.read

    person: dict[str, Any] = {"policy": _text(form.get("policy")), "circumstances": {}, "records": []}
    employer = _text(form.get("employer"))
    if employer:
        value = read("employer", employer, vocabulary.employer_cell, _not_shown)
        person["employer"] = value
    raw_circumstances = form.get("circumstances")
    circumstances: Mapping[str, Any] = raw_circumstances if isinstance(raw_circumstances, Mapping) else {}
    for name in MONTH_FIELDS:
        typed = _text(circumstances.get(name))
        if vocabulary.normalized(typed):
            units = read(f"circumstances.{name}", typed, vocabulary.months_cell, _months_shown)
            person["circumstances"][name] = None if units is None else _number(units)
    person["circumstances"]["full_year_service"] = circumstances.get("full_year_service") is True
    cadre = _text(form.get("cadre_academy_hours"))
    if vocabulary.normalized(cadre):
        units = read("cadre_academy_hours", cadre, vocabulary.cadre_hours_cell, _hours_shown)
        person["cadre_academy_hours"] = None if units is None else _number(units)
    reading.readings.update(reader.readings)
    reading.problems.extend(reader.problems)

    for row, row_reading in enumerate(rows):
        if row_reading is None:  # an empty row, or not a record at all
            continue
        out, readings, problems = row_reading
        person["records"].append(dict(out))
        reading.readings.update(readings)
        reading.problems.extend(problems)
        reading.rows.append(row)
    if not reading.problems:
        reading.person = person
    return reading


_Read = tuple[dict[str, Any], tuple[tuple[str, str], ...], tuple[FieldProblem, ...]]
RowReading = _Read | None  # a form row's record, readings and problems; None: nothing to read there


def read_row(row: int, raw: object) -> RowReading:
    """One form row, read (None for an empty row or one that is not a record). Its dict is shared with the
    cache: read_form_rows copies it."""
    if not isinstance(raw, Mapping):
        return None
    values = tuple([raw.get(name) for name in RECORD_COLUMNS])
    key = typed_key(values)
    return _record_again(row, key) if key is not None else _record(row, values)


@lru_cache(maxsize=1024)
def _record_again(row: int, typed: TypedKey) -> _Read | None:
    """A record read before (the same text at the same row: the page sends every record on each keystroke)
    is not read again. Its values' types and reprs are part of the key: True == 1 and -0.0 == 0.0 in Python,
    not in a form."""
    return _record(row, typed[1])


def _record(row: int, values: tuple[object, ...]) -> _Read | None:
    """One form row (its values in RECORD_COLUMNS' order) -> its record, readings and problems; None for a
    row with nothing typed in it."""
    raw = dict(zip(RECORD_COLUMNS, values, strict=True))
    if is_empty_record(raw):
        return None
    reader = _Reader()
    read = reader.read
    at = f"records[{row}]"
    day = read(f"{at}.date", raw["date"], vocabulary.date_cell, lambda d: (d[0], f"读作 {_date_text(d[0])}"))
    out: dict[str, Any] = {
        "date": None if day is None else day[0],
        "category": read(f"{at}.category", raw["category"], vocabulary.category_cell, _not_shown),
        "required_course": raw["required_course"] is True,
        "hours": None,
        "mode": read(f"{at}.mode", raw["mode"], vocabulary.mode_cell, _not_shown),
    }
    units = read(f"{at}.hours", raw["hours"], vocabulary.hours_cell, _hours_shown)
    out["hours"] = None if units is None else _number(units)
    days_text = _text(raw["days"])
    if vocabulary.normalized(days_text):
        days = read(f"{at}.days", days_text, vocabulary.days_cell, lambda d: (show(d[0]), f"读作 {show(d[0])} 天"))
        out["days"] = None if days is None else _number(days[0])
    title = raw["title"]
    if isinstance(title, str) and title:
        out["title"] = title
    return out, tuple(reader.readings.items()), tuple(reader.problems)


def _date_text(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"
