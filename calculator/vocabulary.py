"""What an input cell means: one vocabulary for every way a person's data comes in.

The command line's batch check (CSV, Excel), the browser form's fields and the browser's file import all
read text that people typed or a spreadsheet wrote. This module alone decides what such text means:
column headers (English ids or Chinese names), categories, study modes, employer types, yes/no cells,
dates and numbers. JavaScript never interprets a cell; it hands the text to this module (through the web
worker) and shows what comes back.

Each `*_cell(text, where)` returns the value or raises `FieldError(where, message)` with a Chinese
message that quotes the text as it was given. Text is first normalised as a person would read it:
full-width digits and letters become ASCII (NFKC), surrounding white space and invisible marks (BOM,
zero-width spaces) are dropped. Only what is unambiguous is accepted: `2023/5/10` and `2023年5月10日` are
dates, `5/1/2023` is not (month or day first?); `16学时` is 16 hours, `16小时` is not (a 学时 is not
always an hour); `3_0` and `1e3` are not numbers. Standard library only (it runs in Pyodide).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from .person import (
    CATEGORIES,
    EMPLOYERS,
    MODES,
    FieldError,
    choice_value,
    days_units,
    hours_units,
    months_units,
)
from .units import SCALE

# ---- text as a person reads it ----------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))


def normalized(text: str) -> str:
    """Full-width forms folded to ASCII (NFKC), invisible marks removed, outer white space stripped."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).strip()


# ---- column headers ---------------------------------------------------------------------------------------

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
    "required_course": ("必修课", "必修", "是否必修"),
    "hours": ("学时",),
    "mode": ("方式", "学习方式"),
    "days": ("天数",),
    "title": ("名称", "课程名称", "项目名称", "课程"),
}


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", normalized(text)).lower()


_HEADER_LOOKUP: dict[str, str] = {
    _header_key(alias): name
    for name, aliases in COLUMN_NAMES.items()
    for alias in (name, f"circumstances.{name}", *aliases)
}


def column_for(header: str) -> str | None:
    """The field a header cell names (`日期` -> date, ` Hours ` -> hours), or None for a column of the
    user's own (工号 is person_id; 部门, 备注 … are not the calculator's)."""
    return _HEADER_LOOKUP.get(_header_key(header))


# A notice may be named by two columns, a city and a year (see notice_parts): 城市 2023 is 洛阳市 2023.
NOTICE_COLUMNS = {"region": ("城市", "地区", "地市", "region", "city"), "year": ("年度", "年份", "year")}
_NOTICE_LOOKUP = {_header_key(alias): kind for kind, aliases in NOTICE_COLUMNS.items() for alias in aliases}


def notice_column(header: str) -> str | None:
    """ "region" or "year" for a header that names a notice's city (城市, 地区) or year (年度), else None."""
    return _NOTICE_LOOKUP.get(_header_key(header))


# Kinds of a person's number, the first the id when a file has several (工号 and 身份证号): the others
# are the office's own columns. Two headers of one kind (id and 人员编号) are one column given twice.
ID_KINDS = (("person_id", "id", "人员编号", "编号"), ("工号",), ("身份证号", "证件号码"))


def id_rank(header: str) -> int:
    """The kind of person number a person_id header names (see ID_KINDS): 0 first."""
    key = _header_key(header)
    for rank, kind in enumerate(ID_KINDS):
        if key in {_header_key(alias) for alias in kind}:
            return rank
    return len(ID_KINDS)


def chinese_header(field: str) -> str:
    """The Chinese header that names `field` in files the calculator writes."""
    aliases = COLUMN_NAMES[field]
    return aliases[1] if field == "person_id" else aliases[0]


# ---- choices ------------------------------------------------------------------------------------------------

CATEGORY_TEXT = {
    **{k: k for k in CATEGORIES},
    **{v: k for k, v in CATEGORIES.items()},
    "公需": "public",
    "公需课": "public",
    "专业": "professional",
    "专业课": "professional",
}
MODE_TEXT = {
    **{k: k for k in MODES},
    **{v: k for k, v in MODES.items()},
    "在线": "online",
    "网络": "online",
    "网络学习": "online",
    "网上": "online",
    "线上": "online",
    "面授": "face_to_face",
    "线下": "face_to_face",
    "活动": "activity",
}
EMPLOYER_TEXT = {**{k: k for k in EMPLOYERS}, **{v: k for k, v in EMPLOYERS.items()}}
TRUE_TEXT = frozenset(("true", "yes", "y", "t", "1", "是", "必修", "√", "✓", "✔", "对"))
FALSE_TEXT = frozenset(("false", "no", "n", "f", "0", "否", "选修", "×", "✗", "错", ""))


