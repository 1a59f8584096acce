"""The browser's two wheels (webcalc.wheel): every module of the package is placed in one of them or kept to
the computer, and what each wheel's modules import, at the top or inside a function, is in that wheel or in
the one it depends on. A module missing from a wheel would fail only when a reader's page reached the line
that imports it; here it fails at once, without a browser."""

from __future__ import annotations

import ast
import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_batch import BUNDLE

from calculator.engine import Engine
from webcalc.wheel import (
    BATCH,
    COMPUTER_ONLY,
    NAME,
    PERSON,
    build_batch_wheel,
    build_wheel,
    in_group,
    module_paths,
)

PACKAGE = Path(__file__).resolve().parent.parent / "calculator"


def _module_file(dotted: str, package_dir: Path) -> str | None:
    """`calculator.batch.csv_io` -> "batch/csv_io.py" (or a package's __init__.py); None if not ours."""
    parts = dotted.split(".")
    if parts[0] != NAME:
        return None
    rel = "/".join(parts[1:])
    if rel and (package_dir / f"{rel}.py").is_file():
        return f"{rel}.py"
    init = f"{rel}/__init__.py" if rel else "__init__.py"
    return init if (package_dir / init).is_file() else None


def imports_of(module: str, package_dir: Path) -> tuple[set[str], set[str]]:
    """(our modules it imports, as paths; other top-level modules it imports), anywhere in its code."""
    tree = ast.parse((package_dir / module).read_text(encoding="utf-8"))
    package = [NAME, *module.split("/")[:-1]]  # the package the module is in
    ours: set[str] = set()
    others: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found = _module_file(alias.name, package_dir)
                if found:
                    ours.add(found)
                else:
                    others.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                dotted = ".".join(base + ([node.module] if node.module else []))
            else:
                dotted = node.module or ""
            found = _module_file(dotted, package_dir)
            if found is None:
                others.add(dotted.split(".")[0])
                continue
            ours.add(found)
            for alias in node.names:  # `from . import vocabulary`: a submodule
                sub = _module_file(f"{dotted}.{alias.name}", package_dir)
                if sub:
                    ours.add(sub)
    return ours, others - {"__future__"}


def test_every_module_is_placed_once() -> None:
    groups = {"person": PERSON, "batch": BATCH, "computer": COMPUTER_ONLY}
    for module in module_paths(PACKAGE):
        placed = [name for name, group in groups.items() if in_group(module, group)]
        assert len(placed) == 1, f"{module}: in {placed or 'no group'} (webcalc/wheel.py)"


@pytest.mark.parametrize(
    ("wheel", "group", "allowed", "third_party"),
    [("person", PERSON, PERSON, set()), ("batch", BATCH, PERSON + BATCH, {"openpyxl"})],
)
def test_each_wheel_holds_what_its_modules_import(wheel, group, allowed, third_party) -> None:
    for module in module_paths(PACKAGE):
        if not in_group(module, group):
            continue
        ours, others = imports_of(module, PACKAGE)
        missing = sorted(m for m in ours if not in_group(m, allowed))
        assert not missing, f"the {wheel} wheel's {module} imports {missing}, which the browser does not get"
        foreign = sorted(others - set(sys.stdlib_module_names) - third_party)
        assert not foreign, f"{module} imports {foreign}: not in the standard library nor in the site's wheels"


def test_the_checker_sees_imports_inside_functions(tmp_path) -> None:
    """The check above must see the import a function makes when it first runs (browser.py's person_file)."""
    ours, _ = imports_of("browser.py", PACKAGE)
    assert "person_file.py" in ours and "engine/__init__.py" in ours
    ours, _ = imports_of("batch/table.py", PACKAGE)
    assert {"batch/excel.py", "batch/csv_io.py", "vocabulary.py"} <= ours


def test_the_wheels_hold_their_groups_only(tmp_path) -> None:
    person = build_wheel(tmp_path, b"{}")
    batch = build_batch_wheel(tmp_path)
    with zipfile.ZipFile(person) as archive:
        names = set(archive.namelist())
    assert "calculator/browser.py" in names and "calculator/data/bundle.json" in names
    assert "calculator/batch/csv_io.py" in names and "calculator/engine/tally.py" in names
    assert not names & {"calculator/cli.py", "calculator/batch/check.py", "calculator/batch_browser.py"}
    with zipfile.ZipFile(batch) as archive:
        names = set(archive.namelist())
    assert {"calculator/batch_browser.py", "calculator/batch/excel.py"} <= names
    assert not names & {"calculator/browser.py", "calculator/batch/spill.py", "calculator/data/bundle.json"}
    assert batch.name == "calculator_batch-0.1.0-py3-none-any.whl"
    # the same sources give the same bytes (the lock file's sha256)
    again = build_batch_wheel(tmp_path / "again")
    assert again.read_bytes() == batch.read_bytes()


def test_a_compiled_wheel_holds_the_bytecode_in_place_of_each_source(tmp_path) -> None:
    from webcalc.wheel import PERSON, package_files

    sources = package_files(PACKAGE, PERSON)
    compiled = {name: b"pyc of " + name.encode() for name in sources}
    with zipfile.ZipFile(build_wheel(tmp_path, b"{}", PACKAGE, compiled)) as archive:
        names = set(archive.namelist())
        assert archive.read("calculator/browser.pyc") == b"pyc of calculator/browser.py"
    assert {f"{name}c" for name in sources} <= names and not names & set(sources)
    del compiled["calculator/verdict.py"]
    with pytest.raises(ValueError, match="verdict"):
        build_wheel(tmp_path / "again", b"{}", PACKAGE, compiled)


def test_the_wheels_engine_reads_only_the_policy_it_checks(tmp_path) -> None:
    """The wheel holds the bundle as an index and a file a policy (webcalc.wheel.bundle_files); the browser's
    engine, imported from the wheel itself, answers as the whole bundle does and has read one policy's file."""
    bundle_json = json.dumps(BUNDLE, ensure_ascii=False, sort_keys=True).encode()
    wheel = build_wheel(tmp_path, bundle_json, PACKAGE)  # the sources: this Python imports them from the zip
    person = {"policy": "luoyang/2023", "records": [{"date": "2023-05-10", "category": "public", "hours": 6}]}
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(wheel)!r})\n"
        "from calculator import browser\n"
        f"assert browser.__file__.startswith({str(wheel)!r}), browser.__file__\n"
        f"answer = json.loads(browser.handle(json.dumps({{'person': {person!r}, 'as_of': '2023-12-01'}})))\n"
        "bundle = browser.engine().bundle\n"
        "policies = bundle['policies']\n"
        "print(json.dumps({'answer': answer, 'read': sorted(policies._read), 'ids': list(policies),\n"
        "                  'keys': sorted(bundle)}))\n"
    )
    run = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True)
    got = json.loads(run.stdout)
    assert got["read"] == ["luoyang/2023"]
    assert got["ids"] == sorted(BUNDLE["policies"]) and got["keys"] == sorted(BUNDLE)
    assert got["answer"] == {"ok": True, "result": Engine(BUNDLE).check(person, dt.date(2023, 12, 1))}
