"""Copy the self-hosted Pyodide runtime (the pinned `pyodide` npm package) into the site.

Only what the calculator loads: the ES module loader, the WebAssembly and its JS glue, the standard
library and the lock file (rewritten with our wheel). No CDN: jsDelivr is unreliable in mainland China.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]


def pyodide_version(node_modules: Path) -> str:
    package = json.loads((node_modules / "pyodide" / "package.json").read_text(encoding="utf-8"))
    return str(package["version"])


def copy_runtime(node_modules: Path, dest: Path) -> list[Path]:
    source = node_modules / "pyodide"
    missing = [name for name in RUNTIME_FILES if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{source}: missing {', '.join(missing)}; run `npm ci` (make setup)")
    dest.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(source / name, dest / name)) for name in RUNTIME_FILES]
