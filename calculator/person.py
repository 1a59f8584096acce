"""The person input of the calculator contract (design.md), checked field by field.

`read_person(data)` turns the parsed JSON into a `Person` or raises `PersonError` listing every bad field
by its path (`records[3].hours`). The value checks are shared with the batch check, which reads the same
fields from CSV cells. Hours, days and months are kept in integer hundredths (see calculator.units).
Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from .units import SCALE, show, to_units

EMPLOYERS = {
    "public_institution": "事业单位",
    "enterprise": "企业",
    "government": "机关",
    "social_org": "社会组织",
    "other": "其他",
}
CATEGORIES = {"public": "公需科目", "professional": "专业科目"}
MODES = {"online": "在线学习", "face_to_face": "面授培训", "activity": "活动折算"}
CASE_FIELDS = {
    "abroad": "abroad_months",
    "sick_leave": "sick_leave_months",
    "maternity": "maternity_months",
    "approved_leave": "approved_leave_months",
}
CASE_NAMES = {
    "abroad": "境外工作",
    "sick_leave": "病假",
    "maternity": "生育",
    "approved_leave": "经批准的其他情况",
}
PERSON_FIELDS = ("policy", "employer", "circumstances", "cadre_academy_hours", "records")
CIRCUMSTANCE_FIELDS = (*CASE_FIELDS.values(), "full_year_service")
RECORD_FIELDS = ("date", "category", "required_course", "hours", "mode", "days", "title")
MAX_HOURS_PER_DAY = 24
MAX_DAYS = 366
MAX_MONTHS = 12
MAX_HOURS = 24 * 366  # more hours than a year has cannot be one record (and keeps sums exact)
MAX_MAGNITUDE = 1e9  # beyond this a number is a typo, and 1e308 would overflow on the way to hundredths


# A checked learning record, as plain tuples so that a batch of a million records stays cheap:
#   (ref, day, body)   ref: its index in `records` (or its row in a CSV file)
#   day  = (date "YYYY-MM-DD", year)
#   body = (category, required_course, hours, mode, days, days_given)
#          hours and days in hundredths; days is 100 (one day) when not given.
# A batch shares one `day` per distinct date and one `body` per distinct set of cells.
Day = tuple[str, int]
Body = tuple[str, bool, int, str, int, bool]
RecordTuple = tuple[int, Day, Body]


@dataclass(slots=True)
class Person:
    policy: str
    employer: str | None = None
    months: Mapping[str, int] = field(default_factory=dict)  # case -> hundredths of a month
    full_year_service: bool = False
    cadre_academy_hours: int = 0  # hundredths
    records: Sequence[RecordTuple] = ()
    refs: str = "records"  # how a record is named in messages: "records" (index) or "rows" (CSV row)

    def record_name(self, ref: int) -> str:
        if self.refs == "rows":
            return f"第 {ref} 行"
        return f"第 {ref + 1} 条记录（records[{ref}]）"


@dataclass(frozen=True)
class FieldProblem:
    field: str  # records[3].hours; for CSV the column name
    message: str
    row: int | None = None  # CSV row number (the header is row 1)

    def __str__(self) -> str:
        where = f"第 {self.row} 行 " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}" if self.field else f"{where}{self.message}"


class FieldError(ValueError):
    """One bad value; `read_person` collects them into a PersonError."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PersonError(ValueError):
    """The input cannot be used; `problems` names every bad field."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# ---- single values ---------------------------------------------------------------------------------


def _kind(value: object) -> str:
    if isinstance(value, str):
        return f"文本 {value!r}"
    if isinstance(value, bool):
        return f"真假值 {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "对象"
    return repr(value)


def _number(value: object, where: str, what: str) -> int:
    """A JSON number in hundredths, refusing text, true/false, NaN, infinities and finer fractions."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(where, f"{what}应为数字，不是{_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(where, f"{what}应为有限的数字，不是 {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise FieldError(where, f"{what}数值过大（{value}）")
    units = to_units(value)
    if units is None:
        raise FieldError(where, f"{what}最多两位小数（{value}）")
    return units


def hours_value(value: object, where: str) -> int:
    return hours_units(_number(value, where, "学时"), where, value)


def days_value(value: object, where: str) -> int:
    return days_units(_number(value, where, "天数"), where, value)


def months_value(value: object, where: str) -> int:
    return months_units(_number(value, where, "月数"), where, value)


# The ranges, on values already in hundredths (from JSON here, from text cells in calculator.vocabulary);
# `given` is the value as the person gave it, for the message.


def hours_units(units: int, where: str, given: object) -> int:
    if units < 0:
        raise FieldError(where, f"学时不能为负数（{given}）")
    if units > MAX_HOURS * SCALE:
        raise FieldError(where, f"学时不能超过 {MAX_HOURS}（一年的小时数；{given}）")
    return units


def days_units(units: int, where: str, given: object) -> int:
    if units < SCALE // 2:  # half a day is the shortest a notice caps (Luoyang: 半天不超过 3 学时)
        raise FieldError(where, f"天数不能少于 0.5（{given}）；半天的培训填 0.5")
    if units > MAX_DAYS * SCALE:
        raise FieldError(where, f"天数不能超过 {MAX_DAYS}（{given}）")
    return units


def months_units(units: int, where: str, given: object) -> int:
    if units < 0:
        raise FieldError(where, f"月数不能为负数（{given}）")
    if units > MAX_MONTHS * SCALE:
        raise FieldError(where, f"月数不能超过 {MAX_MONTHS}（{given}）")
    return units


def bool_value(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise FieldError(where, f"应为 true 或 false，不是{_kind(value)}")
    return value


def choice_value(value: object, where: str, choices: Mapping[str, str], what: str) -> str:
    if isinstance(value, str) and value in choices:
        return value
    listed = "、".join(f"{key}（{name}）" for key, name in choices.items())
    message = (
        f"未知的{what} {value!r}；可选：{listed}"
        if isinstance(value, str)
        else f"{what}应为文本，不是{_kind(value)}；可选：{listed}"
    )
    if isinstance(value, str):
        by_name = [key for key, name in choices.items() if name == value]
        close = by_name or _close_matches(value, list(choices))
        if close:
            message += f"；是否想写 {close[0]}？"
    raise FieldError(where, message)


_DATE_CACHE: dict[str, tuple[str, int]] = {}


def date_value(value: object, where: str) -> tuple[str, int]:
    """(YYYY-MM-DD, year); the date must exist."""
    if isinstance(value, str):
        cached = _DATE_CACHE.get(value)
        if cached is not None:
            return cached
    if not isinstance(value, str):
        raise FieldError(where, f"日期应为文本 YYYY-MM-DD，不是{_kind(value)}")
    text = value.strip()
    parts = text.split("-")
    if (
        len(parts) != 3
        or len(parts[0]) != 4
        or not all(p.isdigit() and p.isascii() for p in parts)
        or not (1 <= len(parts[1]) <= 2 and 1 <= len(parts[2]) <= 2)
    ):
        raise FieldError(where, f"日期应写作 YYYY-MM-DD，不是 {value!r}")
    try:
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise FieldError(where, f"日期不存在：{value}") from None
    result = (day.isoformat(), day.year)
    if len(_DATE_CACHE) < 100_000:
        _DATE_CACHE[value] = result
    return result


def unknown_keys(data: Mapping[str, object], known: tuple[str, ...], prefix: str) -> list[FieldProblem]:
    problems = []
    for key in data:
        if key not in known:
            close = _close_matches(str(key), list(known))
            hint = f"；是否想写 {close[0]}？" if close else f"；可用的字段：{', '.join(known)}"
            shown = key if str(key).strip() else f"{key!r}（空字段名）"  # "" or " " would name nothing
            problems.append(FieldProblem(f"{prefix}{shown}", f"未知的字段{hint}"))
    return problems


# ---- records and persons ---------------------------------------------------------------------------


def check_day_limit(hours: int, days: int, mode: str, days_given: bool, where: str) -> None:
    """At most 24 hours a day, where the record says how many days it took.

    Face-to-face training is one day unless `days` says otherwise; an online record without `days` is a
    certificate's total (one online course of 30 hours), and activity hours are what an audit granted,
    not time spent in a day: neither has a day to measure against.
    """
    if (mode == "face_to_face" or (mode == "online" and days_given)) and hours > MAX_HOURS_PER_DAY * days:
        raise FieldError(
            where,
            f"{show(hours)} 学时超过 {show(days)} 天 × {MAX_HOURS_PER_DAY} 小时；跨多天的学习请填写正确的天数（days）",
        )


# JSON values as a hashable cache key, each with its exact type (True == 1 == 1.0 in Python, but a record whose
# hours are true is refused and one whose hours are 1 is not; bool, a subclass of int, is a type of its own) and a
# float as it is written (-0.0 == 0.0); None when a value is not a scalar. The types are read in C (map): the page
# sends 50 records on each keystroke, and a loop in Python here cost more than the reading it saves.
SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))
NAME_TYPES = frozenset((str,))
TypedKey = tuple[tuple[type, ...], tuple[object, ...], tuple[str, ...]]
RecordKey = tuple[tuple[str, ...], TypedKey]


def typed_key(values: tuple[object, ...]) -> TypedKey | None:
    kinds = tuple(map(type, values))
    if not SCALAR_TYPES.issuperset(kinds):
        return None
    floats = tuple([repr(value) for value in values if type(value) is float]) if float in kinds else ()
    return kinds, values, floats


def record_key(raw: Mapping[object, object]) -> RecordKey | None:
    names = tuple(raw)
    if not NAME_TYPES.issuperset(map(type, names)):
        return None
    typed = typed_key(tuple(raw.values()))
    return None if typed is None else (cast(tuple[str, ...], names), typed)


def read_record(raw: object, index: int) -> tuple[RecordTuple | None, list[FieldProblem]]:
    """One record of a person's JSON, read and checked. The calculator page sends every record again on each
    keystroke; a record read before (the same values at the same index) is not read again."""
    key = record_key(raw) if isinstance(raw, dict) else None
    if key is None:
        return _read_record(raw, index)
    found, problems = _read_record_again(key, index)
    return found, list(problems)


@lru_cache(maxsize=1024)
def _read_record_again(key: RecordKey, index: int) -> tuple[RecordTuple | None, tuple[FieldProblem, ...]]:
    names, (_, values, _) = key
    found, problems = _read_record(dict(zip(names, values, strict=True)), index)
    return found, tuple(problems)


def _read_record(raw: object, index: int) -> tuple[RecordTuple | None, list[FieldProblem]]:
    base = f"records[{index}]"
    if not isinstance(raw, dict):
        return None, [FieldProblem(base, f"每条记录应为对象 {{date, category, hours, ...}}，不是{_kind(raw)}")]
    problems = unknown_keys(raw, RECORD_FIELDS, f"{base}.")
    values: dict[str, object] = {}

    def take(name: str, check: object, default: object = None, required: bool = False) -> None:
        where = f"{base}.{name}"
        if name not in raw:
            if required:
                problems.append(FieldProblem(where, "缺少此项"))
            values[name] = default
            return
        try:
            values[name] = check(raw[name], where)  # type: ignore[operator]
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message))

    take("date", date_value, required=True)
    take("category", lambda v, w: choice_value(v, w, CATEGORIES, "类别"), required=True)
    take("hours", hours_value, required=True)
    take("required_course", bool_value, default=False)
    take("mode", lambda v, w: choice_value(v, w, MODES, "学习方式"), default="online")
    take("days", days_value, default=SCALE)
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        problems.append(FieldProblem(f"{base}.title", f"名称应为文本，不是{_kind(title)}"))
        title = None
    if problems:
        return None, problems
    hours, days, mode = values["hours"], values["days"], values["mode"]
    assert isinstance(hours, int) and isinstance(days, int) and isinstance(mode, str)
    try:
        check_day_limit(hours, days, mode, "days" in raw, f"{base}.hours")
    except FieldError as err:
        return None, [FieldProblem(err.field, err.message)]
    date = values["date"]
    assert isinstance(date, tuple)
    body = (str(values["category"]), bool(values["required_course"]), hours, mode, days, "days" in raw)
    return (index, date, body), []


