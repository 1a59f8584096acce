"""Write the calculator package as a pure-Python wheel, byte-for-byte reproducible.

A pure-Python wheel is a zip with three metadata files, so we write it with zipfile rather than pull a
build backend into the offline build. Fixed timestamps and sorted entries make the same sources give the
same sha256, which the Pyodide lock file pins and the service worker's cache relies on.
The compiled policy bundle goes in as `calculator/data/policies.json`, so the browser's rule engine and
its policy data are verified together.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import calculator

NAME = "calculator"
EPOCH = (2020, 1, 1, 0, 0, 0)  # zip timestamps: fixed, so the wheel's hash depends on content only
# Build-time modules (they need PyYAML and jsonschema) stay out of the browser's wheel.
BUILD_ONLY = {"policy_files.py", "policy_checks.py", "schema_check.py", "yaml_source.py", "outfile.py"}


def wheel_name(version: str = calculator.__version__) -> str:
    return f"{NAME}-{version}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest},{len(data)}"


def package_files(package_dir: Path) -> dict[str, bytes]:
    """arcname -> bytes for every module of the package except build-time ones and caches."""
    files = {}
    for path in sorted(package_dir.rglob("*.py")):
        if path.name in BUILD_ONLY or "__pycache__" in path.parts:
            continue
        files[f"{NAME}/{path.relative_to(package_dir).as_posix()}"] = path.read_bytes()
    return files


def build_wheel(out_dir: Path, bundle_json: bytes, package_dir: Path | None = None) -> Path:
    package_dir = package_dir or Path(calculator.__file__).parent
    version = calculator.__version__
    dist_info = f"{NAME}-{version}.dist-info"
    files = package_files(package_dir)
    files[f"{NAME}/data/policies.json"] = bundle_json
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\n"
        "Summary: Henan continuing-education hours rule engine\nRequires-Python: >=3.11\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: webcalc\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist_info}/top_level.txt"] = f"{NAME}\n".encode()
    record = "".join(f"{name},{_record_hash(data)}\n" for name, data in sorted(files.items()))
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel_name(version)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target
