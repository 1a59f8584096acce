"""The YAML cases under tests/cases/: a person, the expected output fields, and a one-line why.

Each case runs through the command line (`python -m calculator check`, in process) against the bundle
compiled from policies/. Expected values were worked out by hand from the notices, never by the engine.

A case file is {defaults: {...}, cases: [...]}; a case has:
  name, why          what it checks and why the expected values follow from the notice
  person | raw       the person JSON (YAML here), or the raw file text for unreadable input
  as_of              the day to count days_left from
  expect             fields compared exactly (required, credited, remaining: per key; compliant, deadline,
                     days_left, exit); warnings: the exact list of codes ("code" or "code@record");
                     steps: the exact sequence of rule ids; step_text: {rule id: a phrase in its step};
                     warning_text: {code: [phrases]} each in that warning's message;
                     late: the records too late to count (indices, in order);
                     planned: {records, credited, remaining, compliant} of what is dated after as_of
  error, message     bad input: exit 2, the message names `error` (a field path) and contains `message`
Every step that quotes a source must quote a passage of that archived notice.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from engine_cases import engine_cases, jsonable

from calculator.bundle import compile_bundle
from calculator.cli import main
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "policies" / "sources"


ALL_CASES = [pytest.param(case, id=case_id) for case_id, case in engine_cases()]


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = load_policies(ROOT / "policies")
    assert not result.problems, [str(p) for p in result.problems]
    bundle = compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)
    path = tmp_path_factory.mktemp("bundle") / "policies.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


def run(case: dict[str, Any], tmp_path: Path, bundle_path: Path) -> tuple[int, str, str]:
    person_file = tmp_path / "person.json"
    if "raw" in case:
        person_file.write_text(case["raw"], encoding="utf-8")
    else:
        person_file.write_text(json.dumps(jsonable(case["person"]), ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", str(person_file), "--format", "json", "--bundle", str(bundle_path)]
    if case.get("as_of"):
        argv += ["--as-of", jsonable(case["as_of"])]
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_there_are_enough_cases() -> None:
    assert len(ALL_CASES) >= 40
    for param in ALL_CASES:
        case = param.values[0]
        assert case.get("why"), f"{param.id}: every case says why"


@pytest.mark.parametrize("case", ALL_CASES)
def test_case(case: dict[str, Any], tmp_path: Path, bundle_path: Path) -> None:
    code, out, err = run(case, tmp_path, bundle_path)
    if "error" in case:
        assert code == 2, f"bad input must exit 2, got {code}: {out}"
        assert case["error"] in err, err
        lines = [line for line in err.splitlines() if case["error"] in line]
        for phrase in [case["message"]] if isinstance(case.get("message"), str) else case.get("message", []):
            assert any(phrase in line for line in lines), f"{phrase!r} not in {lines}"
        return
    assert err == "", err
    result = json.loads(out)
    expect = jsonable(case["expect"])
    assert code == expect.get("exit", 0 if result["compliant"] else 1)
    for part in ("required", "credited", "remaining"):
        for key, value in expect.get(part, {}).items():
            got = result[part][key]
            assert got == value, f"{part}.{key}: expected {value}, got {got}"
            assert type(got) is type(value), f"{part}.{key}: {got!r} should be {type(value).__name__}"
    for key in ("compliant", "deadline", "days_left"):
        if key in expect:
            assert result[key] == expect[key], f"{key}: expected {expect[key]}, got {result[key]}"
    if "compliant" in expect:
        assert code == (0 if expect["compliant"] else 1)
    if "warnings" in expect:
        got = [w["code"] if w["record"] is None else f"{w['code']}@{w['record']}" for w in result["warnings"]]
        want = expect["warnings"]
        assert _codes(got) == _codes(want) and all(w in got for w in want if "@" in w), (
            f"warnings: expected {want}, got {got}"
        )
    for code_, phrases in expect.get("warning_text", {}).items():
        messages = [w["message"] for w in result["warnings"] if w["code"] == code_]
        for phrase in [phrases] if isinstance(phrases, str) else phrases:
            assert any(phrase in m for m in messages), f"{phrase!r} not in the {code_} warnings: {messages}"
    if "late" in expect:
        assert [item["record"] for item in result["late"]] == expect["late"]
    for item in result["late"]:
        assert item["reason"] and item["source"], item
        notice = (SOURCES / f"{item['source']['document']}.txt").read_text(encoding="utf-8")
        assert squeeze(item["source"]["quote"]) in squeeze(notice), item
    planned = expect.get("planned", {})
    if "records" in planned:
        assert result["planned"]["records"] == planned["records"]
    for part in ("credited", "remaining"):
        for key, value in planned.get(part, {}).items():
            got = result["planned"][part][key]
            assert got == value and type(got) is type(value), f"planned.{part}.{key}: expected {value}, got {got}"
    if "compliant" in planned:
        assert result["planned"]["compliant"] == planned["compliant"]
    if not result["planned"]["records"]:
        assert result["planned"]["remaining"] == result["remaining"], "nothing planned: the same remaining"
    rules = [s["rule"] for s in result["steps"]]
    if "steps" in expect:
        assert rules == expect["steps"]
    for rule, phrase in expect.get("step_text", {}).items():
        texts = [s["text"] for s in result["steps"] if s["rule"] == rule]
        assert any(phrase in t for t in texts), f"{phrase!r} not in the steps of {rule}: {texts}"
    for step in result["steps"]:
        assert step["text"]
        if step["source"]:
            notice = (SOURCES / f"{step['source']['document']}.txt").read_text(encoding="utf-8")
            assert squeeze(step["source"]["quote"]) in squeeze(notice), step
    assert json.loads(json.dumps(result)) == result


def _codes(items: list[str]) -> list[str]:
    return sorted(i.split("@")[0] for i in items)


PERSONS = [pytest.param(case["person"], id=case_id) for case_id, case in engine_cases() if "person" in case]


def read_or_problems(read: Any) -> Any:
    from calculator.person import PersonError

    try:
        return read()
    except PersonError as err:
        return [(p.field, p.message) for p in err.problems]


@pytest.mark.parametrize("data", PERSONS)
def test_a_person_read_with_its_records_read_already_is_the_person_read_whole(data: Any) -> None:
    """The calculator page's worker reads each form row's record once and hands the engine the person with
    its records read (person.read_person_with): the person, or the problems in their order, must be the ones
    read_person gives for the same JSON, bad input included."""
    from calculator.person import read_person, read_person_with, read_record

    data = jsonable(data)
    whole = read_or_problems(lambda: read_person(data))
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        return  # read_person_with is given records that were read; a person without a list has none
    read = [read_record(raw, index) for index, raw in enumerate(records)]
    assert read_or_problems(lambda: read_person_with(data, read)) == whole


def test_an_engine_asked_again_and_again_answers_as_a_fresh_one(bundle_path: Path) -> None:
    """An Engine keeps what it worked out (requirements, deadlines, each record body's rules) between people,
    as the calculator page's worker asks it on every keystroke: every case's answer, asked in turn of one
    engine, forwards and then backwards, is the answer of an engine that saw nothing before."""
    import datetime as dt

    from calculator.engine import Engine, PersonError

    bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
    asked = []
    for _, case in engine_cases():
        if "person" in case and "error" not in case:
            as_of = dt.date.fromisoformat(jsonable(case["as_of"])) if case.get("as_of") else None
            asked.append((jsonable(case["person"]), as_of))
    assert len(asked) >= 40

    def answer(engine: Engine, person: Any, as_of: dt.date | None) -> Any:
        try:
            return engine.check(person, as_of)
        except PersonError as err:
            return str(err)

    fresh = [answer(Engine(bundle), person, as_of) for person, as_of in asked]
    kept = Engine(bundle)
    order = [*range(len(asked)), *reversed(range(len(asked)))]
    assert [answer(kept, *asked[i]) for i in order] == [fresh[i] for i in order]