# A record as read_record gives it: the record, or None and the problems that keep it out.
ReadRecord = tuple[RecordTuple | None, Sequence[FieldProblem]]


def read_person(data: object) -> Person:
    """Check a parsed person file; raise PersonError naming every bad field."""
    fields = _person_object(data)
    problems: list[FieldProblem] = []
    read: list[ReadRecord] = []
    raw_records = fields.get("records")
    if "records" not in fields:
        problems.append(FieldProblem("records", "缺少此项：没有学习记录时写 []"))
    elif not isinstance(raw_records, list):
        problems.append(FieldProblem("records", f"应为列表 [...]，不是{_kind(raw_records)}"))
    else:
        read = [read_record(raw, index) for index, raw in enumerate(raw_records)]
    return _person(fields, problems, read)


def read_person_with(data: object, records: Sequence[ReadRecord]) -> Person:
    """read_person for a person whose records are read already, `records[i]` by read_record (the calculator
    page's worker keeps each form row's reading between keystrokes); `data`'s own records are not looked at.
    The problems are read_person's, in its order."""
    return _person(_person_object(data), [], records)


def _person_object(data: object) -> dict[Any, Any]:
    if not isinstance(data, dict):
        shape = '{"policy": ..., "records": [...]}'
        raise PersonError([FieldProblem("", f"应为 JSON 对象 {shape}，不是{_kind(data)}")])
    return data


