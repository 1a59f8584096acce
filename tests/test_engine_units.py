"""The engine's parts on their own, and on bundles altered to reach what no real notice has yet."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from calculator.bundle import compile_bundle
from calculator.engine import Engine, PersonError
from calculator.engine.credits import day_cap
from calculator.engine.rules import nearest_policy
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema
from calculator.units import from_units, prorate_up_to_half, text_to_units, to_units

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2023, 6, 1)


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    result = load_policies(ROOT / "policies")
    assert not result.problems
    return compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)


def altered(bundle: dict[str, Any], policy: str, **rules: Any) -> dict[str, Any]:
    """A copy of the bundle with some of `policy`'s rules replaced (None: the rule becomes unknown)."""
    changed = copy.deepcopy(bundle)
    for rule_id, value in rules.items():
        rule_id = rule_id.replace("__", ".")
        target = changed["policies"][policy]["rules"][rule_id]
        if value is None:
            target.update(state="unknown", value=None, sources=[], interpretation=None)
        else:
            target.update(state="stated", value=value)
    return changed


# ---- units ------------------------------------------------------------------------------------------


def test_hours_are_read_exactly() -> None:
    assert to_units(0.1) + to_units(0.2) == to_units(0.3) == 30  # type: ignore[operator]
    assert to_units(0.30000000000000004) == 30
    assert to_units(29.95) == 2995
    assert to_units(1.005) is None
    assert to_units(float("nan")) is None and to_units(float("inf")) is None
    assert text_to_units("6") == 600 and text_to_units(" 1.5 ") == 150 and text_to_units("abc") is None


def test_numbers_come_out_as_int_when_whole() -> None:
    assert from_units(3000) == 30 and isinstance(from_units(3000), int)
    assert from_units(150) == 1.5 and from_units(5) == 0.05


@pytest.mark.parametrize(
    ("base", "present", "expected"),
    [
        (9000, 1200, 9000),  # no absence
        (9000, 0, 0),  # absent all year
        (9000, 550, 4150),  # 41.25 -> 41.5
        (3000, 550, 1400),  # 13.75 -> 14
        (6000, 599, 3000),  # 29.95 -> 30
        (2400, 1199, 2400),  # 23.98 -> 24, never above the full floor
    ],
)
def test_proration_rounds_up_to_half_hours(base: int, present: int, expected: int) -> None:
    assert prorate_up_to_half(base, present, 1200) == expected


@pytest.mark.parametrize(
    ("days", "per_day", "per_half", "cap"),
    [
        (100, 600, 300, 600),
        (150, 600, 300, 900),
        (149, 600, 300, 600),  # 1.49 days: the fraction below a half adds nothing
        (170, 600, 300, 900),
        (200, 600, 300, 1200),
        (150, 600, None, 1200),  # no half-day rule: half a day or more counts as a day
        (130, 600, None, 600),
        (150, None, 300, 900),  # only a half-day rule: three half days
        (100, None, None, None),
    ],
)
def test_day_caps(days: int, per_day: int | None, per_half: int | None, cap: int | None) -> None:
    assert day_cap(days, per_day, per_half) == cap


# ---- policies -----------------------------------------------------------------------------------------


def test_nearest_policy(bundle: dict[str, Any]) -> None:
    assert nearest_policy(bundle, "luoyang/2019") == "luoyang/2023"
    assert nearest_policy(bundle, "洛阳/2023") == "luoyang/2023"
    assert nearest_policy(bundle, "洛阳市/2024") == "luoyang/2023"
    assert nearest_policy(bundle, "kaifeng/2023") == "henan/2023"
    assert nearest_policy(bundle, "nowhere") == "henan/2023"
    two = copy.deepcopy(bundle)
    two["policies"]["luoyang/2021"] = two["policies"]["luoyang/2023"]
    assert nearest_policy(two, "luoyang/2022") == "luoyang/2023"  # a tie goes to the later notice


def test_unknown_policy_lists_what_there_is(bundle: dict[str, Any]) -> None:
    with pytest.raises(PersonError) as caught:
        Engine(bundle).check({"policy": "kaifeng/2023", "records": []}, AS_OF)
    message = str(caught.value)
    assert "policy" in message and "最接近的是 henan/2023" in message
    for pid in bundle["policies"]:
        assert pid in message
    assert "洛阳市" in message


# ---- rules a real notice does not have yet ---------------------------------------------------------


def test_a_missing_floor_gives_no_value_and_a_warning(bundle: dict[str, Any]) -> None:
    changed = altered(bundle, "henan/2023", requirements__total=None)
    result = Engine(changed).check(
        {
            "policy": "henan/2023",
            "records": [
                {"date": "2023-03-01", "category": "public", "hours": 30},
                {"date": "2023-03-02", "category": "professional", "hours": 20},
            ],
        },
        AS_OF,
    )
    assert result["required"]["total"] is None
    assert result["remaining"] == {"total": 40, "public": 0, "public_required_course": None, "professional": 40}
    assert [w["code"] for w in result["warnings"]] == ["requirement_unknown"]


