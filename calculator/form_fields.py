"""Which of the calculator form's optional fields a notice provides, and one line for each it does not.

`form_fields(policy)` is computed at build time for the page (sitegen puts it in the page's calculator data)
and again by the browser's worker, which holds back what a hidden field still holds (`held_back`; the worker
takes the person's fields and each row apart, `held_back_person` and `held_back_record`): a value
typed under another notice is kept in the form and in this browser, but not counted under a notice that does
not use it, and the page says so. The page only draws what this says. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .engine.rules import PolicyRules, Rule
from .person import CASE_FIELDS, CASE_NAMES, EMPLOYERS

MONTHS = tuple(f"circumstances.{name}" for name in CASE_FIELDS.values())
LABELS = {
    "circumstances.abroad_months": "境外工作月数",
    "circumstances.sick_leave_months": "病假月数",
    "circumstances.maternity_months": "生育（产假）月数",
    "circumstances.approved_leave_months": "经批准的其他情况月数",
    "circumstances.full_year_service": "援派或基层服务满一年",
    "cadre_academy_hours": "干部网络学院学时",
    "required_course": "必修课",
    "days": "天数",
}


def _absent(policy: PolicyRules, rule: Rule, what: str, field: str = "") -> str:
    """One line for a field the notice does not provide; where it defers elsewhere, whom to ask instead."""
    text = policy.absent(rule, what)
    if rule.state == "by_reference":
        return f"{text}。"
    return f"{text}，无需填写{field}。" if field else f"{text}。"


def _absent_lines(policy: PolicyRules, absent: list[tuple[Rule, str]]) -> list[str]:
    """The circumstances a notice does not provide, in as few lines as say it: those it is silent on in one,
    those deferred to a document not archived in one per document (whom to ask said once)."""
    silent = [what for rule, what in absent if rule.state != "by_reference"]
    lines = [f"本通知未规定{'、'.join(silent)}，无需填写。"] if silent else []
    deferred: dict[str | None, list[tuple[Rule, str]]] = {}
    for rule, what in absent:
        if rule.state == "by_reference":
            deferred.setdefault(rule.reference, []).append((rule, what))
    for items in deferred.values():
        lines.append(_absent(policy, items[0][0], "、".join(what for _, what in items)))
    return lines


def _cited(rule: Rule, text: str) -> dict[str, Any]:
    return {"text": text, "source": rule.source}


def _evidence(policy: PolicyRules, rule_id: str, what: str) -> dict[str, Any] | None:
    rule = policy.rule(rule_id)
    return _cited(rule, f"{what}：{rule.value}") if rule.stated and isinstance(rule.value, str) else None


def form_fields(policy: PolicyRules) -> dict[str, Any]:
    """{"shown": {field: true|false}, "when": {record field: {other field: value}}, "notes": [{group, text}],
    "hints": {field: text}, "evidence": {field: {text, source}}}. Fields: circumstances.*, cadre_academy_hours,
    and the record fields required_course and days (shown on a record only `when` it has those values)."""
    shown: dict[str, bool] = {}
    notes: list[dict[str, str]] = []
    hints: dict[str, str] = {}
    evidence: dict[str, dict[str, Any]] = {}
    absent: list[tuple[Rule, str]] = []  # the circumstances the notice does not provide, said together

    proration = policy.rule("proration.cases")
    cases = policy.cases or {}
    for case, name in CASE_FIELDS.items():
        shown[f"circumstances.{name}"] = case in cases
    if policy.cases is None:
        absent.append((proration, "按实际在岗时间折算应完成学时"))
    else:
        missing = [CASE_NAMES[c] for c in CASE_FIELDS if c not in cases]
        if missing:
            notes.append({"group": "circumstances", "text": f"本通知的折算情形不包括{'、'.join(missing)}。"})
        for case, spec in cases.items():
            name = f"circumstances.{CASE_FIELDS[case]}"
            threshold = spec.threshold
            hints[name] = "0–12；不填即为 0" + (
                f"；超过 {threshold / 100:g} 个月才折算" if threshold is not None else ""
            )

    full_year = policy.rule("full_year_service.credit")
    shown["circumstances.full_year_service"] = policy.full_year_credit is not None
    if policy.full_year_credit is None:
        absent.append((full_year, "援派或基层服务满一年的学时认定"))
    else:
        found = _evidence(policy, "evidence.full_year_service", "申报需要")
        if found:
            evidence["circumstances.full_year_service"] = found

    cadre = policy.rule("cadre_academy_offset.eligible_employers")
    shown["cadre_academy_hours"] = policy.cadre_employers is not None
    if policy.cadre_employers is None:
        absent.append((cadre, "河南干部网络学院学时抵扣公需课学时"))
    else:
        who = "、".join(EMPLOYERS[e] for e in sorted(policy.cadre_employers) if e in EMPLOYERS)
        hints["cadre_academy_hours"] = f"仅{who}工作人员可申请抵扣公需科目学时"
        found = _evidence(policy, "evidence.cadre_academy_offset", "申请抵扣需要")
        if found:
            evidence["cadre_academy_hours"] = found

    notes[:0] = [{"group": "circumstances", "text": line} for line in _absent_lines(policy, absent)]

    shown["required_course"] = policy.requirements["public_required_course"] is not None
    if not shown["required_course"]:
        notes.append({"group": "records", "text": "本通知未单列必修课学时下限，记录无需标注必修课。"})
    shown["days"] = policy.per_day is not None or policy.per_half_day is not None
    if not shown["days"]:
        per_day = policy.rule("daily_caps.per_day")
        notes.append({"group": "records", "text": _absent(policy, per_day, "面授培训每天的学时上限", "天数")})
    return {
        "shown": shown,
        "when": {"required_course": {"category": "public"}, "days": {"mode": "face_to_face"}},
        "notes": notes,
        "hints": hints,
        "evidence": evidence,
    }


def _typed(value: object) -> bool:
    return value is True or (value is not False and value is not None and str(value).strip() != "")


def held_back(form: Mapping[str, Any], fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The form as the notice uses it (hidden fields emptied) and one line per value held back: kept in the form,
    not counted. `fields`: form_fields(policy)."""
    out, held = held_back_person(form, fields)
    records = form.get("records")
    if isinstance(records, list):
        kept_records: list[Any] = []
        for row, record in enumerate(records):
            kept, row_held = held_back_record(row, record, fields)
            kept_records.append(kept)
            held.extend(row_held)
        out["records"] = kept_records
    return out, held


