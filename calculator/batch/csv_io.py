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
from itertools import islice
from pathlib import Path
from typing import TextIO, TypeVar

T = TypeVar("T")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


NOT_UTF16 = "文件以 UTF-16 标记开头，但内容不是 UTF-16"


class CsvError(ValueError):
    """The file cannot be read as CSV at all."""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise CsvError(NOT_UTF16) from None
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as err:
        raise CsvError(f"既不是 UTF-8 也不是 GBK 编码（第 {err.start} 个字节）") from None


def delimiter_for(first_line: str) -> str:
    """The delimiter of a file whose first line this is."""
    return "\t" if "\t" in first_line and "," not in first_line else ","


def first_line(text: str) -> str:
    """The text's first line (without copying the rest, as text.split would)."""
    end = text.find("\n")
    return text if end < 0 else text[:end]


def rows(text: str) -> Iterator[list[str]]:
    """The rows of the CSV text (the first is the header)."""
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_for(first_line(text)))
    except csv.Error as err:
        raise CsvError(f"CSV 格式错误：{err}") from None


def bom_encoding(path: Path) -> str:
    """The encoding to try first: UTF-16 when the file starts with its BOM, else UTF-8 (BOM or not)."""
    with path.open("rb") as handle:
        start = handle.read(2)
    return "utf-16" if start in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"


def head_text(path: Path, size: int) -> str:
    """About the first `size` characters of the file, for a look at its layout (a character cut at the
    end, or not in UTF-8, is replaced: commas, quotes and line breaks are never part of a GBK character)."""
    with path.open("rb") as handle:
        data = handle.read(size)
    return data.decode(bom_encoding(path), errors="replace")


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "gb18030": "GBK"}


def read_file(path: Path, use: Callable[[Iterator[list[str]]], T]) -> tuple[T, str]:
    """`use(rows)` on the file read as UTF-8 (or UTF-16 with a BOM), again as GBK when that fails.

    Returns what `use` returns and the encoding's name.
    """
    first = bom_encoding(path)
    try:
        return _use_file(path, first, use), ENCODING_NAMES[first]
    except UnicodeDecodeError:
        if first != "utf-8-sig":
            raise CsvError(NOT_UTF16) from None
    try:
        return _use_file(path, "gb18030", use), ENCODING_NAMES["gb18030"]
    except UnicodeDecodeError as err:
        raise CsvError(f"既不是 UTF-8 也不是 GBK 编码（第 {err.start} 个字节附近）") from None


def _use_file(path: Path, encoding: str, use: Callable[[Iterator[list[str]]], T]) -> T:
    """`use` on the rows of the file, decoded as they are read (no copy of the whole file in memory), given
    the csv module's reader itself (no generator between). A UnicodeDecodeError comes out when the file is
    not in `encoding`: `read_file` then reads it again with the next encoding."""
    with path.open(encoding=encoding, newline="") as handle:
        delimiter = delimiter_for(handle.readline())
        handle.seek(0)
        try:
            return use(csv.reader(handle, delimiter=delimiter))
        except csv.Error as err:
            raise CsvError(f"CSV 格式错误：{err}") from None


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_text(text: str) -> str:
    """safe_cell for a text cell."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write(out: TextIO, header: Sequence[str], body: Iterable[Sequence[object]], bom: bool = True) -> None:
    """Write the rows as given: the caller makes text cells from the input safe (`safe_cell`).

    Exactly what csv.writer(out, lineterminator="\r\n") writes (see `line`), many rows at a time.
    """
    write_lines(out, header, map(line, body), bom)


def write_lines(out: TextIO, header: Sequence[str], lines: Iterable[str], bom: bool = True) -> None:
    """Write the header and then rows already made into lines (`line`)."""
    if bom:
        out.write("\ufeff")
    out.write(line([safe_cell(h) for h in header]))
    lines = iter(lines)
    while text := "".join(islice(lines, 4096)):
        out.write(text)


def line(row: Sequence[object]) -> str:
    """The row as csv.writer(…, lineterminator="\r\n") writes it.

    A row of text cells none of which needs quoting (no comma, quote, CR or LF) is its cells joined with
    commas: that is done here, without the writer; any other row is written by the writer.
    """
    text = plain_line(row)
    if text is None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(row)
        text = buffer.getvalue()
    return text


def plain_line(row: Sequence[object]) -> str | None:
    """`line(row)` when every cell is text that needs no quoting; else None."""
    if len(row) < 2:  # the writer quotes a row of one empty cell
        return None
    try:
        text = ",".join(row)  # type: ignore[arg-type]  # TypeError unless every cell is a str
    except TypeError:
        return None
    if text.count(",") != len(row) - 1 or '"' in text or "\n" in text or "\r" in text:
        return None
    return text + "\r\n"
