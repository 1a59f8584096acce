"""Register the calculator wheel in the site's copy of Pyodide's lock file (which lists only our wheels).

pyodide-build's `pyodide lockfile add-wheels` needs Python 3.12 and a cross-build environment; on 3.11
the entry is written here with hashlib, field for field as that tool writes it for a pure-Python wheel.
Pyodide then checks the wheel against this sha256 when it loads it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def lock_entry(
    wheel: Path, name: str, version: str, imports: list[str], depends: list[str] | None = None
) -> dict[str, Any]:
    """The entry of a pure-Python wheel; `depends`: the lock file names of the packages it needs."""
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": imports,
        "depends": list(depends or []),
        "unvendored_tests": False,
        "tool": {},
    }


def write_lock(lock_in: Path, lock_out: Path, entries: list[dict[str, Any]]) -> None:
    """The site's lock file: Pyodide's own `info` and only our packages. The site ships none of Pyodide's
    hundreds of other packages, so their 119 KB of entries (27 KB compressed, on every cold visit) would
    only name files that are not there."""
    lock = json.loads(lock_in.read_text(encoding="utf-8"))
    lock["packages"] = {entry["name"]: entry for entry in entries}
    lock_out.write_text(json.dumps(lock, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def add_to_lock(lock_in: Path, lock_out: Path, entry: dict[str, Any]) -> None:
    """The lock file with one more entry (another of our wheels)."""
    lock = json.loads(lock_in.read_text(encoding="utf-8"))
    lock["packages"][entry["name"]] = entry
    lock_out.write_text(json.dumps(lock, ensure_ascii=False, sort_keys=True), encoding="utf-8")
