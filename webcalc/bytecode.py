"""The calculator's modules compiled to Python bytecode by the site's own Pyodide, for the browser's wheels.

A cold visit of the calculator page compiled every module it imports from source in the browser: about half a
second of a nine-second boot in Pyodide (566 ms for the whole package, measured in Node). Pyodide ships its own
packages as bytecode for the same reason. At build time the site's Pyodide boots in Node, compiles each module
(`compile`, no optimisation: asserts and docstrings stay) and writes it as a `.pyc` with Python's own header, for
the exact interpreter the site ships (bytecode is specific to its version); the wheels then hold the `.pyc`
files in place of the sources (Python imports a module from a `.pyc` alone). The result depends only on
Pyodide and the sources, so it is kept in build/ under a hash of both and Node is not booted again for a build
that changed neither. tests/test_engine_pyodide.py runs every engine case on the compiled wheel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from pathlib import Path

from . import node_pyodide

COMPILE = r"""
import {loadPyodide} from "%(loader)s";
import fs from "fs";
// No column ranges in the code objects (PYTHONNODEBUGRANGES): they would double the files' size and only
// point at the columns of an error's line in a traceback, which the browser never shows.
const quiet = () => {};
const py = await loadPyodide({indexURL: "%(index)s", env: {PYTHONNODEBUGRANGES: "1"}, stdout: quiet, stderr: quiet});
py.globals.set("sources", fs.readFileSync("%(sources)s", "utf8"));
console.log(py.runPython(String.raw`
import ast, base64, importlib._bootstrap_external as external, json, sys
compiled = {}
assert all(p[2] is None for p in compile("x = 1", "", "exec").co_positions()), "column ranges are still kept"
def without_docstrings(tree):
    # A docstring is for the reader of the source, which the wheel does not hold; asserts stay (no -O).
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.fix_missing_locations(tree)
for name, text in json.loads(sources).items():
    source = text.encode("utf-8")
    tree = without_docstrings(ast.parse(source, name))
    code = compile(tree, name, "exec", dont_inherit=True, optimize=0)
    pyc = external._code_to_timestamp_pyc(code, 0, len(source))
    compiled[name] = base64.b64encode(pyc).decode()
json.dumps({"version": "%%d.%%d" %% sys.version_info[:2], "compiled": compiled})
`));
"""


def _key(pyodide_dir: Path, sources: dict[str, bytes]) -> str:
    digest = hashlib.sha256(COMPILE.encode())  # how they are compiled
    digest.update((pyodide_dir / "pyodide.asm.wasm").read_bytes())
    digest.update((pyodide_dir / "python_stdlib.zip").read_bytes())
    for name, data in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:20]


def _compile_in_node(pyodide_dir: Path, sources: dict[str, bytes]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        given = Path(tmp) / "sources.json"
        given.write_text(json.dumps({n: d.decode("utf-8") for n, d in sources.items()}), encoding="utf-8")
        answer = json.loads(node_pyodide.run(COMPILE, pyodide_dir, "compile the calculator", sources=given.as_posix()))
    return {name: base64.b64decode(data) for name, data in answer["compiled"].items()}


def compiled_modules(pyodide_dir: Path, sources: dict[str, bytes], cache: Path) -> dict[str, bytes]:
    """arcname.py -> the bytes of its .pyc, compiled by the Pyodide in `pyodide_dir` (cached in `cache`)."""
    cached = cache / f"bytecode-{_key(pyodide_dir, sources)}.json"
    if cached.is_file():
        stored = json.loads(cached.read_text(encoding="utf-8"))
        return {name: base64.b64decode(data) for name, data in stored.items()}
    compiled = _compile_in_node(pyodide_dir, sources)
    missing = sorted(set(sources) - set(compiled))
    if missing:
        raise RuntimeError(f"Pyodide compiled no bytecode for {', '.join(missing)}")
    cache.mkdir(parents=True, exist_ok=True)
    stored = {name: base64.b64encode(data).decode() for name, data in sorted(compiled.items())}
    cached.write_text(json.dumps(stored, indent=0), encoding="utf-8")
    return compiled