def held_back_person(form: Mapping[str, Any], fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """held_back for the person's own fields (the circumstances, the cadre-academy hours); records as they are."""
    shown = fields["shown"]
    out = dict(form)
    held: list[dict[str, str]] = []
    circumstances = form.get("circumstances")
    if isinstance(circumstances, Mapping):
        kept = dict(circumstances)
        for name, value in circumstances.items():
            field = f"circumstances.{name}"
            if shown.get(field, True) or not _typed(value):
                continue
            kept[name] = False if value is True else ""
            held.append({"field": field, "message": _held_text(field, value)})
        out["circumstances"] = kept
    if not shown.get("cadre_academy_hours", True) and _typed(form.get("cadre_academy_hours")):
        out["cadre_academy_hours"] = ""
        held.append(
            {"field": "cadre_academy_hours", "message": _held_text("cadre_academy_hours", form["cadre_academy_hours"])}
        )
    return out, held


def held_back_record(row: int, record: Any, fields: Mapping[str, Any]) -> tuple[Any, list[dict[str, str]]]:
    """One form row as the notice uses it, and a line per value held back (held_back, a row at a time)."""
    if not isinstance(record, Mapping):
        return record, []
    shown, when = fields["shown"], fields["when"]
    held: list[dict[str, str]] = []
    emptied: dict[str, Any] | None = None  # a copy, made only when a value is held back
    for name, condition in when.items():
        value = record.get(name)
        if not _typed(value):  # the common case first: nothing typed there
            continue
        if shown.get(name, True) and all(record.get(k) == v for k, v in condition.items()):
            continue
        why = "本通知不用此项" if not shown.get(name, True) else RECORD_REASONS[name]
        held.append({"field": f"records[{row}].{name}", "message": _held_text(name, value, why)})
        emptied = dict(record) if emptied is None else emptied
        emptied[name] = False if value is True else ""
    return (record if emptied is None else emptied), held


RECORD_REASONS = {"required_course": "必修课只属于公需科目", "days": "天数只用于面授培训"}


def _held_text(field: str, value: object, why: str = "本通知不用此项") -> str:
    typed = "已勾选" if value is True else f"填了“{str(value).strip()}”"
    return f"{LABELS.get(field, field)}{typed}：{why}，未计入核对（填写的内容仍保存在本机浏览器）"
