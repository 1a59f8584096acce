"""The deadline: the earliest date the notice states among completion, declaration and audit.

Standard library only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .outcome import Warning
from .rules import PolicyRules


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None
    rule: str | None
    days_left: int | None
    warnings: list[Warning] = field(default_factory=list)


def deadline(policy: PolicyRules, as_of: dt.date) -> Deadline:
    if not policy.deadlines:
        return Deadline(None, None, None, [Warning("no_deadline", "本通知未写完成、申报或审核的截止日期")])
    date, rule_id = policy.deadlines[0]
    days_left = (date - as_of).days
    warnings = []
    if days_left < 0:
        title = policy.rule(rule_id).title
        warnings.append(Warning("deadline_passed", f"{title} {date.isoformat()} 已过 {-days_left} 天"))
    return Deadline(date, rule_id, days_left, warnings)
