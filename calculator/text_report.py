"""The Chinese text a person reads in a terminal: the result of a check, and the batch summary.

Standard library only. Columns are aligned by display width (a Chinese character takes two cells).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from .verdict import short_parts

LABELS = (
    ("total", "总学时"),
    ("public", "公需科目"),
    ("public_required_course", "  其中必修课"),
    ("professional", "专业科目"),
)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int, right: bool = False) -> str:
    fill = " " * max(0, cells - width(text))
    return fill + text if right else text + fill


def number(value: object) -> str:
    return "—" if value is None else str(value)


def check_text(result: Mapping[str, Any], policy_name: str, make_up: Mapping[str, Any] | None = None) -> str:
    """`result`: the contract's JSON output; `policy_name`: e.g. 洛阳市 2023 年度; `make_up`: what the notice
    says about making up hours once the deadline has passed (calculator.make_up.after_deadline)."""
    lines = [f"{policy_name}（{result['policy']}）继续教育学时自查", ""]
    remaining = result["remaining"]
    if result["compliant"]:
        lines.append("结论：已完成本年度学时要求。")
    else:
        parts = short_parts(result["required"], result["credited"], remaining)
        detail = "——" + "；".join(parts) if parts else ""
        lines.append(f"结论：尚未完成，还差 {number(remaining['total'])} 学时{detail}。")
    planned = result.get("planned") or {}
    if planned.get("records"):
        left = planned["remaining"]["total"]
        after = "即可完成" if planned["compliant"] else f"仍差 {number(left)} 学时"
        lines.append(f"另有 {len(planned['records'])} 条记录日期在核对日之后（计划，未计入）；按期完成后{after}。")
    for item in result.get("late") or []:
        lines.append(f"逾期未计入：{item['reason']}（原文：“{item['source']['quote']}”）")
    lines.append("")
    header = pad("", 14) + "".join(pad(h, 10, right=True) for h in ("应完成", "已计入", "尚差"))
    lines.append(header)
    for key, label in LABELS:
        if key == "public_required_course" and result["required"][key] is None:
            continue
        row = pad(label, 14) + "".join(
            pad(number(result[part][key]), 10, right=True) for part in ("required", "credited", "remaining")
        )
        lines.append(row)
    lines.append("")
    if result["deadline"]:
        days = result["days_left"]
        when = f"还有 {days} 天" if days >= 0 else f"已过 {-days} 天"
        lines.append(f"截止日期：{result['deadline']}（截至 {result.get('as_of', '今天')} {when}）")
    else:
        lines.append("截止日期：通知未写")
    if make_up:
        lines += ["", f"{make_up['heading']}："]
        for item in make_up["items"]:
            lines.append(f"  - {item['text']}")
            if item["source"]:
                lines.append(f"    原文：“{item['source']['quote']}”（{item['source']['document']}）")
        if make_up.get("advice"):
            lines.append(f"  {make_up['advice']}")
    if result["warnings"]:
        lines += ["", "提示："]
        lines += [f"  ! {w['message']}" for w in result["warnings"]]
    if result.get("steps"):
        lines += ["", "计算过程（每步依据通知原文）："]
        for number_, step in enumerate(result["steps"], 1):
            lines.append(f"  {number_}. {step['text']}  [{step['rule']}]")
            if step["source"]:
                lines.append(f"     原文：“{step['source']['quote']}”（{step['source']['document']}）")
            if step["interpretation"]:
                lines.append(f"     本工具的理解：{step['interpretation']}")
    return "\n".join(lines) + "\n"


def policies_text(bundle: Mapping[str, Any]) -> str:
    policies = bundle.get("policies", {})
    rows = []
    for pid in sorted(policies):
        policy = policies[pid]
        document = bundle.get("documents", {}).get(policy.get("document"), {})
        number_rule = document.get("number", {})
        doc_number = number_rule.get("value") if number_rule.get("state") == "stated" else None
        extends = f"，实施 {policy['extends']}" if policy.get("extends") else ""
        name = f"{policy.get('region_name', policy['region'])} {policy['year']} 年度"
        rows.append((pid, name, f"{doc_number or '文号未印出'}{extends}"))
    cells = max((width(r[0]) for r in rows), default=0) + 2
    names = max((width(r[1]) for r in rows), default=0) + 2
    return "".join(f"{pad(pid, cells)}{pad(name, names)}{tail}\n" for pid, name, tail in rows)
