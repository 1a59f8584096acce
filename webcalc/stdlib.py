"""The standard library the calculator page ships: Pyodide's, trimmed to the modules the calculator uses.

Pyodide's `python_stdlib.zip` is 2.5 MB compressed and holds all of Python's library (asyncio's and
email's alike); a cold visit of the calculator transfers it whole, and it cannot be compressed further.
The calculator needs about a third of it. At build time the site's own Pyodide boots in Node, puts the
calculator wheel on its path as the page's worker does (a zip, not installed), imports the worker's entry
point (calculator.browser) and answers a few requests of each policy (good and bad, and the lazily imported
modules named in EXTRA); every library file that was imported then goes into the trimmed archive, which
replaces `python_stdlib.zip` in the site. Pyodide itself (its loader, asyncio…) is counted the same way, by
what it imports.
tests/test_engine_pyodide.py runs every engine case under the trimmed archive, so a module it lacks fails
the tests, not a reader's page.

The list of files depends only on Pyodide, the calculator's code and this probe (not on the policy data): it
is kept in build/ under a hash of them, so a build that changed neither does not boot Node again.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from . import node_pyodide

STDLIB = "python_stdlib.zip"
# Imported only on some paths (an error's message, a suggestion, a file's encoding, a full-width
# character): named here so that they are in the archive whether or not the probe's requests reach them.
EXTRA = (
    "csv",
    "difflib",
    "traceback",
    "unicodedata",
    "encodings.gb18030",
    "encodings.gbk",
    "encodings.utf_8_sig",
    "encodings.utf_16",
    "encodings.utf_16_le",
    "encodings.utf_16_be",
    "encodings.latin_1",
    "encodings.ascii",
)
EPOCH = (2020, 1, 1, 0, 0, 0)

PROBE = r"""
import {loadPyodide} from "%(loader)s";
import fs from "fs";
const py = await loadPyodide({indexURL: "%(index)s", stdout: () => {}, stderr: () => {}});
// As the page's worker does (site_src/calculator/worker.mjs): the wheel imported as a zip, not installed.
const lock = JSON.parse(fs.readFileSync("%(index)spyodide-lock.json", "utf8"));
py.FS.writeFile("/home/pyodide/calculator.whl", fs.readFileSync("%(index)s" + lock.packages.calculator.file_name));
py.runPython("import sys; sys.path.insert(0, '/home/pyodide/calculator.whl')");
console.log(py.runPython(String.raw`
import importlib, json, sys
from calculator import browser
for name in %(extra)s:
    importlib.import_module(name)
record = {"date": "2023-05-10", "category": "public", "hours": 6, "required_course": True, "title": "数字"}
for policy in json.loads(browser.policies()):
    for person in ({"policy": policy, "records": []}, {"policy": policy, "records": [record]},
                   {"policy": policy, "records": [{"date": "5/10", "hours": "x"}]}, {"policy": policy + "x"}):
        browser.handle(json.dumps({"person": person, "as_of": "2023-06-01"}))
browser.handle("not json")
# The import and export (loaded when a file is chosen): UTF-8, GBK, UTF-16, a broken quote, a workbook.
header = "日期,类别,学时,名称\n"
for data in ((header + "2023/5/10,公需,6,甲\n").encode("utf-8-sig"),
             (header + "2023-05-10,专业,3,乙\n").encode("gbk"),
             (header + '2023-05-10,公需,6,"丙\n').encode("utf-16"), b"PK\x03\x04"):
    browser.import_file(data, "学时.csv")
browser.export_file(json.dumps([{"date": "2023-05-10", "category": "public", "hours": "6", "title": "=x"}]))
zip_prefix = "/lib/python%%d%%d.zip/" %% sys.version_info[:2]
files = sorted({m.__file__[len(zip_prefix):] for m in list(sys.modules.values())
                if (getattr(m, "__file__", None) or "").startswith(zip_prefix)})
json.dumps(files)
`));
"""


def used_files(pyodide_dir: Path) -> list[str]:
    """The archive members that the calculator imports, found by booting the site's Pyodide in Node."""
    files: list[str] = json.loads(
        node_pyodide.run(PROBE, pyodide_dir, "load the calculator", extra=json.dumps(list(EXTRA)))
    )
    return files


def _key(pyodide_dir: Path, code: dict[str, bytes]) -> str:
    """What the list of files depends on: Pyodide (its library and loader) and the calculator's code."""
    digest = hashlib.sha256((pyodide_dir / STDLIB).read_bytes())
    digest.update((pyodide_dir / "pyodide.asm.mjs").read_bytes())
    digest.update(PROBE.encode())  # what the probe does
    for name, data in sorted(code.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:20]


def members_with_packages(files: list[str], names: set[str]) -> list[str]:
    """The files, with the `__init__.py` of every package they are in (a submodule needs its package)."""
    wanted = set(files)
    for file in files:
        parts = file.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            init = "/".join(parts[:depth]) + "/__init__.py"
            if init in names:
                wanted.add(init)
    return sorted(wanted)


def trim_stdlib(pyodide_dir: Path, code: dict[str, bytes], cache: Path) -> tuple[int, int]:
    """Replace the site's python_stdlib.zip by the files the calculator uses; (bytes before, after).

    `code`: the wheel's Python files (webcalc.wheel.package_files), the key of the cached list."""
    archive = pyodide_dir / STDLIB
    key = _key(pyodide_dir, code)
    cached = cache / f"stdlib-{key}.json"
    if cached.is_file():
        files = json.loads(cached.read_text(encoding="utf-8"))
    else:
        files = used_files(pyodide_dir)
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(files, indent=0), encoding="utf-8")
    before = archive.stat().st_size
    with zipfile.ZipFile(archive) as full:
        names = set(full.namelist())
        missing = sorted(set(files) - names)
        if missing:
            raise RuntimeError(f"{archive}: the calculator imports files it does not hold: {', '.join(missing)}")
        contents = {name: full.read(name) for name in members_with_packages(files, names)}
    trimmed = archive.with_suffix(".tmp")
    with zipfile.ZipFile(trimmed, "w") as out:
        for name, data in sorted(contents.items()):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data, compresslevel=9)
    trimmed.replace(archive)
    return before, archive.stat().st_size
