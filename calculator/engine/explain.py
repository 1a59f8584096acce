"""The explanation: one step per rule the calculation used, each quoting the rule's source passage
and giving the interpretation the policy file records where one was needed.

Standard library only.
"""

from __future__ import annotations

from ..person import CASE_NAMES, EMPLOYERS
from ..units import SCALE, prorate_up_to_half, show
from .evaluate import Evaluation
from .outcome import Step
from .requirements import no_proration
from .rules import Rule

LABELS = {"total": "总学时", "public": "公需科目", "public_required_course": "必修课", "professional": "专业科目"}


def _step(rule: Rule, text: str, interpretation: str | None = None, use_rule_interpretation: bool = True) -> Step:
    parts = [p for p in (rule.interpretation if use_rule_interpretation else None, interpretation) if p]
    return Step(rule.id, text, rule.source, "；".join(parts) or None)


def _months_factor(absent: int) -> str:
    present = 12 * SCALE - absent
    if present % SCALE == 0:
        return f"{present // SCALE}/12"
    return f"{show(present)}/12"


def proration_steps(ev: Evaluation) -> list[Step]:
    policy, req = ev.policy, ev.requirements
    given = {case: m for case, m in ev.person.months.items() if m > 0}
    rule = policy.rule("proration.cases")
    if not given:
        return []
    if policy.cases is None:
        listed = "、".join(f"{CASE_NAMES[c]} {show(m)} 个月" for c, m in given.items())
        return [_step(rule, f"{policy.absent(rule, '按实际在岗时间折算应完成学时')}；{no_proration(rule, listed)}。")]
    steps = []
    for case, months in given.items():
        spec = policy.cases.get(case)
        if spec is None:
            steps.append(
                Step(
                    rule.id,
                    f"本通知的折算情形不包括“{CASE_NAMES[case]}”，{show(months)} 个月不折算。",
                    rule.source,
                    None,
                )
            )
            continue
        if spec.threshold is None:
            text = f"{CASE_NAMES[case]} {show(months)} 个月：通知未设月数门槛，计入不在岗月数。"
        elif months > spec.threshold:
            text = f"{CASE_NAMES[case]} {show(months)} 个月，超过 {show(spec.threshold)} 个月，计入不在岗月数。"
        elif req.counted:
            text = (
                f"{CASE_NAMES[case]} {show(months)} 个月，未超过 {show(spec.threshold)} 个月；但已有符合条件的情况，"
                "按实际在岗时间折算，这些月份也不在岗，计入不在岗月数。"
            )
        else:
            text = f"{CASE_NAMES[case]} {show(months)} 个月，未超过 {show(spec.threshold)} 个月，不折算。"
        steps.append(Step(rule.id, text, spec.source, spec.interpretation))
    if req.counted:
        total = sum(m for _, m in req.counted)
        cap = f"（合计 {show(total)} 个月，以 12 个月为限）" if req.capped else ""
        factor = _months_factor(req.absent)
        changes = "，".join(
            f"{LABELS[key]} {show(req.base[key])} → {show(req.required[key])}"
            for key in ("total", "public", "public_required_course", "professional")
            if req.base[key] is not None
        )
        base_total = req.base["total"]
        present = 12 * SCALE - req.absent
        raised = ""
        if base_total is not None and prorate_up_to_half(base_total, present, 12 * SCALE) != req.required["total"]:
            raised = "（总学时折算取整后少于公需与专业之和，取两类之和，使各类要求与总学时不矛盾）"
        steps.append(
            _step(
                rule,
                f"不在岗 {show(req.absent)} 个月{cap}，在岗 {show(12 * SCALE - req.absent)} 个月；"
                f"应完成学时 × {factor}，各自向上取到 0.5 学时：{changes}{raised}。",
            )
        )
    return steps