def test_a_case_the_notice_does_not_list(bundle: dict[str, Any]) -> None:
    cases = [
        c for c in bundle["policies"]["luoyang/2023"]["rules"]["proration.cases"]["value"] if c["case"] != "maternity"
    ]
    changed = altered(bundle, "luoyang/2023", proration__cases=cases)
    result = Engine(changed).check(
        {"policy": "luoyang/2023", "records": [], "circumstances": {"maternity_months": 4, "abroad_months": 7}}, AS_OF
    )
    assert result["required"]["total"] == 37.5  # only the 7 months abroad
    assert sorted(w["code"] for w in result["warnings"]) == ["case_not_in_policy"]


def test_proration_by_reference_is_not_applied(bundle: dict[str, Any]) -> None:
    changed = copy.deepcopy(bundle)
    changed["policies"]["henan/2023"]["rules"]["proration.cases"].update(
        state="by_reference", reference="豫人社办〔2017〕121号", value=None
    )
    result = Engine(changed).check(
        {"policy": "henan/2023", "records": [], "circumstances": {"maternity_months": 4}}, AS_OF
    )
    assert result["required"]["total"] == 90
    assert "豫人社办〔2017〕121号" in result["warnings"][0]["message"]


def test_only_a_half_day_cap(bundle: dict[str, Any]) -> None:
    changed = altered(bundle, "luoyang/2023", daily_caps__per_day=None)
    result = Engine(changed).check(
        {
            "policy": "luoyang/2023",
            "records": [
                {"date": "2023-05-01", "category": "professional", "hours": 10, "mode": "face_to_face", "days": 1.5},
            ],
        },
        AS_OF,
    )
    assert result["credited"]["professional"] == 9  # three half days of 3
    rules = [s["rule"] for s in result["steps"]]
    assert "daily_caps.per_half_day" in rules and "daily_caps.per_day" not in rules


def test_a_stated_floor_for_the_required_course_with_full_year_credit(bundle: dict[str, Any]) -> None:
    # Full-year credit counts towards public and professional, not towards the 必修 floor.
    changed = altered(bundle, "luoyang/2023", requirements__public_required_course=24)
    result = Engine(changed).check(
        {"policy": "luoyang/2023", "records": [], "circumstances": {"full_year_service": True}}, AS_OF
    )
    assert result["credited"]["public"] == 30 and result["credited"]["public_required_course"] == 0
    assert result["remaining"]["public_required_course"] == 24 and result["remaining"]["public"] == 24


def test_no_deadline_stated(bundle: dict[str, Any]) -> None:
    changed = altered(bundle, "henan/2023", deadlines__declaration=None)
    result = Engine(changed).check({"policy": "henan/2023", "records": []}, AS_OF)
    assert result["deadline"] is None and result["days_left"] is None
    assert [w["code"] for w in result["warnings"]] == ["no_deadline"]


def test_steps_carry_the_interpretation_where_one_was_used(bundle: dict[str, Any]) -> None:
    result = Engine(bundle).check(
        {
            "policy": "luoyang/2023",
            "employer": "public_institution",
            "cadre_academy_hours": 5,
            "records": [],
            "circumstances": {"maternity_months": 2},
        },
        AS_OF,
    )
    by_rule = {}
    for step in result["steps"]:
        by_rule.setdefault(step["rule"], []).append(step)
    rules = bundle["policies"]["luoyang/2023"]["rules"]
    assert any(s["interpretation"] == rules["proration.cases"]["interpretation"] for s in by_rule["proration.cases"])
    assert any("生育" in (s["interpretation"] or "") for s in by_rule["proration.cases"])
    cadre = by_rule["cadre_academy_offset.eligible_employers"][0]
    assert cadre["interpretation"] == rules["cadre_academy_offset.eligible_employers"]["interpretation"]
    assert by_rule["requirements.public"][0]["interpretation"] is None
    assert all(set(s) == {"rule", "text", "source", "interpretation"} for s in result["steps"])


def test_an_inherited_rule_quotes_the_notice_that_states_it(bundle: dict[str, Any]) -> None:
    # Luoyang restates its floors; with them removed, the provincial notice's passages are quoted.
    changed = copy.deepcopy(bundle)
    changed["policies"]["luoyang/2023"]["rules"]["requirements.total"] = copy.deepcopy(
        bundle["policies"]["henan/2023"]["rules"]["requirements.total"]
    )
    result = Engine(changed).check({"policy": "luoyang/2023", "records": []}, AS_OF)
    total = next(s for s in result["steps"] if s["rule"] == "requirements.total")
    assert total["source"]["document"] == "henan-2023"
