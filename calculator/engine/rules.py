"""The rules of one policy as the engine reads them from the compiled bundle (build/policies.json).

Only `state: stated` rules give a value; `unknown` and `by_reference` give none (never a default). Each
rule keeps its first citation and its interpretation so that the explanation can quote them.
Standard library only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..units import to_units

REQUIREMENT_KEYS = ("total", "public", "public_required_course", "professional")
CASES = ("abroad", "sick_leave", "maternity", "approved_leave")
DEADLINE_RULES = ("deadlines.completion", "deadlines.declaration", "deadlines.audit")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    state: str  # stated | unknown | by_reference
    value: Any
    source: dict[str, str] | None  # the first citation {document, quote}
    interpretation: str | None
    note: str | None
    reference: str | None
    origin: str | None  # the policy that states it (a parent, when inherited)

    @property
    def stated(self) -> bool:
        return self.state == "stated"


@dataclass(frozen=True)
class ProrationCase:
    case: str
    threshold: int | None  # hundredths of a month; counted only when months > threshold
    source: dict[str, str] | None
    interpretation: str | None


@dataclass(frozen=True)
class Cutoff:
    """The last day (ISO text, included) on which a record of these modes and categories still counts."""

    last_day: str
    modes: frozenset[str]
    categories: frozenset[str]
    source: dict[str, str] | None
    interpretation: str | None


@dataclass(frozen=True)
class PolicyRules:
    id: str
    region: str
    region_name: str
    year: int
    document: str
    title: str
    rules: dict[str, Rule]
    requirements: dict[str, int | None]  # hundredths of an hour, None where the rule gives no value
    cases: dict[str, ProrationCase] | None  # None: the policy has no stated proration rule
    full_year_credit: tuple[int, int] | None  # (public, professional) hundredths
    cadre_employers: frozenset[str] | None
    per_day: int | None
    per_half_day: int | None
    # activities.convertible is stated: the notice makes activities count as professional hours only
    activities_professional: bool = False
    deadlines: list[tuple[dt.date, str]] = field(default_factory=list)  # (date, rule id), earliest first
    cutoffs: tuple[Cutoff, ...] = ()  # deadlines.record_cutoffs, earliest first
    # (title, number) of the higher notice this one implements when it is not in the archive
    implements_unarchived: tuple[str, str] | None = None

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def absent(self, rule: Rule, what: str) -> str:
        """Why the notice gives no value for `what`: it is silent (unknown), it defers to a document not
        archived, or it is silent but implements a higher notice not archived, which may provide it."""
        if rule.state == "by_reference":
            higher = self.implements_unarchived
            if higher is not None and rule.reference == higher[1]:
                return (
                    f"本通知未规定{what}；它贯彻落实的上级通知（{higher[1]}）不在本项目存档中，可能另有规定，"
                    "请向单位人事部门或当地人社部门咨询"
                )
            return f"本通知规定{what}按《{rule.reference}》执行，该文件不在本项目存档中"
        return f"本通知未规定{what}"

    def cutoff(self, mode: str, category: str) -> Cutoff | None:
        """The earliest cutoff that applies to a record of this mode and category; None: the year's end."""
        for item in self.cutoffs:
            if mode in item.modes and category in item.categories:
                return item
        return None


def _first_source(raw: Mapping[str, Any]) -> dict[str, str] | None:
    sources = raw.get("sources") or []
    if not sources:
        return None
    first = sources[0]
    return {"document": str(first["document"]), "quote": str(first["quote"])}


def _hours(rule: Rule) -> int | None:
    if not rule.stated or isinstance(rule.value, bool) or not isinstance(rule.value, int | float):
        return None
    return to_units(rule.value)


def read_rule(rule_id: str, raw: Mapping[str, Any], catalog: Mapping[str, Any]) -> Rule:
    state = str(raw.get("state", "unknown"))
    return Rule(
        id=rule_id,
        title=str(catalog.get(rule_id, {}).get("title", rule_id)),
        state=state,
        value=raw.get("value") if state == "stated" else None,
        source=_first_source(raw),
        interpretation=raw.get("interpretation"),
        note=raw.get("note"),
        reference=raw.get("reference"),
        origin=raw.get("from"),
    )