def year_step(ev: Evaluation) -> list[Step]:
    if not ev.person.records:
        return []
    policy, cred = ev.policy, ev.credits
    counted = f"{policy.year} 年度内的记录 {cred.counted} 条计入"
    outside = f"，{len(cred.outside_year)} 条不在本年度，不计入" if cred.outside_year else ""
    if cred.late:
        outside += f"，{len(cred.late)} 条逾期，不计入"
    if cred.planned:
        outside += (
            f"，{len(cred.planned)} 条日期在核对日 {ev.as_of.isoformat()} 之后、尚未发生，列为计划，不计入已完成学时"
        )
    carry = policy.rule("carry_over.allowed")
    if carry.stated and carry.value is False:
        return [_step(carry, f"学时不得结转或顺延至下一年度，只计当年学时：{counted}{outside}。"), *make_up_step(ev)]
    basis = policy.rule("requirements.period")
    if not basis.stated:
        basis = policy.rule("requirements.total")
    return [
        Step(
            carry.id,
            f"{policy.absent(carry, '学时可否结转')}；按通知“每年”的要求只计当年学时：{counted}{outside}。",
            basis.source,
            carry.interpretation or basis.interpretation,
        ),
        *make_up_step(ev),
    ]


def make_up_step(ev: Evaluation) -> list[Step]:
    """Zhengzhou: hours made up in the next year do not count for this year's appraisal."""
    rule = ev.policy.rule("make_up.counts_for_annual_appraisal")
    later = [ref for ref, (_, year), _ in ev.person.records if year > ev.policy.year]
    if not later or not rule.stated or rule.value is not False:
        return []
    return [
        _step(
            rule,
            f"次年补学完成的学时不计算为当年年度考核的完成情况：{len(later)} 条 {ev.policy.year + 1} 年及以后的记录"
            f"不计入 {ev.policy.year} 年度。",
        )
    ]


def late_steps(ev: Evaluation) -> list[Step]:
    """One step per cutoff that made records late, quoting its passage and reading."""
    steps: list[Step] = []
    seen: list[object] = []
    for _, _, cutoff in ev.credits.late:
        if cutoff in seen:
            continue
        seen.append(cutoff)
        dates = [date for _, date, c in ev.credits.late if c == cutoff]
        text = (
            f"{cutoff.last_day} 是这类记录计入 {ev.policy.year} 年度的最后一天（含当日）："
            f"{len(dates)} 条记录（{'、'.join(dates)}）晚于它，不计入。"
        )
        steps.append(Step("deadlines.record_cutoffs", text, cutoff.source, cutoff.interpretation))
    # Records after a cutoff that does not apply to them (Zhengzhou's online public hours after 12-10): say why
    # they still count, with the rule's own reading.
    policy = ev.policy
    if policy.cutoffs:
        first = policy.cutoffs[0].last_day
        late_refs = {ref for ref, _, _ in ev.credits.late}
        spared = [
            date
            for ref, (date, year), body in ev.person.records
            if year == policy.year and date > first and ref not in late_refs and policy.cutoff(body[3], body[0]) is None
        ]
        if spared:
            rule = policy.rule("deadlines.record_cutoffs")
            steps.append(
                _step(
                    rule,
                    f"{len(spared)} 条记录（{'、'.join(spared)}）晚于 {first}，但这一日期不适用于它们的学习方式和科目，"
                    f"按 {policy.year} 年度计入。",
                )
            )
    return steps


def cap_steps(ev: Evaluation) -> list[Step]:
    cred, policy = ev.credits, ev.policy
    if not cred.face_to_face:
        return []
    per_day, per_half = policy.rule("daily_caps.per_day"), policy.rule("daily_caps.per_half_day")
    if policy.per_day is None and policy.per_half_day is None:
        text = f"{policy.absent(per_day, '面授培训每天的学时上限')}，{cred.face_to_face} 条面授记录按填写计入。"
        return [Step(per_day.id, text, None, None)]
    cut = sum(entered - cap for _, entered, cap in cred.capped)
    result = f"中 {len(cred.capped)} 条超出上限，共不计 {show(cut)} 学时" if cred.capped else "都未超出上限"
    steps = []
    if policy.per_day is not None:
        steps.append(
            _step(
                per_day,
                f"面授培训每天不超过 {show(policy.per_day)} 学时（按整天数计）："
                f"{cred.face_to_face} 条面授记录{result}。",
            )
        )
    if policy.per_half_day is not None:
        steps.append(
            _step(
                per_half,
                f"半天不超过 {show(policy.per_half_day)} 学时：天数的小数部分不少于 0.5 时按半天计，小于 0.5 时不计。",
            )
        )
    return steps


