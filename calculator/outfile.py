"""Write an output file (`build.py compile --out`, build/policies.json) without ever replacing what is not ours.

A regular file (or a new one) is written next to itself and renamed into place, so a reader never sees half a
file, with one mode for every writer: 0644 (a web server and other users must be able to read the bundle).
A symlink is followed: its target is written, the link stays. A special file (/dev/null, /dev/stdout, a FIFO)
is written through, never replaced by a regular file. A folder is refused (OutputError).
Standard library only.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

MODE = 0o644


class OutputError(Exception):
    """The output path cannot be written; the message names it (in Chinese)."""


def output_problem(path: Path) -> str:
    """Why `path` cannot be an output file ("" when it can)."""
    real = Path(os.path.realpath(path))
    if real.is_dir():
        return f"{path} 是一个文件夹；请给出文件名，如 {path / 'policies.json'}"
    if not real.exists() and real.parent.exists() and not real.parent.is_dir():
        return f"{real.parent} 不是文件夹"
    return ""


def write_text(path: Path, text: str) -> None:
    problem = output_problem(path)
    if problem:
        raise OutputError(problem)
    real = Path(os.path.realpath(path))  # a symlink: write its target, keep the link
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):  # /dev/null, /dev/stdout, a FIFO: write through
        with real.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return
    real.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=real.parent, delete=False, suffix=".tmp") as tmp:
        try:
            tmp.write(text)
            tmp.flush()
        except BaseException:
            os.unlink(tmp.name)  # a full disk leaves no half-written temporary file behind
            raise
    os.chmod(tmp.name, MODE)  # NamedTemporaryFile makes 0600
    os.replace(tmp.name, real)
