"""Exit codes of every command (`python -m calculator ...` and `python build.py ...`) and the guard around them.

    0  done / compliant / nothing changed
    1  not yet compliant / something changed / the built site failed its own checks
    2  bad input or an unusable argument (the message names it)
    3  an unexpected internal error: one line saying so; the traceback only with --debug

A closed pipe (`... | head -1`) ends the command quietly with 141, as the shell reports a program stopped by
SIGPIPE; Ctrl-C ends it with 130. Standard library only.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import TextIO

EXIT_OK, EXIT_SHORT, EXIT_BAD, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_PIPE, EXIT_INTERRUPTED = 128 + 13, 128 + 2


def internal_error_line(error: BaseException) -> str:
    """One line for an unexpected error: what kind, its first line, and how to see more."""
    detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(detail) > 200:
        detail = detail[:197] + "..."
    return f"内部错误（{type(error).__name__}）：{detail or '无说明'}；加 --debug 查看详情"


def _silence_stdout() -> None:
    """After a broken pipe: point standard output at /dev/null, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def guarded(action: Callable[[], int], debug: bool, err: TextIO | None = None) -> int:
    """Run a command; turn what escapes it into an exit code and at most one line (a traceback with --debug)."""
    try:
        return action()
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    except KeyboardInterrupt:
        print("已中断", file=err or sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a user gets one line, not a traceback
        stream = err or sys.stderr
        if debug:
            traceback.print_exc(file=stream)
        print(internal_error_line(error), file=stream)
        return EXIT_INTERNAL
