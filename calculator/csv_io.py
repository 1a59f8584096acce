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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TextIO, TypeVar

T = TypeVar("T")

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


def _delimiter(first_line: str) -> str:
    return "\t" if "\t" in first_line and "," not in first_line else ","


def rows(text: str) -> Iterator[list[str]]:
    """The rows of the CSV text (the first is the header)."""
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    except csv.Error as err:
        raise CsvError(f"CSV 格式错误：{err}") from None


def bom_encoding(path: Path) -> str:
    """The encoding to try first: UTF-16 when the file starts with its BOM, else UTF-8 (BOM or not)."""
    with path.open("rb") as handle:
        start = handle.read(2)
    return "utf-16" if start in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


def file_rows(path: Path, encoding: str) -> Iterator[list[str]]:
    """The rows of a CSV file, decoded as it is read (no copy of the whole file in memory).

    A UnicodeDecodeError comes out of the iteration when the file is not in `encoding`: read it again
    with the next encoding (see `read_file`).
    """
    with path.open(encoding=encoding, newline="") as handle:
        delimiter = _delimiter(handle.readline())
        handle.seek(0)
        try:
            yield from csv.reader(handle, delimiter=delimiter)
        except csv.Error as err:
            raise CsvError(f"CSV 格式错误：{err}") from None


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "gb18030": "GBK"}


def read_file(path: Path, use: Callable[[Iterator[list[str]]], T]) -> tuple[T, str]:
    """`use(rows)` on the file read as UTF-8 (or UTF-16 with a BOM), again as GBK when that fails.

    Returns what `use` returns and the encoding's name.
    """
    first = bom_encoding(path)
    try:
        return use(file_rows(path, first)), ENCODING_NAMES[first]
    except UnicodeDecodeError:
        if first != "utf-8-sig":
            raise CsvError("文件以 UTF-16 标记开头，但内容不是 UTF-16") from None
    try:
        return use(file_rows(path, "gb18030")), ENCODING_NAMES["gb18030"]
    except UnicodeDecodeError as err:
        raise CsvError(f"既不是 UTF-8 也不是 GBK 编码（第 {err.start} 个字节附近）") from None


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write(out: TextIO, header: Sequence[str], body: Iterable[Sequence[object]], bom: bool = True) -> None:
    """Write the rows as given: the caller makes text cells from the input safe (`safe_cell`)."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows(body)
