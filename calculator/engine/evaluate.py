"""One person against one policy: required, credited, remaining, compliant, deadline, warnings.

remaining.public = max(0, required.public - credited.public, required.必修 - credited.必修);
professional likewise; remaining.total = max(remaining.public + remaining.professional,
required.total - credited.total): surplus in one category never fills another's floor.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..person import Body, Person
from .credits import Credits, RecordRules, credits
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
    # If the planned records (dated after as_of) are completed as dated: what would be credited and remain.
    # The same objects as credits/remaining when nothing is planned.
    if_completed: Credits
    remaining_if_completed: Amounts

    @property
    def required(self) -> Amounts:
        return self.requirements.required

    @property
    def credited(self) -> Amounts:
        return self.credits.credited

    @property
    def warnings(self) -> list[Warning]:
        return [*self.requirements.warnings, *self.credits.warnings, *self.deadline.warnings]


AmountValues = tuple[int, int | None, int | None, int | None]  # in KEYS order: total, public, 必修, professional


def remaining_values(required: tuple[int | None, ...], credited: tuple[int | None, ...]) -> AmountValues:
    """remaining() on amounts given as values in KEYS order (total, public, public_required_course,
    professional): what the batch check uses for each of its people, so written out without calls."""
    required_total, required_public, required_course_floor, required_professional = required
    credited_total, credited_public, credited_course, credited_professional = credited
    # each shortfall: None where the notice requires nothing, else max(0, required - credited)
    required_course = None
    if required_course_floor is not None:
        required_course = required_course_floor - (credited_course or 0)
        required_course = required_course if required_course > 0 else 0
    public = None
    if required_public is not None:
        public = required_public - (credited_public or 0)
        public = public if public > 0 else 0
    if required_course is not None:
        public = max(public or 0, required_course)
    professional = None
    if required_professional is not None:
        professional = required_professional - (credited_professional or 0)
        professional = professional if professional > 0 else 0
    total = (public or 0) + (professional or 0)
    if required_total is not None:
        total = max(total, required_total - (credited_total or 0))
    return total, public, required_course, professional


def remaining(required: Amounts, credited: Amounts) -> Amounts:
    total, public, required_course, professional = remaining_values(
        (required["total"], required["public"], required["public_required_course"], required["professional"]),
        (credited["total"], credited["public"], credited["public_required_course"], credited["professional"]),
    )
    return {
        "total": total,
        "public": public,
        "public_required_course": required_course,
        "professional": professional,
    }


def is_compliant(left: Amounts) -> bool:
    return all(value == 0 for value in left.values() if value is not None)


def evaluate(
    policy: PolicyRules,
    person: Person,
    as_of: dt.date,
    req: Requirements | None = None,
    due: Deadline | None = None,
    known: dict[Body, RecordRules] | None = None,
) -> Evaluation:
    """`req` and `due`, when given, are what requirements() and deadline() return for this person; `known`:
    the records' rules worked out already under this policy (credits())."""
    req = req or requirements(policy, person.months)
    known = {} if known is None else known
    cred = credits(policy, person, req.required["public"], as_of.isoformat(), known)
    left = remaining(req.required, cred.credited)
    done, done_left = cred, left
    if cred.planned:
        done = credits(policy, person, req.required["public"], None, known)
        done_left = remaining(req.required, done.credited)
    return Evaluation(
        policy, person, as_of, req, cred, left, is_compliant(left), due or deadline(policy, as_of), done, done_left
    )
