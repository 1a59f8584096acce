"""What the numbers of a result say, in words and bars: the verdict naming each floor that is short, the rows of
the result table with a progress that is full only when nothing is short, and what planned records would leave.

Pure functions of the contract's output (README), so the browser, the command line's text report and the print
view say the same thing. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEYS = ("total", "public", "public_required_course", "professional")
ROW_LABELS = {"total": "合计", "public": "公需科目", "public_required_course": "其中必修课", "professional": "专业科目"}
COMPLIANT = "✓ 已达到本年度学时要求"

Amounts = Mapping[str, Any]  # key -> hours (int or float), None where the notice sets no such floor


def hours(value: float) -> str:
    """16 → "16", 16.5 → "16.5"."""
    return f"{value:g}"


def _value(amounts: Amounts, key: str) -> float:
    return float(amounts.get(key) or 0)


def short_parts(required: Amounts, credited: Amounts, remaining: Amounts) -> list[str]:
    """One clause per floor that is short, the 必修 floor named first, then a remark where hours that were
    entered cannot count for what is short (the reason the other numbers look complete)."""
    course, public = _value(remaining, "public_required_course"), _value(remaining, "public")
    professional, total = _value(remaining, "professional"), _value(remaining, "total")
    clauses: list[str] = []
    remarks: list[str] = []
    if course > 0:
        if public > course:
            clauses.append(f"公需科目还差 {hours(public)} 学时（其中必修课 {hours(course)} 学时）")
        else:
            clauses.append(f"必修课还差 {hours(course)} 学时")
        if _value(credited, "public") > _value(credited, "public_required_course"):
            remarks.append("选修课学时不能抵必修课")
    elif public > 0:
        clauses.append(f"公需科目还差 {hours(public)} 学时")
    if professional > 0:
        clauses.append(f"专业科目还差 {hours(professional)} 学时")
    if total > public + professional:
        clauses.append(f"总学时还差 {hours(total - public - professional)} 学时")
    for key, other, label, other_label in (
        ("public", "professional", "公需科目", "专业科目"),
        ("professional", "public", "专业科目", "公需科目"),
    ):
        floor = required.get(key)
        if floor is not None and _value(credited, key) > float(floor) and _value(remaining, other) > 0:
            remarks.append(f"{label}多出的学时不能抵{other_label}")
    if len(clauses) > 1:
        clauses = [f"共还差 {hours(total)} 学时：" + "，".join(clauses)]
    return clauses + remarks


def verdict(result: Mapping[str, Any]) -> dict[str, Any]:
    """{"compliant", "text"}: "尚未达标：必修课还差 4 学时；选修课学时不能抵必修课"."""
    if result["compliant"]:
        return {"compliant": True, "text": COMPLIANT}
    parts = short_parts(result["required"], result["credited"], result["remaining"])
    text = (
        "尚未达标：" + "；".join(parts)
        if parts
        else f"尚未达标：还差 {hours(_value(result['remaining'], 'total'))} 学时"
    )
    return {"compliant": False, "text": text}


def rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The result table, one row per floor the notice sets. `progress` is what counts toward the floor
    (required − remaining), so a bar is full only when nothing in that row is short: 公需 30/30 credited with
    必修课 short shows as not full. `note` says why the credited hours do not close a row, where they seem to."""
    required, credited, remaining = result["required"], result["credited"], result["remaining"]
    out = []
    for key in KEYS:
        floor = required.get(key)
        if floor is None:
            continue
        left = _value(remaining, key)
        done = max(0.0, float(floor) - left)
        note = None
        if left > 0 and float(floor) - _value(credited, key) < left:
            course = _value(remaining, "public_required_course")
            if course > 0 and key in ("public", "total"):
                note = f"含必修课尚差 {hours(course)} 学时"
            elif key == "total":
                note = "一类多出的学时不能抵另一类的缺口"
        out.append(
            {
                "key": key,
                "label": ROW_LABELS[key],
                "required": floor,
                "credited": credited.get(key),
                "remaining": remaining.get(key),
                # a floor of 0 (prorated away) is met: a full bar of 1/1
                "progress": {"value": done if floor else 1, "max": float(floor) if floor else 1},
                "full": left == 0,
                "note": note,
            }
        )
    return out


def planned(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """Records dated after the as-of day: which, and what would remain if they are completed as dated."""
    plan = result.get("planned") or {}
    if not plan.get("records"):
        return None
    if plan["compliant"]:
        text = "这些记录按期完成后，即可达到本年度学时要求"
    else:
        parts = short_parts(result["required"], plan["credited"], plan["remaining"])
        text = "这些记录按期完成后仍未达标：" + "；".join(parts)
    return {
        "records": list(plan["records"]),
        "text": text,
        "rows": rows({**result, "credited": plan["credited"], "remaining": plan["remaining"]}),
    }