def _missing(where: str) -> FieldError:
    return FieldError(where, "缺少此项")


def _choice(text: str, where: str, table: Mapping[str, str], choices: Mapping[str, str], what: str) -> str:
    plain = normalized(text)
    found = table.get(plain) or table.get(plain.lower())
    return found if found is not None else choice_value(plain, where, choices, what)


def category_cell(text: str, where: str) -> str:
    """公需 / 公需科目 / 公需课 / public -> public; 专业 … -> professional; blank is missing."""
    if not normalized(text):
        raise _missing(where)
    return _choice(text, where, CATEGORY_TEXT, CATEGORIES, "类别")


def mode_cell(text: str, where: str) -> str:
    """在线 / 线上 / 网络 -> online; 面授 / 线下 -> face_to_face; 活动 -> activity; blank is online."""
    return _choice(text, where, MODE_TEXT, MODES, "学习方式") if normalized(text) else "online"


def employer_cell(text: str, where: str) -> str:
    return _choice(text, where, EMPLOYER_TEXT, EMPLOYERS, "单位类型")


def bool_cell(text: str, where: str) -> bool:
    """是 / 否, true / false, yes / no, 1 / 0, √ / ×, 必修 / 选修; blank is no."""
    value = normalized(text).lower()
    if value in TRUE_TEXT:
        return True
    if value in FALSE_TEXT:
        return False
    raise FieldError(where, f"应为 是/否（true/false），不是 {text!r}")


# ---- dates --------------------------------------------------------------------------------------------------

# year-month-day with - / . or 年月日 between; an optional midnight time, as spreadsheets add.
_DATE = re.compile(
    r"(?P<y>\d{4})\s*(?:(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日?)"
    r"(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?"
)
_DATE_FORMS = "年-月-日，如 2023-05-10、2023/5/10、2023.5.10 或 2023年5月10日"
_DATE_CACHE: dict[str, tuple[str, int]] = {}


def date_cell(text: str, where: str) -> tuple[str, int]:
    """(YYYY-MM-DD, year) of a date written year first; the date must exist; blank is missing."""
    cached = _DATE_CACHE.get(text)
    if cached is not None:
        return cached
    plain = normalized(text)
    if not plain:
        raise _missing(where)
    found = _DATE.fullmatch(plain)
    if found is None:
        hint = ""
        if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}", plain):
            hint = "（年份在后时分不清月和日）"
        elif re.fullmatch(r"\d{5}(\.0+)?", plain):
            hint = "（像是电子表格的日期序号：请把这一列设为日期格式后再保存）"
        raise FieldError(where, f"日期应写作{_DATE_FORMS}，不是 {text!r}{hint}")
    month = found.group("m") or found.group("m2")
    day_of_month = found.group("d") or found.group("d2")
    try:
        day = dt.date(int(found.group("y")), int(month), int(day_of_month))
    except ValueError:
        raise FieldError(where, f"日期不存在：{text!r}") from None
    result = (day.isoformat(), day.year)
    if len(_DATE_CACHE) < 100_000:
        _DATE_CACHE[text] = result
    return result


# ---- numbers ------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<whole>\d*)(?:\.(?P<fraction>\d*))?")
HOUR_UNITS = ("学时",)
DAY_UNITS = ("天", "日")
MONTH_UNITS = ("个月", "月")
MAX_DIGITS = 12  # beyond this a cell is a typo or an identity number in the wrong column


def number_units(text: str, where: str, what: str, units: tuple[str, ...] = ()) -> int:
    """A decimal number written as text, in hundredths: `16`, `1.5`, `１６`, `16学时` (with one of
    `units` after it). Refuses `3_0`, `1e3`, `1,000`, more than two decimals, and blanks."""
    plain = normalized(text)
    for unit in units:
        if plain.endswith(unit):
            plain = plain[: -len(unit)].rstrip()
            break
    found = _NUMBER.fullmatch(plain)
    if not plain or found is None or not (found.group("whole") or found.group("fraction")):
        if not plain:
            raise _missing(where)
        unit_hint = f"（可带单位：{'、'.join(units)}）" if units else ""
        raise FieldError(where, f"{what}应为数字{unit_hint}，不是 {text!r}")
    whole = found.group("whole") or "0"
    fraction = found.group("fraction") or ""
    if len(whole.lstrip("0")) > MAX_DIGITS:
        raise FieldError(where, f"{what}数值过大（{text!r}）")
    if fraction[2:].strip("0"):
        raise FieldError(where, f"{what}最多两位小数（{text!r}）")
    value = int(whole) * SCALE + int((fraction[:2] or "0").ljust(2, "0"))
    return -value if found.group("sign") == "-" else value


