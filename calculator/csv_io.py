"""CSV in and out, the way Excel in China writes and reads it. Standard library only.

Reading: UTF-8 with or without BOM, else GBK (read as GB18030, its superset); UTF-16 with a BOM
("Unicode text") too. Comma-separated, or tab-separated when the header has tabs and no commas.
Writing: UTF-8 with a BOM so Excel shows Chinese right; a text cell that begins with = + - @ (or a tab
or carriage return) gets a leading apostrophe, so a spreadsheet shows it as text instead of running it
as a formula. Numbers the calculator writes are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvError(ValueError):
    """The file cannot be read as CSV at all."""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as err:
        raise CsvError(f"既不是 UTF-8 也不是 GBK 编码（第 {err.start} 个字节）") from None


def rows(text: str) -> Iterator[list[str]]:
    """The rows of the CSV text (the first is the header)."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as err:
        raise CsvError(f"CSV 格式错误：{err}") from None


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write(out: TextIO, header: Sequence[str], body: Iterable[Sequence[object]],
          bom: bool = True) -> None:
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in body)
