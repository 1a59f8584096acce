"""After the deadline: what the notice says about making up hours (补学), each point with its passage, or that
it says nothing (and, where it implements a higher notice not archived, that this one may say more).

A pure function of the policy's rules and a result's deadline; the browser and the text report show it.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .engine.rules import PolicyRules, Rule

RULES = (
    "make_up.past_years_end",
    "make_up.application_windows",
    "make_up.study_period",
    "make_up.completion_deadline",
    "make_up.who_applies",
    "make_up.counts_for_annual_appraisal",
)
ASK = "请向单位人事部门或当地人社部门咨询"


def _day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _passed(last: str, as_of: dt.date) -> str:
    return "（已过）" if dt.date.fromisoformat(last) < as_of else ""


def _text(rule: Rule, policy: PolicyRules, as_of: dt.date) -> str | None:
    value = rule.value
    if rule.id == "make_up.past_years_end" and isinstance(value, int):
        return (
            f"非因特殊原因，原则上自 {value} 年起不再开展往年补学：{policy.year} 年度的学时过了截止日期，一般不能再补"
        )
    if rule.id == "make_up.application_windows" and isinstance(value, list) and value:
        spans = "、".join(
            f"{item.get('note') or ''} {_day(item['from'])}至{_day(item['to'])}".strip()
            for item in value
            if isinstance(item, dict)
        )
        last = max(str(item["to"]) for item in value if isinstance(item, dict))
        return f"通知为 {policy.year} 年安排的补学补审申请办理时间：{spans}，超出后不再办理{_passed(last, as_of)}"
    if rule.id == "make_up.study_period" and isinstance(value, dict):
        return f"经批准后的补学期间：{_day(value['from'])}至{_day(value['to'])}{_passed(str(value['to']), as_of)}"
    if rule.id == "make_up.completion_deadline" and isinstance(value, str):
        return f"补学补审合格后的学时登记于 {_day(value)}前完成{_passed(value, as_of)}"
    if rule.id == "make_up.who_applies" and isinstance(value, str):
        return f"由谁申请：{value}"
    if rule.id == "make_up.counts_for_annual_appraisal" and value is False:
        return f"次年补学完成的学时，不计算为 {policy.year} 年度考核的继续教育完成情况"
    return None


def after_deadline(policy: PolicyRules, result: dict[str, Any]) -> dict[str, Any] | None:
    """None unless the deadline has passed with hours still short; else {"heading", "items": [{rule, text,
    source, interpretation}], "silent", "advice"}: silent when the notice says nothing about making up."""
    days_left = result.get("days_left")
    if result.get("compliant") or days_left is None or days_left >= 0:
        return None
    as_of = dt.date.fromisoformat(str(result.get("as_of") or dt.date.today().isoformat()))
    heading = f"截止日期已过 {-days_left} 天：能否补学"
    items = []
    for rule_id in RULES:
        rule = policy.rule(rule_id)
        text = _text(rule, policy, as_of) if rule.stated else None
        if text is not None:
            items.append({"rule": rule_id, "text": text, "source": rule.source, "interpretation": rule.interpretation})
    if items:
        advice = f"确有特殊原因的，{ASK}。"
        if not policy.rule("make_up.past_years_end").stated:
            advice = f"以上是通知写的补学安排，没有写截止日期过后的现在还能否补学；{ASK}。"
        return {"heading": heading, "items": items, "silent": False, "advice": advice}
    deferred = next((policy.rule(r) for r in RULES if policy.rule(r).state == "by_reference"), None)
    if deferred is not None:
        text = policy.absent(deferred, "截止日期之后能否补学")
    else:
        text = "本通知没有写截止日期之后能否补学、如何补学"
        if policy.implements_unarchived is not None:
            text += f"；它贯彻落实的上级通知（{policy.implements_unarchived[1]}）不在本项目存档中，可能另有规定"
    item = {"rule": RULES[0], "text": f"{text}。{ASK}。", "source": None, "interpretation": None}
    return {"heading": heading, "items": [item], "silent": True, "advice": None}
