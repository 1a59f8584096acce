"""The batch check's evaluation: evaluate()'s result for many people, as plain integer sums.

A batch has a hundred thousand people and a million records but few distinct situations. Everything about
a person except their records (policy, circumstances, employer, cadre-academy hours; with the day of the
check) is a `Basis`, shared by everyone in the same situation: it holds the requirements, the deadline, the
full-year credit and whether the cadre-academy offset applies, each computed once by the same functions
evaluate() uses. What a record within the year credits depends only on the policy and the record's body:
`record_effect` runs once per policy and distinct body. `tally` then adds up one person's records as
integers and writes a warning only for a record that has something to warn about.

The result is evaluate()'s: the same amounts, compliance and warnings in the same order (warnings as
(code, message, record) tuples; no explanation steps, which the batch does not report).
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..person import Body, Day, RecordTuple
from .credits import (
    cadre_offset,
    cadre_refusal,
    full_year_effect,
    late_note,
    outside_year_note,
    planned_note,
    record_rules,
)
from .deadline import Deadline
from .evaluate import AmountValues, remaining_values
from .outcome import KEYS, Amounts, Warning, amounts_json
from .requirements import Requirements
from .rules import PolicyRules

WarningTuple = tuple[str, str, "int | None"]  # (code, message, record): Warning's fields
Notes = tuple[tuple[str, str], ...]  # RecordEffect.notes


def _tuples(warnings: Iterable[Warning]) -> list[WarningTuple]:
    return [(w.code, w.message, w.record) for w in warnings]


class Effects:
    """What a record does under one policy, shared by every Basis of the policy and computed on first use:
    `of` maps a body to (public, required_course, professional, notes, last_day) of a record within the year
    (record_effect()'s values, and the last day such a record counts, None for the year's end); `outside`
    maps a day outside the year to its warning's message."""

    __slots__ = ("policy", "of", "outside")

    def __init__(self, policy: PolicyRules):
        self.policy = policy
        self.of: dict[Body, tuple[int, int, int, Notes, str | None]] = {}
        self.outside: dict[Day, str] = {}

    def add(self, body: Body) -> tuple[int, int, int, Notes, str | None]:
        cutoff, effect = record_rules(self.policy, body)
        last = None if cutoff is None else cutoff.last_day
        found = self.of[body] = (effect.public, effect.required_course, effect.professional, effect.notes, last)
        return found

    def late(self, date: str, body: Body) -> str:
        cutoff = self.policy.cutoff(body[3], body[0])
        assert cutoff is not None
        return late_note(date, cutoff, self.policy)

    def add_outside(self, day: Day) -> str:
        note = self.outside[day] = outside_year_note(day[0], self.policy.year)
        return note


class Basis:
    """One situation: a policy, the person-level values and the day of the check."""

    __slots__ = (
        "policy",
        "year",
        "as_of",
        "effects",
        "requirements",
        "required",
        "has_floor",
        "deadline",
        "before",
        "after",
        "last",
        "framed",
        "full_year_public",
        "full_year_professional",
        "cadre_given",
        "public_floor",
    )

    def __init__(
        self,
        policy: PolicyRules,
        effects: Effects,
        req: Requirements,
        due: Deadline,
        employer: str | None,
        full_year_service: bool,
        cadre_given: int,
        as_of: str,
    ):
        self.policy = policy
        self.year = policy.year
        self.as_of = as_of  # ISO day of the check: later records are planned
        self.effects = effects  # shared by every basis of the policy
        self.requirements = req
        self.required = tuple(req.required[key] for key in KEYS)
        self.has_floor = policy.requirements["public_required_course"] is not None
        self.deadline = due
        self.before = _tuples(req.warnings)  # warnings ahead of the records'
        after = []  # warnings after the records': full-year credit, then the cadre-academy offset
        full_year, no_full_year = full_year_effect(policy, full_year_service)
        if no_full_year is not None:
            after.append(no_full_year)
        self.full_year_public, self.full_year_professional = full_year or (0, 0)
        self.public_floor = req.required["public"]
        self.cadre_given = 0  # cadre-academy hours that offset public hours (up to the public floor)
        if cadre_given > 0:
            refusal = cadre_refusal(policy, employer, self.public_floor)
            if refusal is not None:
                after.append(refusal)
            else:
                self.cadre_given = cadre_given
        self.after = _tuples(after)
        self.last = _tuples(due.warnings)  # the deadline's, after all others
        # anything besides the records' own credits and warnings
        self.framed = bool(self.before or self.after or self.last or self.cadre_given or full_year)

    @property
    def required_amounts(self) -> Amounts:
        return self.requirements.required


class Planned:
    """If the planned records (dated after the day of the check) are completed as dated: their refs, and
    what would then be credited and remain (evaluate()'s if_completed and remaining_if_completed)."""

    __slots__ = ("records", "credited", "remaining", "compliant")

    def __init__(self, records: list[int], credited: AmountValues, remaining: AmountValues):
        self.records = records
        self.credited = credited
        self.remaining = remaining
        self.compliant = not any(remaining)