def _person(data: dict[Any, Any], record_problems: list[FieldProblem], read: Sequence[ReadRecord]) -> Person:
    """The person's own fields read from `data`, its records as read; PersonError naming every bad field."""
    problems = unknown_keys(data, PERSON_FIELDS, "")

    policy = data.get("policy")
    if "policy" not in data or policy in (None, ""):
        problems.append(FieldProblem("policy", '缺少此项：请写政策编号，如 "luoyang/2023"'))
        policy = ""
    elif not isinstance(policy, str):
        problems.append(FieldProblem("policy", f'政策编号应为文本，如 "luoyang/2023"，不是{_kind(policy)}'))
        policy = ""

    employer = None
    if data.get("employer") is not None:
        try:
            employer = choice_value(data["employer"], "employer", EMPLOYERS, "单位类型")
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message))

    months: dict[str, int] = {}
    full_year = False
    circumstances = data.get("circumstances")
    if circumstances is not None:
        if not isinstance(circumstances, dict):
            problems.append(FieldProblem("circumstances", f"应为对象，不是{_kind(circumstances)}"))
        else:
            problems += unknown_keys(circumstances, CIRCUMSTANCE_FIELDS, "circumstances.")
            for case, name in CASE_FIELDS.items():
                if circumstances.get(name) is not None:
                    try:
                        months[case] = months_value(circumstances[name], f"circumstances.{name}")
                    except FieldError as err:
                        problems.append(FieldProblem(err.field, err.message))
            if circumstances.get("full_year_service") is not None:
                try:
                    full_year = bool_value(circumstances["full_year_service"], "circumstances.full_year_service")
                except FieldError as err:
                    problems.append(FieldProblem(err.field, err.message))

    cadre = 0
    if data.get("cadre_academy_hours") is not None:
        try:
            cadre = hours_value(data["cadre_academy_hours"], "cadre_academy_hours")
        except FieldError as err:
            problems.append(FieldProblem(err.field, err.message))

    problems += record_problems
    records: list[RecordTuple] = []
    for record, problems_of_record in read:
        problems += problems_of_record
        if record is not None:
            records.append(record)

    if problems:
        raise PersonError(problems)
    return Person(
        policy=str(policy),
        employer=employer,
        months={case: m for case, m in months.items() if m},
        full_year_service=full_year,
        cadre_academy_hours=cadre,
        records=tuple(records),
    )


def _close_matches(word: str, choices: list[str]) -> list[str]:
    """The nearest choice, for "did you mean" in a message. difflib is imported here, only when a value is
    wrong: importing it was a third of the calculator's import on a cold visit in the browser (90 ms)."""
    import difflib

    return difflib.get_close_matches(word, choices, n=1)
