"""Properties of the engine over generated people (hypothesis), on the real compiled policies."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.bundle import compile_bundle
from calculator.engine import Engine
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("total", "public", "public_required_course", "professional")


def _compile() -> dict[str, Any]:
    result = load_policies(ROOT / "policies")
    assert not result.problems
    return compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)


BUNDLE = _compile()
ENGINE = Engine(BUNDLE)
POLICIES = sorted(BUNDLE["policies"])
YEARS = {pid: BUNDLE["policies"][pid]["year"] for pid in POLICIES}

tenths = st.integers(min_value=0, max_value=300).map(lambda n: n / 10)
halves = st.integers(min_value=0, max_value=24).map(lambda n: n / 2)


@st.composite
def records(draw: st.DrawFn, year: int) -> dict[str, Any]:
    record_year = draw(st.sampled_from([year, year, year, year - 1, year + 1]))
    day = dt.date(record_year, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
    mode = draw(st.sampled_from(["online", "face_to_face", "activity"]))
    record: dict[str, Any] = {
        "date": day.isoformat(),
        "category": draw(st.sampled_from(["public", "professional"])),
        "hours": draw(tenths),
        "mode": mode,
        "required_course": draw(st.booleans()),
    }
    if draw(st.booleans()) or mode == "face_to_face":
        enough = math.ceil(record["hours"] / 24 * 2) / 2  # at most 24 hours a day
        record["days"] = max(enough, draw(st.integers(min_value=2, max_value=10)) / 2)  # 1 to 5 days
    return record


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    policy = draw(st.sampled_from(POLICIES))
    person: dict[str, Any] = {
        "policy": policy,
        "records": draw(st.lists(records(YEARS[policy]), max_size=8)),
    }
    if draw(st.booleans()):
        person["employer"] = draw(
            st.sampled_from(["public_institution", "enterprise", "government", "social_org", "other"])
        )
    if draw(st.booleans()):
        person["circumstances"] = {
            "abroad_months": draw(halves),
            "sick_leave_months": draw(halves),
            "maternity_months": draw(st.sampled_from([0, 0, 0.5, 3, 6, 11.5])),
            "approved_leave_months": draw(st.sampled_from([0, 0, 1, 2.5])),
            "full_year_service": draw(st.booleans()),
        }
    if draw(st.booleans()):
        person["cadre_academy_hours"] = draw(tenths)
    return person


def check(person: dict[str, Any]) -> dict[str, Any]:
    return ENGINE.check(person, dt.date(2024, 6, 1))


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(people(), st.data())
def test_adding_a_record_never_raises_a_remaining(person: dict[str, Any], data: st.DataObject) -> None:
    before = check(person)
    extra = data.draw(records(YEARS[person["policy"]]))
    position = data.draw(st.integers(0, len(person["records"])))
    after = check({**person, "records": [*person["records"][:position], extra, *person["records"][position:]]})
    for key in KEYS:
        if before["remaining"][key] is not None:
            assert after["remaining"][key] <= before["remaining"][key], key
    assert after["compliant"] or not before["compliant"]


@SETTINGS
@given(people())
def test_remaining_is_never_negative_and_totals_add_up(person: dict[str, Any]) -> None:
    result = check(person)
    for key in KEYS:
        value = result["remaining"][key]
        assert value is None or value >= 0
    credited = result["credited"]
    assert credited["total"] == pytest.approx(credited["public"] + credited["professional"], abs=1e-9)
    remaining = result["remaining"]
    assert remaining["total"] >= remaining["public"] + remaining["professional"] - 1e-9
    if remaining["public_required_course"] is not None:
        assert remaining["public"] >= remaining["public_required_course"]


@SETTINGS
@given(people())
def test_prorated_requirements_never_exceed_the_full_ones(person: dict[str, Any]) -> None:
    full = check({**person, "circumstances": {}})["required"]
    prorated = check(person)["required"]
    for key in KEYS:
        if full[key] is None:
            assert prorated[key] is None
        else:
            assert 0 <= prorated[key] <= full[key]
            assert (prorated[key] * 2) == int(prorated[key] * 2), "rounded to half hours"


@SETTINGS
@given(people())
def test_compliant_exactly_when_every_remaining_is_zero(person: dict[str, Any]) -> None:
    result = check(person)
    assert result["compliant"] == all(v == 0 for v in result["remaining"].values() if v is not None)


@SETTINGS
@given(people(), st.randoms(use_true_random=False))
def test_record_order_does_not_matter(person: dict[str, Any], random: Any) -> None:
    shuffled = list(person["records"])
    random.shuffle(shuffled)
    a, b = check(person), check({**person, "records": shuffled})
    for key in ("compliant", "required", "credited", "remaining", "deadline", "days_left"):
        assert a[key] == b[key], key
    assert sorted(w["code"] for w in a["warnings"]) == sorted(w["code"] for w in b["warnings"])
    assert [s["rule"] for s in a["steps"]] == [s["rule"] for s in b["steps"]]


@SETTINGS
@given(people())
def test_output_survives_a_json_round_trip(person: dict[str, Any]) -> None:
    result = check(person)
    text = json.dumps(result, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == result
    for part in ("required", "credited", "remaining"):
        for value in result[part].values():
            assert value is None or isinstance(value, int) or round(value, 2) == value
