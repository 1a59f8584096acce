"""The same engine under Pyodide (Python 3.14 in WebAssembly, as the browser runs it) gives the same
results as under CPython, for every YAML case. Skipped where Node or the pyodide npm package is missing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from calculator.bundle import compile_bundle
from calculator.engine import Engine
from calculator.person import PersonError
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema

ROOT = Path(__file__).resolve().parent.parent
PYODIDE = ROOT / "node_modules" / "pyodide"
CASES = Path(__file__).resolve().parent / "cases"

RUNNER = """
import {loadPyodide} from "%(pyodide)s/pyodide.mjs";
import fs from "fs";
import path from "path";
const py = await loadPyodide({indexURL: "%(pyodide)s/"});
function copy(dir, dest) {
  py.FS.mkdirTree(dest);
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) { if (f !== "__pycache__") copy(p, dest + "/" + f); }
    else if (f.endsWith(".py")) py.FS.writeFile(dest + "/" + f, fs.readFileSync(p));
  }
}
copy("%(package)s", "/home/pyodide/calculator");
py.FS.writeFile("/home/pyodide/input.json", fs.readFileSync("%(input)s"));
console.log(py.runPython(`
import datetime, json, sys
sys.path.insert(0, "/home/pyodide")
from calculator.engine import Engine
from calculator.person import PersonError
data = json.load(open("/home/pyodide/input.json"))
engine = Engine(data["bundle"])
out = []
for case in data["cases"]:
    try:
        out.append(engine.check(case["person"], datetime.date.fromisoformat(case["as_of"])))
    except PersonError as err:
        out.append({"errors": [p.field for p in err.problems]})
sys.version.split()[0] + "\\\\n" + json.dumps(out, ensure_ascii=False)
`));
"""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def cases() -> list[dict[str, Any]]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = data.get("defaults", {})
        for case in data["cases"]:
            if "person" not in case:
                continue
            person = dict(case["person"])
            if "policy" in defaults and "policy" not in person and not case.get("no_default_policy"):
                person["policy"] = defaults["policy"]
            found.append({"person": _jsonable(person), "as_of": _jsonable(case.get("as_of", defaults.get("as_of")))})
    return found


@pytest.mark.skipif(shutil.which("node") is None or not (PYODIDE / "pyodide.mjs").is_file(),
                    reason="needs Node and the pyodide npm package (make setup)")
def test_pyodide_gives_the_same_results(tmp_path: Path) -> None:
    result = load_policies(ROOT / "policies")
    assert not result.problems
    bundle = compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)
    all_cases = cases()
    assert len(all_cases) >= 40
    (tmp_path / "input.json").write_text(json.dumps({"bundle": bundle, "cases": all_cases}, ensure_ascii=False),
                                         encoding="utf-8")
    script = tmp_path / "run.mjs"
    script.write_text(RUNNER % {"pyodide": PYODIDE.as_posix(), "package": (ROOT / "calculator").as_posix(),
                                "input": (tmp_path / "input.json").as_posix()}, encoding="utf-8")
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    version, output = done.stdout.split("\n", 1)
    assert version.startswith("3."), version
    in_browser = json.loads(output)
    engine = Engine(bundle)
    for case, got in zip(all_cases, in_browser, strict=True):
        try:
            expected: dict[str, Any] = engine.check(case["person"], dt.date.fromisoformat(case["as_of"]))
        except PersonError as err:
            expected = {"errors": [p.field for p in err.problems]}
        assert got == expected, case
