"""One person against one policy: required, credited, remaining, compliant, deadline, warnings.

remaining.public = max(0, required.public - credited.public, required.必修 - credited.必修);
professional likewise; remaining.total = max(remaining.public + remaining.professional,
required.total - credited.total): surplus in one category never fills another's floor.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..person import Person
from .credits import Credits, credits
from .deadline import Deadline, deadline
from .outcome import Amounts, Warning
from .requirements import Requirements, requirements
from .rules import PolicyRules


@dataclass(slots=True)
class Evaluation:
    policy: PolicyRules
    person: Person
    as_of: dt.date
    requirements: Requirements
    credits: Credits
    remaining: Amounts
    compliant: bool
    deadline: Deadline

    @property
    def required(self) -> Amounts:
        return self.requirements.required

    @property
    def credited(self) -> Amounts:
        return self.credits.credited

    @property
    def warnings(self) -> list[Warning]:
        return [*self.requirements.warnings, *self.credits.warnings, *self.deadline.warnings]


def _short(required: int | None, credited: int | None) -> int | None:
    return None if required is None else max(0, required - (credited or 0))


def remaining(required: Amounts, credited: Amounts) -> Amounts:
    required_course = _short(required["public_required_course"], credited["public_required_course"])
    public = _short(required["public"], credited["public"])
    if required_course is not None:
        public = max(public or 0, required_course)
    professional = _short(required["professional"], credited["professional"])
    total = (public or 0) + (professional or 0)
    if required["total"] is not None:
        total = max(total, required["total"] - (credited["total"] or 0))
    return {
        "total": total,
        "public": public,
        "public_required_course": required_course,
        "professional": professional,
    }


def is_compliant(left: Amounts) -> bool:
    return all(value == 0 for value in left.values() if value is not None)


def evaluate(policy: PolicyRules, person: Person, as_of: dt.date,
             req: Requirements | None = None, due: Deadline | None = None) -> Evaluation:
    """`req` and `due`, when given, are what requirements() and deadline() return for this person."""
    req = req or requirements(policy, person.months)
    cred = credits(policy, person, req.required["public"])
    left = remaining(req.required, cred.credited)
    return Evaluation(policy, person, as_of, req, cred, left, is_compliant(left), due or deadline(policy, as_of))
