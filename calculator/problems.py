"""One problem found in an input file: where it is (file, line, field path) and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Path = tuple[str | int, ...]


def format_path(path: Iterable[str | int]) -> str:
    """`('rules', 'requirements.total', 'value')` -> `rules.requirements.total.value`; indexes as [i]."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


def line_of(lines: Mapping[Path, int], path: Path) -> int:
    """The line of `path`, or of its nearest ancestor that has one (0 when none does)."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line:
            return line
    return 0


class InputError(Exception):
    """Raised with every problem of an input that cannot be used."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