def activity_step(ev: Evaluation) -> list[Step]:
    steps = []
    if ev.credits.activities_as_public:
        convertible = ev.policy.rule("activities.convertible")
        steps.append(
            _step(
                convertible,
                f"本通知规定这些活动可申报抵扣当年专业科目学时：{ev.credits.activities_as_public} 条"
                "记为公需科目的活动记录不是公需科目学时，未计入；请把类别改为专业科目。",
            )
        )
    if not ev.credits.activities:
        return steps
    rule = ev.policy.rule("activities.conversion_table")
    how = "按填写的审核认定学时计入"
    if rule.stated:
        text = f"活动折算学时的标准：{rule.value}；{ev.credits.activities} 条活动记录{how}。"
    else:
        text = f"{ev.policy.absent(rule, '活动折算学时的标准')}；{ev.credits.activities} 条活动记录{how}。"
    return [*steps, _step(rule, text)]


def full_year_step(ev: Evaluation) -> list[Step]:
    if not ev.person.full_year_service:
        return []
    rule = ev.policy.rule("full_year_service.credit")
    credit = ev.credits.full_year
    if credit is None:
        return [
            Step(
                rule.id, f"{ev.policy.absent(rule, '援派或基层服务满一年的学时认定')}，不计入学时。", rule.source, None
            )
        ]
    return [
        _step(
            rule,
            f"援藏、援疆、援外或基层服务满一年：计入公需科目 {show(credit[0])} 学时、"
            f"专业科目 {show(credit[1])} 学时（计入学时，不降低要求）。",
        ),
        *evidence_step(ev, "evidence.full_year_service", "申报满一年认定需要"),
    ]


def evidence_step(ev: Evaluation, rule_id: str, what: str) -> list[Step]:
    """What the notice asks the person to show for a credit, where it says so."""
    rule = ev.policy.rule(rule_id)
    if not rule.stated:
        return []
    return [_step(rule, f"{what}：{rule.value}")]


def cadre_step(ev: Evaluation) -> list[Step]:
    cred = ev.credits
    if not cred.cadre_given:
        return []
    policy = ev.policy
    rule = policy.rule("cadre_academy_offset.eligible_employers")
    if policy.cadre_employers is None:
        return [
            Step(
                rule.id,
                f"{policy.absent(rule, '河南干部网络学院学时可抵扣公需课学时')}，{show(cred.cadre_given)} 学时不计入。",
                rule.source,
                None,
            )
        ]
    eligible = "、".join(EMPLOYERS[e] for e in sorted(policy.cadre_employers) if e in EMPLOYERS)
    employer = ev.person.employer
    if employer is None or employer not in policy.cadre_employers:
        who = "未填写单位类型" if employer is None else f"单位类型为{EMPLOYERS.get(employer, employer)}"
        return [
            _step(
                rule,
                f"只有{eligible}人员可抵扣；{who}，干部网络学院 {show(cred.cadre_given)} 学时不计入。",
                use_rule_interpretation=False,
            )
        ]
    return [
        _step(
            rule,
            f"{eligible}人员可用干部网络学院学时抵扣公需课学时：填写 {show(cred.cadre_given)} 学时，"
            f"抵扣 {show(cred.cadre_applied)} 学时计入公需科目（不计入专业科目和必修课）。",
        ),
        *evidence_step(ev, "evidence.cadre_academy_offset", "申请抵扣需要"),
    ]


