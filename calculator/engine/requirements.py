"""Required hours: the notice's floors, prorated for long absence where the notice allows it.

A proration case applies only when its months exceed the case's threshold (strictly; no threshold: any
months); once one applies, the time in post is the actual one: the months of every listed case count.
Counted months are summed and capped at 12; each floor is multiplied by (12 - months) / 12 and
rounded up to a whole half hour; the total is then at least the sum of the public and professional
floors. Where the notice has no proration rule, absences give a warning only.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..person import CASE_NAMES
from ..units import SCALE, prorate_up_to_half, show
from .outcome import KEYS, Amounts, Warning
from .rules import PolicyRules, Rule

YEAR = 12 * SCALE  # hundredths of a month


@dataclass(frozen=True)
class Requirements:
    base: Amounts  # the notice's floors
    required: Amounts  # after proration
    counted: list[tuple[str, int]] = field(default_factory=list)  # (case, months) that reduce the floors
    not_counted: list[tuple[str, int, int | None]] = field(default_factory=list)  # (case, months, threshold)
    absent: int = 0  # counted months after the 12-month cap (hundredths)
    capped: bool = False
    warnings: list[Warning] = field(default_factory=list)


def no_proration(rule: Rule, listed: str) -> str:
    """What the result does with absences it cannot prorate: a silent notice keeps the full year; one
    that may be ruled by a document not archived shows the full year only until someone asks."""
    if rule.state == "by_reference":
        return f"{listed}：本工具无法据此折算，下面暂按全年要求列出，核实后以有关文件为准"
    return f"{listed}不折算，按全年要求核对"


def requirements(policy: PolicyRules, months: Mapping[str, int]) -> Requirements:
    base = dict(policy.requirements)
    warnings = [
        Warning("requirement_unknown", f"本通知未规定“{policy.rule(f'requirements.{key}').title}”，此项不核对")
        for key in ("total", "public", "professional")
        if base[key] is None
    ]
    given = {case: m for case, m in months.items() if m > 0}
    if not given:
        return Requirements(base, dict(base), warnings=warnings)

    if policy.cases is None:
        rule = policy.rule("proration.cases")
        listed = "、".join(f"{CASE_NAMES[c]} {show(m)} 个月" for c, m in given.items())
        why = policy.absent(rule, "按实际在岗时间折算应完成学时")
        warnings.append(Warning("no_proration_rule", f"{why}；{no_proration(rule, listed)}"))
        return Requirements(base, dict(base), warnings=warnings)

    counted: list[tuple[str, int]] = []
    not_counted: list[tuple[str, int, int | None]] = []
    # "有下列情况之一的，可按实际在岗时间折算": a case past its threshold opens proration, and the time in
    # post is then the actual one, so every listed kind of absence counts, past its threshold or not.
    applies = any(
        spec is not None and (spec.threshold is None or m > spec.threshold)
        for spec, m in ((policy.cases.get(case), m) for case, m in given.items())
    )
    for case, m in given.items():
        spec = policy.cases.get(case)
        if spec is None:
            warnings.append(
                Warning("case_not_in_policy", f"本通知的折算情形不包括“{CASE_NAMES[case]}”；{show(m)} 个月不折算")
            )
        elif not applies and spec.threshold is not None and m <= spec.threshold:
            not_counted.append((case, m, spec.threshold))
            warnings.append(
                Warning(
                    "below_threshold",
                    f"{CASE_NAMES[case]} {show(m)} 个月，未超过 {show(spec.threshold)} 个月，不折算",
                )
            )
        else:
            counted.append((case, m))
    total = sum(m for _, m in counted)
    absent = min(total, YEAR)
    capped = total > YEAR
    if capped:
        warnings.append(Warning("months_capped", f"各情况合计 {show(total)} 个月，超过 12 个月，按 12 个月折算"))
    required: Amounts = {
        key: None if base[key] is None else prorate_up_to_half(base[key] or 0, YEAR - absent, YEAR) for key in KEYS
    }
    # Each floor rounds up on its own; the total never falls below its parts (90 × 5.04/12 = 37.8 → 38, but
    # 30 → 12.6 → 13 and 60 → 25.2 → 25.5 make 38.5), so the parts never contradict the whole.
    whole, public, professional = required["total"], required["public"], required["professional"]
    if whole is not None and public is not None and professional is not None and public + professional > whole:
        required["total"] = public + professional
    return Requirements(base, required, counted, not_counted, absent, capped, warnings)
