"""The same engine under Pyodide (Python 3.14 in WebAssembly, as the browser runs it) gives the same
results as under CPython, for every YAML case: the wheel and lock file the site ships, loaded as the page does."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from engine_cases import engine_cases, jsonable

from calculator import browser
from calculator.engine import Engine
from calculator.person import PersonError

ROOT = Path(__file__).resolve().parent.parent

# Boots the site's own copy of Pyodide and loads the calculator exactly as the page's worker does: the wheel the
# lock file names (policy bundle included), imported as a zip under the trimmed standard library, then answers
# each case through calculator.browser, the worker's entry point.
RUNNER = """
import {loadPyodide} from "%(pyodide)s/pyodide.mjs";
import fs from "fs";
const py = await loadPyodide({indexURL: "%(pyodide)s/"});
const lock = JSON.parse(fs.readFileSync("%(pyodide)s/pyodide-lock.json", "utf8"));
py.FS.writeFile("/home/pyodide/calculator.whl", fs.readFileSync("%(pyodide)s/" + lock.packages.calculator.file_name));
py.runPython("import sys; sys.path.insert(0, '/home/pyodide/calculator.whl')");
py.FS.writeFile("/home/pyodide/input.json", fs.readFileSync("%(input)s"));
py.FS.writeFile("/home/pyodide/sample.csv", fs.readFileSync("%(sample)s"));
console.log(py.runPython(`
import json, sys
from calculator.browser import respond
cases = json.load(open("/home/pyodide/input.json"))
out = [respond(json.dumps({"person": c["person"], "as_of": c["as_of"]})) for c in cases]
from calculator.browser import export_file, import_file
sample = open("/home/pyodide/sample.csv", "rb").read()
files = [json.loads(import_file(sample, "r.csv")), json.loads(export_file(json.dumps(%(records)s)))]
sys.version.split()[0] + chr(10) + json.dumps(out, ensure_ascii=False) + chr(10) + json.dumps(files, ensure_ascii=False)
`));
"""


def cases() -> list[dict[str, Any]]:
    """The engine's cases that have a person (not raw text): what the page would send."""
    return [
        {"person": jsonable(case["person"]), "as_of": jsonable(case.get("as_of"))}
        for _, case in engine_cases()
        if "person" in case
    ]


def test_pyodide_gives_the_same_results(built, tmp_path: Path) -> None:
    site, bundle, _ = built
    pyodide_dir = site / "calculator" / "pyodide"
    assert shutil.which("node"), "node is needed (Debian: nodejs)"
    assert (pyodide_dir / "pyodide.mjs").is_file(), "the build did not copy Pyodide (run `make setup`)"
    all_cases = cases()
    assert len(all_cases) >= 40
    (tmp_path / "input.json").write_text(json.dumps(all_cases, ensure_ascii=False), encoding="utf-8")
    script = tmp_path / "run.mjs"
    # a person's CSV file (GBK, the batch's words, a stray quote) read in Pyodide by the same Python as here
    sample = (
        '日期,类别,是否必修,学时,方式,天数,课程名称\r\n2023/5/10,公需课,√,16学时,线上,,"Bob\r\n2023-06-01,专业,否,8,面授,1,乙\r\n'
    ).encode("gbk")
    (tmp_path / "sample.csv").write_bytes(sample)
    records = [{"date": "2023-05-10", "category": "public", "hours": "6", "title": "=SUM(A1)"}]
    script.write_text(
        RUNNER
        % {
            "pyodide": pyodide_dir.as_posix(),
            "input": (tmp_path / "input.json").as_posix(),
            "sample": (tmp_path / "sample.csv").as_posix(),
            "records": json.dumps(records, ensure_ascii=False),
        },
        encoding="utf-8",
    )
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    version, output, files = done.stdout.rstrip("\n").split("\n", 2)
    assert json.loads(files) == [
        json.loads(browser.import_file(sample, "r.csv")),
        json.loads(browser.export_file(json.dumps(records))),
    ]
    # the row with the stray quote is refused by its number, as the batch refuses it; the other row is read
    assert json.loads(files)[0]["summary"] == "已导入 1 条记录（共读到 2 行：1 行未导入）。"
    assert version.startswith("3.14"), version  # Pyodide's Python, not the machine's
    in_browser = json.loads(output)
    engine = Engine(bundle)
    for case, got in zip(all_cases, in_browser, strict=True):
        try:
            expected: dict[str, Any] = {
                "ok": True,
                "result": engine.check(case["person"], dt.date.fromisoformat(case["as_of"])),
            }
        except PersonError as err:
            expected = {"ok": False, "errors": [{"field": p.field, "message": p.message} for p in err.problems]}
        assert got == expected, case


def test_the_lock_file_pins_the_wheel_it_ships_with(built) -> None:
    site, bundle, _ = built
    pyodide_dir = site / "calculator" / "pyodide"
    entry = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))["packages"]["calculator"]
    wheel = pyodide_dir / entry["file_name"]
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        index = json.loads(archive.read("calculator/data/bundle.json"))
        ids = index.pop("policy_ids")
        policies = {pid: json.loads(archive.read(f"calculator/data/policies/{pid}.json")) for pid in ids}
        assert {**index, "policies": policies} == json.loads(json.dumps(bundle))
        header = archive.read("calculator/browser.pyc")[:16]
    # Each module as the bytecode of the Pyodide the site ships (webcalc.bytecode), without its source.
    assert "calculator/engine/evaluate.pyc" in names and "calculator/browser.pyc" in names
    assert {"calculator/person_input.pyc", "calculator/person_file.pyc", "calculator/vocabulary.pyc"} <= names
    assert not [name for name in names if name.endswith(".py")]
    assert header[2:4] == b"\r\n" and header[4:8] == bytes(4)  # a .pyc's header (a timestamp one, as py_compile)
    # Build-time modules (PyYAML, jsonschema) and the command line stay out of the browser's wheel.
    assert not {"calculator/yaml_source.pyc", "calculator/schema_check.pyc", "calculator/cli.pyc"} & names


def test_the_site_ships_the_standard_library_the_calculator_uses(built) -> None:
    """The trimmed library (webcalc.stdlib) holds what the worker imports and much less than Pyodide's whole
    library; the cases above ran under it."""
    site, _, _ = built
    shipped = site / "calculator" / "pyodide" / "python_stdlib.zip"
    full = ROOT / "node_modules" / "pyodide" / "python_stdlib.zip"
    assert shipped.stat().st_size < 0.5 * full.stat().st_size
    with zipfile.ZipFile(shipped) as archive:
        names = set(archive.namelist())
    for needed in ("json/__init__.py", "datetime.py", "difflib.py", "csv.py", "encodings/gb18030.py"):
        assert needed in names, needed
    for unused in ("tkinter/__init__.py", "sqlite3/__init__.py", "xmlrpc/client.py", "unittest/__init__.py"):
        assert unused not in names, unused
    assert all(name.rsplit("/", 1)[0] + "/__init__.py" in names for name in names if "/" in name)