class Outcome:
    """One person's result: the amounts in KEYS order, compliance and warnings; `planned` None when no
    record is planned (then what would remain is what remains)."""

    __slots__ = ("basis", "credited", "remaining", "compliant", "warnings", "planned")

    def __init__(
        self,
        basis: Basis,
        credited: AmountValues,
        remaining: AmountValues,
        compliant: bool,
        warnings: list[WarningTuple],
        planned: Planned | None = None,
    ):
        self.basis = basis
        self.credited = credited
        self.remaining = remaining
        self.compliant = compliant
        self.warnings = warnings
        self.planned = planned

    @property
    def if_completed(self) -> tuple[list[int], AmountValues, AmountValues, bool]:
        """(planned refs, credited, remaining, compliant) if the planned records are completed as dated."""
        planned = self.planned
        if planned is None:
            return [], self.credited, self.remaining, self.compliant
        return planned.records, planned.credited, planned.remaining, planned.compliant

    def planned_json(self) -> dict[str, Any]:
        """The single check's `planned` (result_json): records, credited, remaining, compliant."""
        records, credited, left, compliant = self.if_completed
        return {
            "records": list(records),
            "credited": amounts_json(dict(zip(KEYS, credited, strict=True))),
            "remaining": amounts_json(dict(zip(KEYS, left, strict=True))),
            "compliant": compliant,
        }

    @property
    def deadline(self) -> Deadline:
        return self.basis.deadline

    def amounts(self) -> dict[str, Amounts]:
        """required, credited and remaining as evaluate() gives them (dicts by KEYS)."""
        return {
            "required": dict(self.basis.required_amounts),
            "credited": dict(zip(KEYS, self.credited, strict=True)),
            "remaining": dict(zip(KEYS, self.remaining, strict=True)),
        }

    def warnings_json(self) -> list[dict[str, Any]]:
        return [{"code": code, "record": record, "message": message} for code, message, record in self.warnings]


def tally(basis: Basis, records: Iterable[RecordTuple], name: Callable[[int], str]) -> Outcome:
    """evaluate()'s result for a person in this situation with these records (`name` names a record)."""
    year = basis.year
    as_of = basis.as_of
    effects = basis.effects
    effect_of, outside = effects.of, effects.outside
    public = course = professional = 0
    planned: list[int] | None = None  # refs of the records dated after the day of the check
    plan_public = plan_course = plan_professional = 0  # what they would credit
    warnings: list[WarningTuple] = []  # the records' (credits() makes them in this order)
    for ref, day, body in records:
        if day[1] != year:
            note = outside.get(day) or effects.add_outside(day)
            warnings.append(("outside_year", name(ref) + note, ref))
            continue
        try:
            add_public, add_course, add_professional, notes, last = effect_of[body]
        except KeyError:
            add_public, add_course, add_professional, notes, last = effects.add(body)
        date = day[0]
        if last is not None and date > last:
            warnings.append(("late_record", name(ref) + effects.late(date, body), ref))
            continue
        if date > as_of:
            warnings.append(("planned", name(ref) + planned_note(date, as_of), ref))
            if planned is None:
                planned = []
            planned.append(ref)
            plan_public += add_public
            plan_course += add_course
            plan_professional += add_professional
            continue
        public += add_public
        course += add_course
        professional += add_professional
        if notes:
            for code, text in notes:
                warnings.append((code, name(ref) + text, ref))
    plan_public += public  # the planned records' hours with those that happened, before the cadre offset
    if basis.framed:
        public += basis.full_year_public
        plan_public += basis.full_year_public
        professional += basis.full_year_professional
        warnings = [*basis.before, *warnings, *basis.after]
        if basis.cadre_given:
            assert basis.public_floor is not None  # cadre_refusal() refuses without a floor
            applied, short = cadre_offset(basis.cadre_given, basis.public_floor, public)
            public += applied
            if short is not None:
                warnings.append((short.code, short.message, short.record))
            if planned is not None:
                plan_public += cadre_offset(basis.cadre_given, basis.public_floor, plan_public)[0]
        warnings += basis.last
    has_floor = basis.has_floor
    credited = (public + professional, public, course if has_floor else None, professional)
    left = remaining_values(basis.required, credited)
    projection = None
    if planned is not None:
        plan_professional += professional
        plan_credited = (
            plan_public + plan_professional,
            plan_public,
            course + plan_course if has_floor else None,
            plan_professional,
        )
        projection = Planned(planned, plan_credited, remaining_values(basis.required, plan_credited))
    # is_compliant(): every remaining value that is not None is 0 (they are never negative).
    return Outcome(basis, credited, left, not any(left), warnings, projection)