def hours_cell(text: str, where: str) -> int:
    """Hours in hundredths; blank is missing."""
    return hours_units(number_units(text, where, "学时", HOUR_UNITS), where, repr(text))


def days_cell(text: str, where: str) -> tuple[int, bool]:
    """(days in hundredths, whether given); blank is one day, not given."""
    if not normalized(text):
        return SCALE, False
    return days_units(number_units(text, where, "天数", DAY_UNITS), where, repr(text)), True


def months_cell(text: str, where: str) -> int:
    return months_units(number_units(text, where, "月数", MONTH_UNITS), where, repr(text))


def cadre_hours_cell(text: str, where: str) -> int:
    return hours_cell(text, where)


# ---- notices named as people name them ------------------------------------------------------------------

# 洛阳市 2023, 洛阳 2023, 洛阳市2023年, 洛阳市2023年度, luoyang/2023, 洛阳市/2023: a region, then a year.
_NOTICE = re.compile(r"(?P<region>.*?)[\s/／_\-—·,，、]*(?P<year>\d{4})\s*(?:年度?)?(?:政策|通知)?")
_REGION_SUFFIXES = ("示范区", "省", "市", "区", "县")


def _region_key(text: str) -> str:
    """A region's name as it is looked up: no spaces, lower case, without 市/省/区 (洛阳市 and 洛阳 alike)."""
    key = re.sub(r"\s+", "", text).lower()
    for suffix in _REGION_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def region_of(text: str, regions: Mapping[str, Mapping[str, object]]) -> str | None:
    """The region id (`regions`: the bundle's, id -> {name, level}) that `text` names: its id (luoyang)
    or its Chinese name with or without 市/省 (洛阳市, 洛阳); None when it names none."""
    key = _region_key(normalized(text))
    if not key:
        return None
    for region_id, info in regions.items():
        if key == region_id.lower() or key == _region_key(str(info.get("name", ""))):
            return region_id
    return None


def notice_parts(text: str, regions: Mapping[str, Mapping[str, object]]) -> tuple[str | None, int | None]:
    """(region id, year) of a notice as people write it; either is None when the text does not say it."""
    given = normalized(text)
    found = _NOTICE.fullmatch(given)
    if found is None:
        return region_of(given, regions), None
    return region_of(found["region"], regions), int(found["year"])


def notice_id(text: str, bundle: Mapping[str, object]) -> str | None:
    """The policy id a 政策 cell names (洛阳市 2023 -> luoyang/2023), or None when no notice has that
    region and year. `bundle`: the compiled bundle (its `policies` and `regions`)."""
    policies: Mapping[str, Mapping[str, object]] = bundle.get("policies", {})  # type: ignore[assignment]
    if text in policies:
        return text
    regions: Mapping[str, Mapping[str, object]] = bundle.get("regions", {})  # type: ignore[assignment]
    region, year = notice_parts(text, regions)
    if region is None or year is None:
        return None
    wanted = f"{region}/{year}"
    return wanted if wanted in policies else None


def nearest_notice(text: str, bundle: Mapping[str, object]) -> str | None:
    """The notice to suggest for a 政策 cell that names none: the same region's nearest year (a tie goes
    to the later notice), else the province's nearest year. Never another city's notice because its id
    or name is spelt alike: a city is either recognised or not suggested."""
    policies: Mapping[str, Mapping[str, object]] = bundle.get("policies", {})  # type: ignore[assignment]
    regions: Mapping[str, Mapping[str, object]] = bundle.get("regions", {})  # type: ignore[assignment]
    region, year = notice_parts(text, regions)

    def year_of(policy_id: str) -> int:
        return int(str(policies[policy_id].get("year", policy_id.rpartition("/")[2])))

    def nearest(candidates: list[str]) -> str | None:
        if not candidates:
            return None
        if year is None:
            return max(candidates, key=year_of)
        return min(candidates, key=lambda pid: (abs(year_of(pid) - year), -year_of(pid)))

    def region_id(policy_id: str) -> str:
        return str(policies[policy_id].get("region", policy_id.partition("/")[0]))

    same = [pid for pid in sorted(policies) if region is not None and region_id(pid) == region]
    provinces = [pid for pid in sorted(policies) if regions.get(region_id(pid), {}).get("level") == "province"]
    return nearest(same) or nearest(provinces)


def notice_text(policy_id: str, bundle: Mapping[str, object]) -> str:
    """A notice as people name it: 洛阳市 2023."""
    policies: Mapping[str, Mapping[str, object]] = bundle.get("policies", {})  # type: ignore[assignment]
    info = policies.get(policy_id, {})
    return f"{info.get('region_name', policy_id.partition('/')[0])} {info.get('year', policy_id.rpartition('/')[2])}"