def policy_rules(bundle: Mapping[str, Any], policy_id: str) -> PolicyRules:
    """The engine's view of one policy of the bundle (KeyError when the bundle has no such policy)."""
    policy = bundle["policies"][policy_id]
    catalog = bundle.get("catalog", {})
    rules = {rid: read_rule(rid, raw, catalog) for rid, raw in policy["rules"].items()}
    for rid in catalog:  # a bundle always lists every catalog rule; be safe with hand-made ones
        rules.setdefault(rid, read_rule(rid, {}, catalog))

    def get(rule_id: str) -> Rule:
        return rules.get(rule_id) or read_rule(rule_id, {}, catalog)

    requirements = {key: _hours(get(f"requirements.{key}")) for key in REQUIREMENT_KEYS}

    cases: dict[str, ProrationCase] | None = None
    proration = get("proration.cases")
    if proration.stated and isinstance(proration.value, list):
        cases = {}
        for item in proration.value:
            threshold = item.get("threshold_months")
            cases[item["case"]] = ProrationCase(
                case=item["case"],
                threshold=None if threshold is None else to_units(threshold),
                source=_first_source(item) or proration.source,
                interpretation=item.get("interpretation"),
            )

    credit_rule = get("full_year_service.credit")
    credit = None
    if credit_rule.stated and isinstance(credit_rule.value, dict):
        public = to_units(credit_rule.value["public"])
        professional = to_units(credit_rule.value["professional"])
        if public is not None and professional is not None:
            credit = (public, professional)

    cadre = get("cadre_academy_offset.eligible_employers")
    deadlines = []
    for rule_id in DEADLINE_RULES:
        rule = get(rule_id)
        if rule.stated and isinstance(rule.value, str):
            deadlines.append((dt.date.fromisoformat(rule.value), rule_id))
    deadlines.sort()

    cutoffs: list[Cutoff] = []
    cutoff_rule = get("deadlines.record_cutoffs")
    if cutoff_rule.stated and isinstance(cutoff_rule.value, list):
        for item in cutoff_rule.value:
            cutoffs.append(
                Cutoff(
                    last_day=str(item["last_day"]),
                    modes=frozenset(item["modes"]),
                    categories=frozenset(item["categories"]),
                    source=_first_source(item) or cutoff_rule.source,
                    interpretation=item.get("interpretation"),
                )
            )
        cutoffs.sort(key=lambda c: c.last_day)

    implements = None
    for item in policy.get("basis", []):
        if item.get("implements") and not item.get("in_archive", False) and item.get("number"):
            implements = (str(item["title"]), str(item["number"]))
            break

    document = bundle.get("documents", {}).get(policy["document"], {})
    title_rule = document.get("title", {})
    return PolicyRules(
        id=policy_id,
        region=policy["region"],
        region_name=policy.get("region_name", policy["region"]),
        year=int(policy["year"]),
        document=policy["document"],
        title=str(title_rule.get("value") or ""),
        rules=rules,
        requirements=requirements,
        cases=cases,
        full_year_credit=credit,
        cadre_employers=frozenset(cadre.value) if cadre.stated else None,
        per_day=_hours(get("daily_caps.per_day")),
        per_half_day=_hours(get("daily_caps.per_half_day")),
        activities_professional=get("activities.convertible").stated,
        deadlines=deadlines,
        cutoffs=tuple(cutoffs),
        implements_unarchived=implements,
    )


def nearest_policy(bundle: Mapping[str, Any], wanted: str) -> str | None:
    """The policy to suggest for an unknown id: the same region's closest year, else the province's.

    The region may be given by its Chinese name (洛阳市/2023, 洛阳/2023). Ties go to the later year.
    """
    ids = sorted(bundle.get("policies", {}))
    region, _, year_text = wanted.strip().partition("/")
    region = _region_id(bundle, region)
    year = int(year_text) if year_text.isdecimal() and year_text.isascii() else None

    def closest(candidates: list[str]) -> str | None:
        if not candidates:
            return None
        if year is None:
            return max(candidates, key=lambda pid: int(pid.split("/")[1]))
        return min(candidates, key=lambda pid: (abs(int(pid.split("/")[1]) - year), -int(pid.split("/")[1])))

    same_region = [pid for pid in ids if pid.split("/")[0] == region]
    provinces = [pid for pid in ids if bundle.get("regions", {}).get(pid.split("/")[0], {}).get("level") == "province"]
    return closest(same_region) or closest(provinces)


def _region_id(bundle: Mapping[str, Any], region: str) -> str:
    regions = bundle.get("regions", {})
    if region in regions:
        return region
    for region_id, info in regions.items():
        name = str(info.get("name", ""))
        if region and (region == name or name.startswith(region) and len(region) >= 2):
            return str(region_id)
    return region
