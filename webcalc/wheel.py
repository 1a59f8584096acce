"""Write the calculator package as pure-Python wheels for the browser, byte-for-byte reproducible.

A pure-Python wheel is a zip with three metadata files, so we write it with zipfile rather than pull a
build backend into the offline build. Fixed timestamps and sorted entries make the same sources give the
same sha256, which the Pyodide lock file pins and the service worker's cache relies on.

The browser gets the package in two wheels, so that each page fetches only what it runs:
- `calculator`: the person calculator's worker (calculator.browser, what it imports, and the CSV import it
  loads when a file is chosen), with the compiled policy bundle (`bundle_files`: an index and one file a
  policy, under `calculator/data/`), so that the browser's rule engine and its policy data are verified
  together. Every visit of the calculator page fetches it.
- `calculator-batch`: what the batch page adds (calculator.batch_browser and the batch's modules), into the
  same `calculator` package.
The rest (the command line, the drafts, the batch's parallel and spilling runs, the build-time policy
loader) runs only on a computer. The site's wheels hold each module compiled to bytecode by the site's own
Pyodide (webcalc.bytecode), not its source: the browser then does not compile them on each cold visit.
tests/test_wheels.py checks that every module is in one of these groups and that each wheel's imports are
found in it (or in the wheel it depends on).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import calculator

NAME = "calculator"
BATCH_NAME = "calculator-batch"  # its lock file entry; the wheel's file is calculator_batch-….whl
EPOCH = (2020, 1, 1, 0, 0, 0)  # zip timestamps: fixed, so the wheel's hash depends on content only

# Module paths relative to the package; a name ending in "/" is a whole sub-package.
PERSON = (
    "__init__.py",
    "browser.py",
    "citations.py",
    "engine/",
    "form_fields.py",
    "make_up.py",
    "person.py",
    "person_file.py",
    "person_input.py",
    "units.py",
    "verdict.py",
    "vocabulary.py",
    "batch/__init__.py",
    "batch/csv_io.py",  # the person's CSV import reads files as the batch does
)
BATCH = ("batch_browser.py", "batch/check.py", "batch/excel.py", "batch/people.py", "batch/table.py")
COMPUTER_ONLY = (
    "__main__.py",
    "bundle.py",
    "cli.py",
    "drafts.py",
    "exits.py",
    "outfile.py",
    "passages.py",
    "policy_checks.py",
    "policy_files.py",
    "problems.py",
    "schema_check.py",
    "text_report.py",
    "yaml_source.py",
    "batch/parallel.py",
    "batch/spill.py",
)


def wheel_name(name: str = NAME, version: str = calculator.__version__) -> str:
    return f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest},{len(data)}"


def module_paths(package_dir: Path) -> list[str]:
    """Every module of the package, relative to it (caches left out)."""
    return sorted(
        path.relative_to(package_dir).as_posix()
        for path in package_dir.rglob("*.py")
        if "__pycache__" not in path.parts
    )


def in_group(module: str, group: tuple[str, ...]) -> bool:
    return any(module == entry or (entry.endswith("/") and module.startswith(entry)) for entry in group)


def package_files(package_dir: Path, group: tuple[str, ...] = PERSON + BATCH) -> dict[str, bytes]:
    """arcname -> bytes for the modules of `group` (by default all that run in the browser)."""
    return {
        f"{NAME}/{module}": (package_dir / module).read_bytes()
        for module in module_paths(package_dir)
        if in_group(module, group)
    }


def _write_wheel(out_dir: Path, name: str, files: dict[str, bytes]) -> Path:
    version = calculator.__version__
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    files = dict(files)
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        "Summary: Henan continuing-education hours rule engine\nRequires-Python: >=3.11\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: webcalc\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist_info}/top_level.txt"] = f"{NAME}\n".encode()
    record = "".join(f"{arcname},{_record_hash(data)}\n" for arcname, data in sorted(files.items()))
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel_name(name, version)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, data in sorted(files.items()):
            info = zipfile.ZipInfo(arcname, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
    return target


Compiled = dict[str, bytes]  # arcname.py -> its .pyc (webcalc.bytecode); None: the sources as they are


def _as_bytecode(files: dict[str, bytes], compiled: Compiled | None) -> dict[str, bytes]:
    """Each module as its .pyc alone (Python imports it without the source), when compiled."""
    if compiled is None:
        return files
    missing = sorted(name for name in files if name not in compiled)
    if missing:
        raise ValueError(f"no bytecode for {', '.join(missing)}")
    return {f"{name}c": compiled[name] for name in files}


BUNDLE_INDEX = f"{NAME}/data/bundle.json"


def policy_file(policy_id: str) -> str:
    """The wheel's file of one policy (luoyang/2023 -> calculator/data/policies/luoyang/2023.json)."""
    return f"{NAME}/data/policies/{policy_id}.json"


def bundle_files(bundle_json: bytes) -> dict[str, bytes]:
    """The compiled bundle as the browser reads it (calculator.browser.engine): an index, which is the bundle
    without its policies and with their ids (`policy_ids`), and each policy in a file of its own. A visit then
    parses the notice it checks, not all of them: Pyodide took about 30 ms to parse the whole bundle of five
    notices before the first answer, and the bundle grows with every notice archived."""
    bundle = json.loads(bundle_json)
    policies = bundle.pop("policies", {})
    files = {BUNDLE_INDEX: _json_bytes({**bundle, "policy_ids": sorted(policies)})}
    files.update({policy_file(pid): _json_bytes(policy) for pid, policy in policies.items()})
    return files


def _json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def build_wheel(
    out_dir: Path, bundle_json: bytes, package_dir: Path | None = None, compiled: Compiled | None = None
) -> Path:
    """The person calculator's wheel, with the policy bundle."""
    package_dir = package_dir or Path(calculator.__file__).parent
    files = _as_bytecode(package_files(package_dir, PERSON), compiled)
    files.update(bundle_files(bundle_json))
    return _write_wheel(out_dir, NAME, files)


def build_batch_wheel(out_dir: Path, package_dir: Path | None = None, compiled: Compiled | None = None) -> Path:
    """The batch page's wheel: installed over the person calculator's, into the same package."""
    package_dir = package_dir or Path(calculator.__file__).parent
    return _write_wheel(out_dir, BATCH_NAME, _as_bytecode(package_files(package_dir, BATCH), compiled))
