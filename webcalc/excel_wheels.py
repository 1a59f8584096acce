"""openpyxl and et-xmlfile for the browser's batch check: their pure-Python wheels, self-hosted beside the
calculator's and registered in the site's Pyodide lock file (sha256 and `depends`), so that
`loadPackage("openpyxl")` loads both from the site and checks them, and only a page that asks for them
pays for them (the calculator's own entry does not depend on them).

The wheels are PyPI's own files, pinned by version and sha256 (the versions requirements.txt installs);
`pip download` fetches them once into build/wheels/, and a file there whose hash differs is refused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .lock import add_to_lock, lock_entry

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "wheels"


@dataclass(frozen=True)
class Wheel:
    name: str  # as Pyodide's lock file names packages (normalised: lower case, hyphens)
    version: str
    file_name: str
    sha256: str
    imports: tuple[str, ...]
    depends: tuple[str, ...] = ()


WHEELS = (
    Wheel(
        "et-xmlfile",
        "2.0.0",
        "et_xmlfile-2.0.0-py3-none-any.whl",
        "7a91720bc756843502c3b7504c77b8fe44217c85c537d85037f0f536151b2caa",
        ("et_xmlfile",),
    ),
    Wheel(
        "openpyxl",
        "3.1.5",
        "openpyxl-3.1.5-py2.py3-none-any.whl",
        "5282c12b107bffeef825f4617dc029afaf41d0ea60823bbb665ef3079dc79de2",
        ("openpyxl",),
        ("et-xmlfile",),
    ),
)


class WheelError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pip_download(wheel: Wheel, folder: Path) -> None:
    """PyPI's wheel of this exact version, through pip (its cache, else the index)."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    done = subprocess.run(
        [*command, "--dest", str(folder), f"{wheel.name}=={wheel.version}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise WheelError(f"pip download {wheel.name}=={wheel.version} failed:\n{done.stderr[-2000:]}")


Download = Callable[[Wheel, Path], None]  # puts the wheel's file into the folder


def fetch(wheel: Wheel, cache: Path = CACHE, download: Download = pip_download) -> Path:
    """The wheel in the cache folder, downloaded first when it is not there; its sha256 checked."""
    target = cache / wheel.file_name
    if not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:  # a build that stops half way leaves no half file
            download(wheel, Path(tmp))
            got = Path(tmp) / wheel.file_name
            if not got.is_file():
                raise WheelError(f"pip download {wheel.name}=={wheel.version} did not give {wheel.file_name}")
            got.replace(target)
    found = _sha256(target)
    if found != wheel.sha256:
        raise WheelError(f"{target}: sha256 {found}, expected {wheel.sha256} (delete the file to fetch it again)")
    return target


def add_excel_wheels(pyodide_dir: Path, cache: Path = CACHE, download: Download = pip_download) -> list[Path]:
    """Copy the wheels into the site's Pyodide folder and add their entries to its lock file (written
    before, with the calculator's entry)."""
    lock = pyodide_dir / "pyodide-lock.json"
    copied = []
    for wheel in WHEELS:
        source = fetch(wheel, cache, download)
        target = Path(shutil.copyfile(source, pyodide_dir / wheel.file_name))
        entry = lock_entry(target, wheel.name, wheel.version, list(wheel.imports), list(wheel.depends))
        add_to_lock(lock, lock, entry)
        copied.append(target)
    return copied