def _floor_text(ev: Evaluation, key: str) -> str:
    base, required = ev.requirements.base[key], ev.required[key]
    if base == required:
        return f"不少于 {show(base)} 学时"
    return f"不少于 {show(base)} 学时，折算后 {show(required)} 学时"


def requirement_steps(ev: Evaluation) -> list[Step]:
    policy, cred, left = ev.policy, ev.credits, ev.remaining
    steps = []
    if ev.required["public_required_course"] is not None:
        rule = policy.rule("requirements.public_required_course")
        steps.append(
            _step(
                rule,
                f"公需科目中必修课{_floor_text(ev, 'public_required_course')}；"
                f"已计入标为必修课的公需学时 {show(cred.records_required_course)}；"
                f"尚差 {show(left['public_required_course'])} 学时。",
            )
        )
    for key in ("public", "professional"):
        rule = policy.rule(f"requirements.{key}")
        if ev.required[key] is None:
            steps.append(Step(rule.id, f"{policy.absent(rule, LABELS[key] + '学时下限')}，此项不核对。", None, None))
            continue
        records = cred.records_public if key == "public" else cred.records_professional
        parts = [f"记录 {show(records)}"]
        if cred.full_year:
            parts.append(f"满一年认定 {show(cred.full_year[0] if key == 'public' else cred.full_year[1])}")
        if key == "public" and cred.cadre_applied:
            parts.append(f"干部网络学院抵扣 {show(cred.cadre_applied)}")
        how = f"（{' + '.join(parts)}）" if len(parts) > 1 else ""
        how_short = "下限减已计入，不少于 0"
        if key == "public" and left["public_required_course"] is not None:
            how_short = f"下限之差与必修课尚差 {show(left['public_required_course'])} 中较大者"
        steps.append(
            _step(
                rule,
                f"{LABELS[key]}{_floor_text(ev, key)}；已计入 {show(ev.credited[key])} 学时{how}；"
                f"尚差 {show(left[key])} 学时（{how_short}）。",
            )
        )
    rule = policy.rule("requirements.total")
    if ev.required["total"] is None:
        text = f"{policy.absent(rule, '年度总学时')}；总计尚差为两类尚差之和 {show(left['total'])} 学时。"
        steps.append(Step(rule.id, text, None, None))
    else:
        steps.append(
            _step(
                rule,
                f"年度总学时{_floor_text(ev, 'total')}；已计入 {show(ev.credited['total'])} 学时"
                f"（公需 {show(ev.credited['public'])} + 专业 {show(ev.credited['professional'])}）；"
                f"尚差 {show(left['total'])} 学时（取两类尚差之和与总学时之差中较大者；"
                "一类多出的学时不能补另一类的下限）。",
            )
        )
    return steps


def deadline_step(ev: Evaluation) -> list[Step]:
    due, policy = ev.deadline, ev.policy
    if due.date is None or due.rule is None or due.days_left is None:
        return [Step("deadlines.completion", "本通知未写完成、申报或审核的截止日期。", None, None)]
    rule = policy.rule(due.rule)
    others = [f"{policy.rule(r).title} {d.isoformat()}" for d, r in policy.deadlines[1:]]
    also = f"（另有{'、'.join(others)}，以最早者为准）" if others else ""
    when = f"还有 {due.days_left} 天" if due.days_left >= 0 else f"已过 {-due.days_left} 天"
    return [_step(rule, f"{rule.title}：{due.date.isoformat()}{also}；截至 {ev.as_of.isoformat()} {when}。")]


def explain(ev: Evaluation) -> list[Step]:
    return [
        *proration_steps(ev),
        *year_step(ev),
        *late_steps(ev),
        *cap_steps(ev),
        *activity_step(ev),
        *full_year_step(ev),
        *cadre_step(ev),
        *requirement_steps(ev),
        *deadline_step(ev),
    ]
