"""The rule engine: a person's required, credited and remaining hours under one policy, explained.

    from calculator.engine import Engine
    engine = Engine(bundle)                      # the compiled bundle (build/policies.json), as a dict
    result = engine.check(person_json, as_of)    # the contract's output (design.md), or PersonError

Pure functions from data to data, standard library only (the same code runs in Pyodide):
units (exact hours), rules (the bundle's rules), requirements, credits, deadline, evaluate, explain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..person import Body, FieldProblem, Person, PersonError, read_person
from .credits import RecordRules, late_note
from .deadline import Deadline, deadline
from .evaluate import Evaluation, evaluate, is_compliant
from .explain import explain
from .outcome import amounts_json
from .requirements import Requirements, requirements
from .rules import Cutoff, PolicyRules, nearest_policy, policy_rules
from .tally import Basis, Effects

__all__ = ["Engine", "Evaluation", "PersonError", "check", "result_json"]


class Engine:
    """The bundle's policies, read once; evaluates any number of people."""

    def __init__(self, bundle: Mapping[str, Any]):
        self.bundle = bundle
        self._policies: dict[str, PolicyRules] = {}
        # Pure functions of (policy, months) and (policy, as_of): computed once for a batch of thousands.
        self._requirements: dict[tuple[str, tuple[tuple[str, int], ...]], Requirements] = {}
        self._deadlines: dict[tuple[str, dt.date], Deadline] = {}
        self._effects: dict[str, Effects] = {}  # policy id -> record body -> its effect (engine.tally)
        self._bases: dict[tuple[Any, ...], Basis] = {}
        self._record_rules: dict[str, dict[Body, RecordRules]] = {}  # policy id -> body -> (credits)

    def policy_ids(self) -> list[str]:
        return sorted(self.bundle.get("policies", {}))

    def policy(self, policy_id: str) -> PolicyRules:
        """The policy, or PersonError naming the policies there are and the nearest one."""
        cached = self._policies.get(policy_id)
        if cached is not None:
            return cached
        if policy_id not in self.bundle.get("policies", {}):
            raise PersonError([FieldProblem("policy", self.unknown_policy_message(policy_id))])
        rules = self._policies[policy_id] = policy_rules(self.bundle, policy_id)
        return rules

    def unknown_policy_message(self, policy_id: str) -> str:
        policies = self.bundle.get("policies", {})
        listed = "、".join(f"{pid}（{policies[pid].get('region_name', '')}）" for pid in self.policy_ids())
        near = nearest_policy(self.bundle, policy_id)
        hint = f"；最接近的是 {near}" if near else ""
        return f"没有政策 {policy_id!r}{hint}；现有政策：{listed}"

    def _requirements_of(self, policy: PolicyRules, months: Mapping[str, int]) -> Requirements:
        key = (policy.id, tuple(sorted(months.items())) if months else ())
        req = self._requirements.get(key)
        if req is None:
            req = self._requirements[key] = requirements(policy, months)
        return req

    def _deadline_of(self, policy: PolicyRules, as_of: dt.date) -> Deadline:
        due = self._deadlines.get((policy.id, as_of))
        if due is None:
            due = self._deadlines[(policy.id, as_of)] = deadline(policy, as_of)
        return due

    def evaluate(self, person: Person, as_of: dt.date | None = None) -> Evaluation:
        policy = self.policy(person.policy)
        as_of = as_of or dt.date.today()
        return evaluate(
            policy,
            person,
            as_of,
            self._requirements_of(policy, person.months),
            self._deadline_of(policy, as_of),
            self._record_rules.setdefault(policy.id, {}),
        )

    def basis(
        self,
        policy_id: str,
        employer: str | None,
        months: Mapping[str, int],
        full_year_service: bool,
        cadre_academy_hours: int,
        as_of: dt.date,
    ) -> Basis:
        """The situation shared by every person with these values (engine.tally), or PersonError for an
        unknown policy. `months` as in Person (case -> hundredths), in CASE_FIELDS order."""
        key = (policy_id, employer, tuple(months.items()), full_year_service, cadre_academy_hours, as_of)
        found = self._bases.get(key)
        if found is None:
            policy = self.policy(policy_id)
            found = self._bases[key] = Basis(
                policy,
                self._effects.setdefault(policy.id, Effects(policy)),
                self._requirements_of(policy, months),
                self._deadline_of(policy, as_of),
                employer,
                full_year_service,
                cadre_academy_hours,
                as_of.isoformat(),
            )
        return found

    def check(self, data: object, as_of: dt.date | None = None, steps: bool = True) -> dict[str, Any]:
        """Check the parsed person JSON and evaluate it: the contract's output."""
        return self.check_person(read_person(data), as_of, steps)

    def check_person(self, person: Person, as_of: dt.date | None = None, steps: bool = True) -> dict[str, Any]:
        """check() for a person read already (calculator.person), e.g. by the calculator page's worker."""
        return result_json(self.evaluate(person, as_of), steps=steps)


def check(bundle: Mapping[str, Any], data: object, as_of: dt.date | None = None) -> dict[str, Any]:
    return Engine(bundle).check(data, as_of)


def late_json(ev: Evaluation, ref: int, date: str, cutoff: Cutoff) -> dict[str, Any]:
    """A late record: which, its date, the last day it could count, why (the passage and its reading)."""
    return {
        "record": ref,
        "date": date,
        "last_day": cutoff.last_day,
        "rule": "deadlines.record_cutoffs",
        "reason": late_note(date, cutoff, ev.policy),
        "source": cutoff.source,
        "interpretation": cutoff.interpretation,
    }


def result_json(ev: Evaluation, steps: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {
        "policy": ev.policy.id,
        "compliant": ev.compliant,
        "required": amounts_json(ev.required),
        "credited": amounts_json(ev.credited),
        "remaining": amounts_json(ev.remaining),
        "deadline": ev.deadline.date.isoformat() if ev.deadline.date else None,
        "days_left": ev.deadline.days_left,
        "as_of": ev.as_of.isoformat(),
        "warnings": [w.as_json() for w in ev.warnings],
        "late": [late_json(ev, ref, date, cutoff) for ref, date, cutoff in ev.credits.late],
        "planned": {
            "records": list(ev.credits.planned),
            "credited": amounts_json(ev.if_completed.credited),
            "remaining": amounts_json(ev.remaining_if_completed),
            "compliant": is_compliant(ev.remaining_if_completed),
        },
    }
    if steps:
        result["steps"] = [s.as_json() for s in explain(ev)]
    return result
