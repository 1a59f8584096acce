"""CSV in and out, the way Excel and WPS in China write and read it. Standard library only (the browser
uses it too).

Reading (`decode`, `decode_lines`, `Rows`, `numbered_rows`, `read_file`): UTF-8 with or without BOM, GBK
(read as GB18030, its superset), UTF-16 with or without a BOM. A file that is mostly UTF-8 with a few
lines in GBK (or the other way round) has those lines refused by their row, never decoded into the wrong
characters. Comma-separated, or tab-separated when the header has tabs and no commas. Every physical
line is accounted for: a row read, or a row refused with its spreadsheet row number (a broken quote, a
cell longer than a spreadsheet cell, a line in another encoding). An Excel workbook or other binary file
is named as such (`not_csv`), its bytes never shown.
Writing (`write`, `write_lines`, `write_file`): UTF-8 with a BOM so Excel shows Chinese right; a text
cell that begins with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a spreadsheet
shows it as text instead of running it as a formula. Numbers the calculator writes are left as they are.
A result file is written whole or not at all.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple, TextIO, TypeVar

T = TypeVar("T")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


NOT_UTF16 = "文件以 UTF-16 标记开头，但内容不是 UTF-16"
BOM_OVER_GBK = "文件开头有 UTF-8 标记，但内容是 GBK 编码：已按 GBK 读取"
MAX_CELL = 32_767  # characters: the most an Excel cell holds; a longer one is a broken file, not a value
BLOCK = 1 << 20  # characters of lines read at a time
SHOWN = 40  # characters of a refused line shown in its message


class CsvError(ValueError):
    """The file cannot be read as CSV at all."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that cannot be read as it stands: its spreadsheet row number, why, and its cells as far as
    they can be told (the line cut at the delimiter), so that the caller can name its person."""

    row: int
    message: str
    cells: list[str]
    column: int | None = None  # the cell the problem is in, when known


@dataclass
class Decoded:
    """A file's text; `refused`: physical line index -> (why, the line as far as it can be shown) for
    lines that are not in the file's encoding (their text is left out: each is an empty line)."""

    text: str
    encoding: str
    refused: dict[int, tuple[str, str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV file's bytes: UTF-8 (BOM or not), GBK, UTF-16 (BOM or not).

    Raises CsvError, naming the first lines, when some lines are not in the file's encoding (a GBK row
    pasted into a UTF-8 file): nothing is decoded into the wrong characters. `decode_lines` reads the
    other lines and lists those.
    """
    decoded = decode_lines(data)
    if decoded.refused:
        first = sorted(decoded.refused)[:5]
        raise CsvError(f"第 {'、'.join(str(i + 1) for i in first)} 行：{decoded.refused[first[0]][0]}")
    return decoded.text, decoded.encoding


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 without its BOM (every other byte of
    the ASCII text a NUL), else None."""
    sample = head[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd * 3 >= len(sample) // 2 and even == 0:
        return "utf-16-le"
    if even * 3 >= len(sample) // 2 and odd == 0:
        return "utf-16-be"
    return None


def decode_lines(data: bytes) -> Decoded:
    """The text of a CSV file's bytes, each line in the file's encoding.

    UTF-16 (with its BOM, or without it when every other byte of the text is a NUL); else UTF-8 when the
    whole file is; else each line on its own: the file is UTF-8 when most lines that are not plain ASCII
    are UTF-8, else GBK (read as GB18030, its superset); a line in neither, or UTF-8 in a GBK file
    (which GBK would read as other characters), is refused.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError:
            raise CsvError(NOT_UTF16) from None
    wide = utf16_without_bom(data)
    if wide is not None:
        try:
            return Decoded(data.decode(wide), "UTF-16（无 BOM）")
        except UnicodeDecodeError:
            raise CsvError("文件像是没有 BOM 的 UTF-16，但无法按 UTF-16 读取：请另存为 CSV（UTF-8）") from None
    try:
        return Decoded(data.decode("utf-8-sig"), "UTF-8")
    except UnicodeDecodeError:
        pass
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    utf8, other = _line_kinds(body)
    if len(utf8) > len(other):
        return _utf8_lines(body, other)
    notices = [BOM_OVER_GBK] if bom else []
    return _gbk_lines(body, utf8, notices)


def _line_kinds(body: bytes) -> tuple[list[int], list[int]]:
    """(lines that are UTF-8 and not plain ASCII, lines that are not UTF-8), by index."""
    return _kinds_of_blocks(_whole_lines(body))


def _whole_lines(body: bytes) -> Iterator[bytes]:
    """The bytes a block of whole lines (about a megabyte) at a time."""
    start = 0
    while start < len(body):
        end = body.find(b"\n", start + BLOCK) + 1 or len(body)
        yield body[start:end]
        start = end


def _kinds_of_blocks(blocks: Iterable[bytes]) -> tuple[list[int], list[int]]:
    """_line_kinds of the bytes given a block of whole lines at a time. Found on each block's text
    decoded with U+FFFD for every byte that is not UTF-8 (a line break is never part of a character, so
    its lines are the file's), each line looked at by the string methods alone."""
    utf8: list[int] = []
    other: list[int] = []
    base = 0
    for block in blocks:
        lines = block.decode("utf-8", errors="replace").split("\n")
        if block.endswith(b"\n"):
            lines.pop()  # (the next block's first line)
        raw: list[bytes] = []
        for i, line in enumerate(lines, start=base):
            if line.isascii():
                continue
            if "\ufffd" in line and len(other) < 100:  # (a line with a U+FFFD of its own is UTF-8 all the same)
                raw = raw or block.split(b"\n")
                if _kind(raw[i - base]) == "other":
                    other.append(i)
                    continue
            elif "\ufffd" in line:
                other.append(i)
                continue
            utf8.append(i)
        base += len(lines)
    return utf8, other


def _utf8_lines(body: bytes, other: list[int]) -> Decoded:
    """A UTF-8 file with the `other` lines refused (not UTF-8)."""
    lines = body.split(b"\n")
    refused: dict[int, tuple[str, str]] = {}
    for i in other:
        refused[i] = (_not_in("UTF-8", lines[i], "gb18030"), _shown(lines[i], "gb18030"))
        lines[i] = b" \r" if lines[i].endswith(b"\r") else b" "
    return Decoded(b"\n".join(lines).decode("utf-8"), "UTF-8", refused)


def _gbk_lines(body: bytes, utf8: list[int], notices: list[str]) -> Decoded:
    """A GBK file with the `utf8` lines refused (UTF-8, which GBK would read as other characters), and
    any line that is not GBK either."""
    lines = body.split(b"\n") if utf8 else []
    refused: dict[int, tuple[str, str]] = {}
    for i in utf8:
        refused[i] = (_not_in("GBK", lines[i], "utf-8"), _shown(lines[i], "utf-8"))
        lines[i] = b" \r" if lines[i].endswith(b"\r") else b" "
    if utf8:
        body = b"\n".join(lines)
    try:
        return Decoded(body.decode("gb18030"), "GBK", refused, notices)
    except UnicodeDecodeError:
        pass
    texts = []
    for i, line in enumerate(body.split(b"\n")):
        try:
            texts.append(line.decode("gb18030"))
        except UnicodeDecodeError:
            refused[i] = (_not_in("GBK", line, "utf-8"), _shown(line, "utf-8"))
            texts.append(" \r" if line.endswith(b"\r") else " ")
    return Decoded("\n".join(texts), "GBK", refused, notices)


def _kind(line: bytes) -> str:
    """'ascii', 'utf-8' (valid, not plain ASCII) or 'other'."""
    if line.isascii():
        return "ascii"
    try:
        line.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "other"


def _shown(line: bytes, encoding: str) -> str:
    text = line.decode(encoding, errors="replace").strip()
    return text[:SHOWN] + "…" if len(text) > SHOWN else text


def _not_in(encoding: str, line: bytes, other: str) -> str:
    """Why a line is refused: not in the file's encoding, and what it might say in the other."""
    other_name = "GBK" if other == "gb18030" else "UTF-8"
    try:
        line.decode(other)
        guess = f"按 {other_name} 读是“{_shown(line, other)}”"
    except UnicodeDecodeError:
        guess = f"也不是 {other_name}"
    return f"这一行不是文件其余部分的 {encoding} 编码（{guess}），未核对：请把整个文件另存为 CSV（UTF-8）后再核对"


def delimiter_for(first_line: str) -> str:
    """The delimiter of a file whose first line this is."""
    return "\t" if "\t" in first_line and "," not in first_line else ","


def first_line(text: str) -> str:
    """The text's first line (without copying the rest, as text.split would)."""
    end = text.find("\n")
    return text if end < 0 else text[:end]


class Rows:
    """The rows of CSV text, the header first, each row a list of cells, one row per spreadsheet row.

    Every physical line is accounted for: it is (part of) a row given out, or part of a row that is
    refused. A refused row comes out as an empty row (so a caller counting rows keeps the numbers right)
    and is listed in `problems` with its row number:
    - a quoted cell that runs across lines and swallows what look like whole rows (a stray `"Bob`) is a
      broken quote: its first line is refused and the lines it swallowed are read as the rows they are;
      a quote still open at the end of the file too. A quoted cell over a few lines (a title with a line
      break) is one row, as a spreadsheet shows it;
    - a cell longer than an Excel cell can be (MAX_CELL);
    - a line that is not in the file's encoding (see decode_lines).
    Lines are read a block at a time; a block of one-line rows (the usual file) goes through the csv
    module as it is, any other block line by line. Standard library only: the browser uses it too.
    """

    def __init__(
        self,
        source: TextIO,
        refused: dict[int, tuple[str, str]] | None = None,
        notices: Sequence[str] = (),
    ):
        self.source = source
        self.refused = refused or {}
        self.problems: list[RowProblem] = []
        self.notices = list(notices)
        self.delimiter = ","
        self.width = 0  # cells of the first row that is not blank (the header)

    @classmethod
    def of_text(cls, text: str, decoded: Decoded | None = None) -> Rows:
        if decoded is None:
            return cls(io.StringIO(text, newline=""))
        return cls(io.StringIO(text, newline=""), decoded.refused, decoded.notices)

    def __iter__(self) -> Iterator[list[str]]:
        return chain.from_iterable(self._blocks())  # (no generator between the csv module and the caller)

    def _blocks(self) -> Iterator[Iterable[list[str]]]:
        """The rows a block of lines at a time."""
        limit = csv.field_size_limit()
        csv.field_size_limit(1 << 30)  # a longer cell is refused here, with its row, not by the csv module
        try:
            yield from self._read_blocks()
        finally:
            csv.field_size_limit(limit)

    def _read_blocks(self) -> Iterator[Iterable[list[str]]]:
        read = self.source.readlines
        lines = read(BLOCK)
        if not lines:
            return
        self.delimiter = delimiter = delimiter_for(lines[0])
        base = row = 0  # physical lines before `lines`; rows before them
        refused = self.refused
        while lines:
            more = read(BLOCK)
            if not self.width:
                self._learn_width(lines)
            plain = max(map(len, lines)) <= MAX_CELL and not (
                refused and any(base <= i < base + len(lines) for i in refused)
            )
            if plain and '"' not in "".join(lines):  # one row a line: the csv module reads them as they come
                yield csv.reader(lines, delimiter=delimiter)
                row += len(lines)
                base += len(lines)
                lines = more
                continue
            done = None
            if plain:  # quoted cells: one row a line still, unless a quoted cell runs over lines
                odd = [k for k, line in enumerate(lines) if line.count('"') % 2]  # where such a cell begins or ends
                if not odd:
                    found = list(csv.reader(lines, delimiter=delimiter))
                    if len(found) == len(lines) and not _open_quote(lines[-1], delimiter):
                        yield found
                        row += len(found)
                        base += len(lines)
                        lines = more
                        continue
                else:
                    done = self._by_regions(lines, more, base, row, odd)
            if done is None:
                careful: list[list[str]] = []
                used, row = self._careful(lines, more, base, row, careful)
                done = careful, used, row
            found, used, row = done
            yield found
            base += used
            lines = lines[used:] + more if used < len(lines) else more[used - len(lines) :]

    def _by_regions(
        self, lines: list[str], more: list[str], base: int, row: int, odd: list[int]
    ) -> tuple[list[list[str]], int, int] | None:
        """The rows of a block with a few quoted cells over several lines, as `_careful` gives them,
        reading only those cells' lines one row at a time: a quoted cell over lines begins on a line with
        an odd number of quotes and ends on the next such line; the lines between are read by the csv
        module as they are. None when a row would be refused, or the lines are not as they looked: then
        the whole block is read carefully."""
        out: list[list[str]] = []
        mark, start, used = len(self.problems), 0, 0
        ends = [*odd[1::2], None]  # None: the last cell runs on to the block's end (or into `more`)
        for first, last in zip(odd[0::2], ends, strict=False):
            plain = list(csv.reader(lines[start:first], delimiter=self.delimiter))
            if len(plain) != first - start:
                break
            out += plain
            row += len(plain)
            region = lines[first : last + 1] if last is not None else lines[first:]
            used, row = self._careful(region, [] if last is not None else more, base + first, row, out)
            if last is not None and used != len(region):
                break
            start = first + used
        else:
            if start < len(lines):
                plain = list(csv.reader(lines[start:], delimiter=self.delimiter))
                if len(plain) != len(lines) - start or _open_quote(lines[-1], self.delimiter):
                    start = -1
                else:
                    out += plain
                    row += len(plain)
                    start = len(lines)
            if start >= 0 and len(self.problems) == mark:
                return out, start, row
        del self.problems[mark:]
        return None

    def _learn_width(self, lines: list[str]) -> None:
        for line in lines:
            cells = line.rstrip("\r\n").split(self.delimiter)
            if any(cell.strip() for cell in cells):
                self.width = len(cells)
                return

    def _careful(self, lines: list[str], more: list[str], base: int, row: int, out: list[list[str]]) -> tuple[int, int]:
        """The rows of `lines` one at a time, into `out`; returns (lines used, rows). The last row of
        `lines` may run on into `more` (then lines of `more` are used too). One csv reader reads on
        while the rows are good; after a refused row a new one starts on the next line."""
        pool = lines + more
        end, i = len(lines), 0
        long_lines = max(map(len, pool)) > MAX_CELL
        reader: Any = None
        seen = 0
        while i < end:
            if reader is None:
                reader, seen = csv.reader(islice(pool, i, None), delimiter=self.delimiter), 0
            cells = next(reader)
            used, seen = reader.line_num - seen, reader.line_num
            row += 1
            if base + i in self.refused:
                message, shown = self.refused[base + i]
                self._refuse(row, message, _cells(shown, self.delimiter))
                out.append([])
                i += used
                continue
            if used == 1 and i + 1 < len(pool) and not long_lines:  # the usual row: one line, not too long
                out.append(cells)
                i += 1
                continue
            text_lines = pool[i : i + used]
            broken = self._broken(text_lines, base + i, i + used == len(pool))
            if broken is not None:
                column = next((k for k, cell in enumerate(text_lines[0].split(self.delimiter)) if '"' in cell), None)
                self._refuse(row, broken, _cells(text_lines[0], self.delimiter), column)
                out.append([])
                reader = None  # the lines it swallowed are read again, each as the row it is
                i += 1
                continue
            long = next((k for k, cell in enumerate(cells) if len(cell) > MAX_CELL), None)
            if long is not None:
                message = (
                    f"单元格有 {len(cells[long]):,} 个字符，超过电子表格一个单元格的上限 {MAX_CELL:,}：这一行未核对"
                )
                self._refuse(row, message, [cell[:SHOWN] for cell in cells], long)
                out.append([])
            else:
                out.append(cells)
            i += used
        return i, row

    def _broken(self, lines: list[str], first: int, at_end: bool) -> str | None:
        """Why the row made of these lines is a broken quote, or None when it is not: a quote still open
        at the end of the text, or a quoted cell whose later lines look like rows of their own (as many
        delimiters as half the header) or are lines refused for their encoding."""
        text = lines[0].strip()
        start = text[: SHOWN // 2] + "…" if len(text) > SHOWN // 2 else text
        if at_end and _open_quote("".join(lines), self.delimiter):
            return f"引号没有闭合（{start}）：这一行未核对，请删去多余的引号或补上缺的引号"
        if len(lines) == 1:
            return None
        enough = max(2, self.width // 2)
        for k, line in enumerate(lines[1:], start=1):
            if line.count(self.delimiter) >= enough or first + k in self.refused:
                return (
                    f"引号没有闭合（{start}），会把下面的行吞进一个单元格：这一行未核对，下面的行照常读取；"
                    "请删去多余的引号或补上缺的引号"
                )
        return None

    def _refuse(self, row: int, message: str, cells: list[str], column: int | None = None) -> None:
        self.problems.append(RowProblem(row, message, cells, column))


def _cells(line: str, delimiter: str) -> list[str]:
    """A line's cells as far as they can be told without its quotes."""
    return [cell.strip().strip('"') for cell in line.rstrip("\r\n").split(delimiter)]


def _open_quote(text: str, delimiter: str) -> bool:
    """Whether the CSV text ends inside a quoted cell, read as the csv module reads quotes."""
    state = "start"  # start of a cell | in a plain cell | in quotes | a quote seen in quotes
    for char in text:
        if state == "quoted":
            if char == '"':
                state = "quote"
        elif state == "quote":
            state = "quoted" if char == '"' else "start" if char in (delimiter, "\n", "\r") else "plain"
        elif char in (delimiter, "\n", "\r"):
            state = "start"
        elif state == "start" and char == '"':
            state = "quoted"
        else:
            state = "plain"
    return state == "quoted"


def rows(text: str) -> Rows:
    """The rows of the CSV text (the first is the header); see Rows."""
    return Rows.of_text(text)


class NumberedRow(NamedTuple):
    number: int  # the spreadsheet row number (the file's first row is 1)
    cells: list[str]  # empty when the row is refused
    problem: str | None  # why the row is refused (broken quote, too long a cell, wrong encoding)


def numbered_rows(text: str, decoded: Decoded | None = None) -> Iterator[NumberedRow]:
    """Each row of the CSV text with its spreadsheet row number, the header first (row 1 when it is on
    the first line); a refused row (broken quote, too long a cell, a line of `decoded.refused`) has no
    cells and says why. For a small file in memory, e.g. a person's records in the browser:

        text, encoding = decode(data)  # CsvError: not a text file, or lines in two encodings
        for number, cells, problem in numbered_rows(text): ...
    """
    reader = Rows.of_text(text, decoded)
    problems, next_problem = reader.problems, 0  # in row order, each listed before its row comes out
    for number, cells in enumerate(reader, start=1):
        if next_problem < len(problems) and problems[next_problem].row == number:
            yield NumberedRow(number, [], problems[next_problem].message)
            next_problem += 1
        else:
            yield NumberedRow(number, cells, None)


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


def read_file(path: Path, use: Callable[[Rows], T]) -> tuple[T, str]:
    """`use(rows)` on the file's Rows; returns what `use` returns and the encoding's name.

    A UTF-8 file (the usual) is decoded as it is read, without a copy of the whole file in memory; when
    that meets bytes that are not UTF-8, the lines are looked at a block at a time: a file all in GBK is
    then read as it is decoded too, any other through decode_lines (lines in another encoding refused
    by number, UTF-16).
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")) and utf16_without_bom(head) is None:
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return use(Rows(handle)), "UTF-8"
        except UnicodeDecodeError:
            pass
        bom = head.startswith(b"\xef\xbb\xbf")
        if not _kinds_of_blocks(_file_blocks(path, 3 if bom else 0))[0]:  # no line in UTF-8: all GBK
            notices = [BOM_OVER_GBK] if bom else []
            try:
                with path.open("rb") as raw:
                    raw.seek(3 if bom else 0)
                    text = io.TextIOWrapper(raw, encoding="gb18030", newline="")
                    return use(Rows(text, notices=notices)), "GBK"
            except UnicodeDecodeError:
                pass  # not GBK either, somewhere: line by line
    decoded = decode_lines(path.read_bytes())
    return use(Rows.of_text(decoded.text, decoded)), decoded.encoding


def _file_blocks(path: Path, skip: int) -> Iterator[bytes]:
    """The file's bytes after the first `skip`, a block of whole lines at a time."""
    with path.open("rb") as handle:
        handle.seek(skip)
        rest = b""
        while block := handle.read(BLOCK):
            block = rest + block
            end = block.rfind(b"\n") + 1
            if end:
                yield block[:end]
                rest = block[end:]
            else:
                rest = block
        if rest:
            yield rest


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


EXCEL_XLSX = "这是 Excel 文件（.xlsx）：请在 Excel 或 WPS 里另存为 CSV（UTF-8）后再核对"
EXCEL_XLS = "这是旧版 Excel 文件（.xls）：请在 Excel 或 WPS 里另存为 CSV（UTF-8）后再核对"


def not_csv(head: bytes) -> str | None:
    """Why a file whose first bytes these are is not a CSV text file at all, or None: an Excel workbook
    (a zip, or the old binary format), or other binary data (NUL bytes, not UTF-16). Said in words, the
    bytes never shown."""
    if head.startswith(b"PK\x03\x04"):
        return EXCEL_XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return EXCEL_XLS
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head) is not None:
        return None
    if b"\x00" in head[:4096]:
        return "这不是 CSV 文本文件（含有二进制数据）：请另存为 CSV（UTF-8）后再核对"
    return None


OS_REASONS = {
    errno.ENOSPC: "磁盘已满",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "只读的磁盘",
    errno.ENOENT: "文件夹不存在",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
}


def os_reason(error: OSError) -> str:
    """Why a file could not be read or written, in words (the system's own words for a rare reason)."""
    return OS_REASONS.get(error.errno or 0) or error.strerror or str(error)


def write_file(path: Path, write: Callable[[TextIO], None]) -> None:
    """`write(handle)` into the file at `path`, all or nothing: a regular file (or a new one) is written
    beside it and moved into place once complete, so a failure leaves no half-written file (and the old
    one as it was); a device or pipe (not a regular file) is written to as it is, never replaced.
    Raises CsvError naming what is wrong: no such folder, a folder, no space, no permission."""
    target = Path(os.path.realpath(path))  # through a symlink, to the file it names
    if target.is_dir():
        raise CsvError("这是一个文件夹，不是文件：请给出要写入的文件名")
    if not target.parent.is_dir():
        raise CsvError(f"文件夹 {path.parent} 不存在")
    if target.exists() and not target.is_file():
        try:
            with target.open("w", encoding="utf-8", newline="") as handle:
                write(handle)
        except OSError as error:
            raise CsvError(f"无法写入：{os_reason(error)}") from None
        return
    temporary = None
    try:
        handle_fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        temporary = Path(name)
        with os.fdopen(handle_fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
        temporary = None
    except OSError as error:
        raise CsvError(f"无法写入：{os_reason(error)}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
