"""Run a script of the site's own Pyodide in Node at build time (the standard-library probe, the bytecode)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def run(template: str, pyodide_dir: Path, what: str, **values: str) -> str:
    """The last line a Node script printed; `template` is %-formatted with `loader` (Pyodide's module),
    `index` (its folder, with a slash) and `values`. A failure raises RuntimeError saying what could not be done
    (`what`) and the Python traceback, if any."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "run.mjs"
        text = template % {
            "loader": (pyodide_dir / "pyodide.mjs").as_posix(),
            "index": f"{pyodide_dir.as_posix()}/",
            **values,
        }
        script.write_text(text, encoding="utf-8")
        done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        # Node prints the minified loader before the error; the Python traceback, if any, says what failed.
        error = done.stderr
        at = error.rfind("Traceback (most recent call last)")
        shown = (error[at:] if at >= 0 else error[-1500:]).strip()[:3000]
        raise RuntimeError(f"Pyodide in Node could not {what}: {shown}")
    return done.stdout.strip().splitlines()[-1]
