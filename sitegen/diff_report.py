"""The report of `build.py diff`: rule-by-rule changes with both sides' citations, as text or Markdown.

Markdown is meant for a pull request description; text for the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compare import PolicyDiff, RuleChange
from .values import value_text

LABELS = {"changed": "改变", "added": "新增", "removed": "删除", "reworded": "表述或引文改动"}
SIGNS = {"changed": "~", "added": "+", "removed": "-", "reworded": "≈"}
FIELDS = {"state": "状态", "value": "数值", "reference": "所引文件", "interpretation": "解释"}
SHOWN = ("changed", "added", "removed", "reworded")


def side_text(rule: Mapping[str, Any] | None, kind: str) -> str:
    if rule is None:
        return "（未规定）"
    if rule["state"] == "unknown":
        return "通知未规定"
    if rule["state"] == "by_reference":
        return f"见其他文件（未存档：{rule.get('reference')}）"
    return value_text(kind, rule["value"])


def _quotes(rule: Mapping[str, Any] | None) -> list[str]:
    if rule is None:
        return []
    return [f"「{c['quote']}」（{c['document']}）" for c in rule.get("sources", [])]


def summary(diff: PolicyDiff) -> str:
    counts = diff.counts()
    parts = [f"{counts.get(k, 0)} {LABELS[k]}" for k in SHOWN]
    return "，".join(parts)


def _extras(rule: Mapping[str, Any] | None) -> list[str]:
    if rule is None:
        return []
    out = []
    if rule.get("interpretation"):
        out.append(f"解释：{rule['interpretation']}")
    if rule.get("note"):
        out.append(f"说明：{rule['note']}")
    return out


def text_report(diff: PolicyDiff, catalog: Mapping[str, Any], heading: str | None = None) -> str:
    lines = [heading or f"{diff.a} → {diff.b}"]
    for change in diff.rules:
        if change.kind not in SHOWN:
            continue
        lines.append(_text_change(change, catalog[change.rule_id]["kind"]))
    lines.extend(f"  * {item}" for item in diff.extra)
    lines.append(f"  {summary(diff)}" + (f"，另有 {len(diff.extra)} 处文件信息改动" if diff.extra else ""))
    return "\n".join(lines)


def _text_change(change: RuleChange, kind: str) -> str:
    what = f" [{'、'.join(FIELDS[f] for f in change.fields)}]" if change.fields else ""
    out = [f"  {SIGNS[change.kind]} {change.rule_id} {change.title}：{LABELS[change.kind]}{what}"]
    for sign, rule in (("-", change.before), ("+", change.after)):
        if rule is None:
            continue
        out.append(f"      {sign} {side_text(rule, kind)}")
        out.extend(f"          {q}" for q in _quotes(rule))
        out.extend(f"          {x}" for x in _extras(rule))
    return "\n".join(out)


def md_escape(text: str) -> str:
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


def md_report(diff: PolicyDiff, catalog: Mapping[str, Any], heading: str | None = None) -> str:
    lines = [f"### {md_escape(heading or f'{diff.a} → {diff.b}')}", "", summary(diff), ""]
    for change in diff.rules:
        if change.kind not in SHOWN:
            continue
        kind = catalog[change.rule_id]["kind"]
        what = f"（{'、'.join(FIELDS[f] for f in change.fields)}）" if change.fields else ""
        lines.append(
            f"#### {SIGNS[change.kind]} {LABELS[change.kind]}{what}：{md_escape(change.title)} (`{change.rule_id}`)"
        )
        lines.append("")
        for label, rule in (("之前", change.before), ("之后", change.after)):
            if rule is None:
                continue
            lines.append(f"- **{label}**：{md_escape(side_text(rule, kind))}")
            lines.extend(f"  - 原文 {md_escape(q)}" for q in _quotes(rule))
            lines.extend(f"  - {md_escape(x)}" for x in _extras(rule))
        lines.append("")
    if diff.extra:
        lines.append("#### 文件信息")
        lines.append("")
        lines.extend(f"- {md_escape(item)}" for item in diff.extra)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def report(diff: PolicyDiff, catalog: Mapping[str, Any], fmt: str, heading: str | None = None) -> str:
    return md_report(diff, catalog, heading) if fmt == "md" else text_report(diff, catalog, heading)
