"""The engine's worked cases (tests/cases/*.yaml), read the same way for the CPython and the Pyodide tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).resolve().parent / "cases"


def jsonable(value: Any) -> Any:
    """YAML reads 2023-05-10 as a date; the person file has it as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def engine_cases() -> list[tuple[str, dict[str, Any]]]:
    """('file::name', case) for every case, its file's defaults applied: a person without a policy gets the
    file's default policy unless the case says `no_default_policy`."""
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = data.get("defaults", {})
        for case in data["cases"]:
            merged = {**defaults, **case}
            if (
                "person" in case
                and "policy" in defaults
                and "policy" not in case["person"]
                and not case.get("no_default_policy")
            ):
                merged["person"] = {"policy": defaults["policy"], **case["person"]}
            found.append((f"{path.stem}::{case['name']}", merged))
    return found
