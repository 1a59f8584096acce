"""Excel workbooks (.xlsx) in and out for the batch check: cells as a person sees them, results as text.

Reading gives each row of one worksheet as text cells (lists of str), with its spreadsheet row number, so
the batch reads an .xlsx exactly as it reads a CSV: `calculator.vocabulary` alone decides what the text
means. A cell becomes the text Excel shows for it:
- whole numbers without `.0` (16.0 -> "16"), other numbers to the 15 significant digits Excel keeps;
  a number of more than 15 digits (an 18-digit 身份证号 typed into a number cell: Excel has already
  replaced its digits past the 15th with zeros) is written out in full and reported in `notes`;
- date cells as YYYY-MM-DD (with the time only when the cell's format shows one), booleans as
  TRUE / FALSE (vocabulary.bool_cell reads both), error values as shown (#N/A);
- a formula as its cached result; one saved without a result (by a program, not Excel) is empty and
  reported in `notes`;
- a cell merged over several rows is read on each of those rows (HR lists often merge 工号 or 姓名 over a
  person's rows); trailing empty cells are dropped; blank rows are skipped and every row keeps its number.
Only the number format's date-ness is applied: 1.5 formatted to show "2" reads as "1.5".

Reading streams (openpyxl's read-only mode: one row in memory at a time, plus the workbook's table of
distinct texts, which Excel keeps for the whole file). `.xls` (the old binary format), password-protected
workbooks and files that are not workbooks are refused with an `ExcelError` saying what to do.
The rows come from openpyxl's own worksheet parser (`openpyxl.worksheet._reader`, a private module: the
version is pinned in requirements.txt and tests/test_excel.py covers what is used of it), extended to tell
a formula without a result from an empty cell, to read inline text without building rich-text objects,
and to let each row go once read (openpyxl keeps ~100 bytes of every row to the end of the sheet).

mypy: openpyxl ships no type hints; each import says `type: ignore[import-untyped]` and the values that
come from it are `Any`, kept inside this module (its functions take and give plain str, int and bytes).

Writing: text cells (identity numbers, phone numbers, 工号, any str) are stored as text with the text
number format `@`, so Excel never shows 110105199001011234 as 1.10105E+17; text beginning with = + - @
stays text, never a formula; numbers the calculator computed are numbers. Header frozen, columns sized.

openpyxl is imported inside the functions: the rule engine and the person calculator never load it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

from .. import vocabulary
from ..person import CATEGORIES, EMPLOYERS, MODES

Source = bytes | str | os.PathLike[str]

REQUIRED = ("person_id", "date", "category", "hours")  # the batch's required columns, as headers name them
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file container of .xls and of encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # a stream name in an encrypted workbook's directory
MAX_EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number

SAVE_AS_XLSX = "请另存为 .xlsx"
XLS_MESSAGE = (
    f"这是旧版 Excel 文件（.xls），无法读取：{SAVE_AS_XLSX}（在 Excel 或 WPS 中选“另存为”→“Excel 工作簿”）后再试"
)
ENCRYPTED_MESSAGE = (
    "文件设有打开密码（已加密），无法读取：请在 Excel 或 WPS 中打开，取消密码（“文件”→“信息”→“保护工作簿”），"
    "另存为 .xlsx 后再试"
)


class ExcelError(ValueError):
    """The file cannot be read as an Excel workbook; the message (Chinese) says why and what to do."""


class SheetNotChosen(ExcelError):
    """A workbook of several sheets none of which is plainly the staff list: the user is asked which
    (the command line with --sheet, the batch page with a list of the sheets)."""

    def __init__(self, message: str, sheets: Sequence[str]):
        super().__init__(message)
        self.sheets = list(sheets)


@dataclass(frozen=True)
class CellNote:
    """A cell whose text may not be what its writer meant (the row is read; the caller decides)."""

    row: int  # spreadsheet row number, from 1
    column: int  # from 1
    message: str

    @property
    def cell(self) -> str:
        """The cell's name as Excel shows it (C5)."""
        return f"{column_letter(self.column)}{self.row}"

    def __str__(self) -> str:
        return f"第 {self.row} 行 {column_letter(self.column)} 列：{self.message}"


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---- what kind of file --------------------------------------------------------------------------------------


def _head(source: Source, size: int) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with open(source, "rb") as handle:
        return handle.read(size)


def _whole(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    with open(source, "rb") as handle:
        return handle.read()


def refuse_unreadable(source: Source) -> None:
    """Raise ExcelError unless the file starts like an .xlsx (a zip); .xls and encrypted files named."""
    head = _head(source, 8)
    if not head:
        raise ExcelError("文件是空的")
    if head.startswith(OLE_MAGIC):
        # An encrypted .xlsx is an OLE container too; its directory names the EncryptedPackage stream.
        raise ExcelError(ENCRYPTED_MESSAGE if ENCRYPTED_STREAM in _whole(source) else XLS_MESSAGE)
    if not head.startswith(ZIP_MAGIC):
        raise ExcelError("不是 Excel 工作簿（.xlsx）文件，无法读取（若是 CSV 文件，请以 .csv 为扩展名）")


def _zip_problem(archive: Any) -> str | None:
    """What a zip that is not an .xlsx is, from its member names."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return None
    if "xl/workbook.bin" in names:
        return f"这是二进制 Excel 工作簿（.xlsb），无法读取：{SAVE_AS_XLSX} 后再试"
    if "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
        return f"这是 OpenDocument 表格（.ods），无法读取：{SAVE_AS_XLSX} 后再试"
    return "不是 Excel 工作簿（.xlsx）：压缩包里没有工作表"


def _load(source: Source) -> Any:
    """openpyxl's read-only workbook (cached formula results, not formulas)."""
    import zipfile

    from openpyxl import load_workbook  # type: ignore[import-untyped]

    refuse_unreadable(source)
    handle: Any = io.BytesIO(source) if isinstance(source, bytes) else os.fspath(source)
    try:
        with zipfile.ZipFile(handle) as archive:
            problem = _zip_problem(archive)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ExcelError(f"文件已损坏，无法作为 .xlsx 打开（{err}）") from None
    if problem:
        raise ExcelError(problem)
    if isinstance(handle, io.BytesIO):
        handle.seek(0)
    try:
        return load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except Exception as err:  # hostile or damaged XML can fail anywhere inside openpyxl
        raise ExcelError(f"文件已损坏，无法作为 .xlsx 读取（{type(err).__name__}: {err}）") from None


# ---- cells as text ------------------------------------------------------------------------------------------

FORMULA_WITHOUT_RESULT = "公式没有保存计算结果，读作空：请在 Excel 或 WPS 中打开、保存后再试"


def lost_digits_message(text: str) -> str:
    return (
        f"超过 {MAX_EXACT_DIGITS} 位的数字 {text} 存成了数值，Excel 只保留前 {MAX_EXACT_DIGITS} 位，"
        "后面的数字可能已变成 0（如身份证号）：请把这一列设为“文本”格式后重新填写"
    )


def number_text(value: int | float) -> str:
    """A number as Excel's General format shows it, but never in E notation: 16.0 -> 16, 0.1+0.2 -> 0.3."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    return format(Decimal(text), "f") if "e" in text else text


def _is_long_number(value: int | float) -> bool:
    return bool(abs(value) >= 10**MAX_EXACT_DIGITS)


def date_text(value: dt.datetime | dt.date | dt.time | dt.timedelta, kind: str | None) -> str:
    """A date cell's text: YYYY-MM-DD, with the time only where the cell's format shows a time."""
    if isinstance(value, dt.datetime):
        if kind == "date" or value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _parser_class() -> Any:
    """openpyxl's worksheet parser, also marking formulas saved without a result (which it reads as empty)."""
    from openpyxl.utils.cell import coordinate_to_tuple  # type: ignore[import-untyped]
    from openpyxl.worksheet._reader import (  # type: ignore[import-untyped]
        DATA_TAG,
        FORMULA_TAG,
        INLINE_STRING,
        ROW_TAG,
        SHEET_MAIN_NS,
        WorkSheetParser,
    )
    from openpyxl.xml.functions import iterparse  # type: ignore[import-untyped]

    text_tag, run_tag = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
            """The rows only, each let go once read. openpyxl's own loop clears a row but leaves it in the
            tree (about 100 bytes a row, kept to the end); here the rows read are removed from the tree,
            and the parse stops at the end of the rows (merged ranges are found by `_row_merges`)."""
            rows = None
            for event, element in iterparse(self.source, events=("start", "end")):
                if event == "start":
                    if element.tag == DATA_TAG:
                        rows = element
                elif element.tag == ROW_TAG:
                    row = self.parse_row(element)
                    if rows is not None:
                        rows.clear()
                    else:
                        element.clear()
                    yield row
                elif element.tag == DATA_TAG:
                    return

        def parse_cell(self, element: Any) -> dict[str, Any]:
            if element.get("t") == "inlineStr" and element.find(FORMULA_TAG) is None:
                return self._inline_string(element)
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["data_type"] = "f"
            return cell

        def _inline_string(self, element: Any) -> dict[str, Any]:
            """What openpyxl's parse_cell gives for a text cell written inline (as openpyxl itself writes
            text), without building its Text objects: the text and the text of each run, as Text.content."""
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            value = None
            child = element.find(INLINE_STRING)
            if child is not None:
                parts = [child.findtext(text_tag) or ""]
                parts.extend(run.findtext(text_tag) or "" for run in child.iterfind(run_tag))
                value = "".join(parts)
            style = element.get("s", 0)
            return {"row": row, "column": column, "value": value, "data_type": "s", "style_id": int(style)}

    return Parser


# A merged range's reference in the sheet's XML (after its rows: <mergeCells> follows <sheetData>).
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)"')
_END_OF_ROWS = re.compile(rb"</(?:\w+:)?sheetData>")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _row_merges(sheet: Any) -> list[tuple[int, int, int]]:
    """(first row, last row, column) of each range merged over several rows, by first row.

    The sheet's XML is scanned as bytes for the part after its rows, a chunk at a time: cheap next to
    parsing it, and nothing of it is kept."""
    tail = b""
    found: list[tuple[int, int, int]] = []
    with sheet._get_source() as source:
        chunk = source.read(1 << 16)
        while chunk:
            data = tail + chunk
            end = _END_OF_ROWS.search(data)
            if end is not None:
                tail = data[end.end() :] + source.read()
                break
            tail = data[-32:]
            chunk = source.read(1 << 16)
        else:
            return found
    for col1, row1, _col2, row2 in _MERGE_REF.findall(tail):
        first, last = int(row1), int(row2)
        if last > first:
            found.append((first, last, _column_number(col1)))
    found.sort()
    return found


class _Sheet:
    """One worksheet of an open read-only workbook, read row by row as text."""

    def __init__(self, workbook: Any, sheet: Any):
        self.workbook = workbook
        self.sheet = sheet
        self.title: str = sheet.title
        self.date_kinds: dict[int, str | None] = {}

    def _date_kind(self, style_id: int) -> str | None:
        """date, time or datetime: what the cell's number format shows (openpyxl.styles.numbers)."""
        if style_id not in self.date_kinds:
            from openpyxl.cell.read_only import ReadOnlyCell  # type: ignore[import-untyped]
            from openpyxl.styles.numbers import is_datetime  # type: ignore[import-untyped]

            fmt = ReadOnlyCell(self.sheet, 1, 1, None, "n", style_id).number_format
            self.date_kinds[style_id] = is_datetime(fmt)
        return self.date_kinds[style_id]

    def _parsed_rows(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        workbook = self.workbook
        with self.sheet._get_source() as source:
            parser = _parser_class()(
                source,
                self.sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            rows = parser.parse()
            while True:
                try:
                    found = next(rows, None)
                except Exception as err:  # damaged XML inside the sheet
                    raise ExcelError(f"工作表“{self.title}”已损坏，无法读取（{type(err).__name__}: {err}）") from None
                if found is None:
                    return
                yield found

    def _cells(self, row_no: int, parsed: list[dict[str, Any]], notes: list[CellNote]) -> list[str]:
        cells: list[str] = []
        for cell in parsed:
            value = cell["value"]
            kind = type(value)
            if kind is str:
                text = value
            elif value is None:
                if cell["data_type"] == "f":
                    notes.append(CellNote(row_no, cell["column"], FORMULA_WITHOUT_RESULT))
                continue
            elif kind is int or kind is float:
                text = number_text(value)
                if _is_long_number(value):
                    notes.append(CellNote(row_no, cell["column"], lost_digits_message(text)))
            elif kind is bool:
                text = "TRUE" if value else "FALSE"
            elif isinstance(value, dt.date | dt.time | dt.timedelta):
                text = date_text(value, self._date_kind(cell["style_id"]))
            else:
                text = str(value)
            if not text:
                continue
            column = cell["column"]
            if column > len(cells):
                cells.extend([""] * (column - len(cells)))
            cells[column - 1] = text
        return cells

    def rows(self, notes: list[CellNote]) -> Iterator[tuple[int, list[str]]]:
        """(row number, text cells) of every row that is not blank, merged ranges read on each of their rows."""
        merges = _row_merges(self.sheet)
        waiting = 0  # merges[waiting:] start further down
        active: list[tuple[int, int, str]] = []  # (last row, column, text) of the merges over the rows being read
        previous = 0  # the last row the file has
        for row_no, parsed in self._parsed_rows():
            cells = self._cells(row_no, parsed, notes)
            if active:
                # Rows inside a merged range that the file leaves out (every cell of them empty) are read too.
                yield from _merged_only(active, previous + 1, row_no)
                active = [merge for merge in active if merge[0] >= row_no]
                _fill(cells, row_no, active)
            while waiting < len(merges) and merges[waiting][0] <= row_no:
                first, last, column = merges[waiting]
                waiting += 1
                if first == row_no and column <= len(cells) and cells[column - 1]:
                    active.append((last, column, cells[column - 1]))
            previous = row_no
            if cells:
                yield row_no, cells
        yield from _merged_only(active, previous + 1, max((merge[0] for merge in active), default=0) + 1)


def _merged_only(active: list[tuple[int, int, str]], first: int, end: int) -> Iterator[tuple[int, list[str]]]:
    """Rows first .. end-1, which the file leaves out, as the merged ranges over them show them."""
    end = min(end, max((merge[0] for merge in active), default=0) + 1)
    for row_no in range(first, end):
        cells: list[str] = []
        _fill(cells, row_no, active)
        if cells:
            yield row_no, cells


def _fill(cells: list[str], row_no: int, active: list[tuple[int, int, str]]) -> None:
    """Each merged range over row `row_no` shows its text in its first column."""
    for last, column, text in active:
        if last >= row_no:
            if column > len(cells):
                cells.extend([""] * (column - len(cells)))
            if not cells[column - 1]:
                cells[column - 1] = text


# ---- reading: the workbook and its sheet --------------------------------------------------------------------


def _has_headers(cells: Sequence[str]) -> bool:
    named = {vocabulary.column_for(cell) for cell in cells}
    return all(column in named for column in REQUIRED)


def _first_row(sheet: _Sheet) -> list[str]:
    for _row_no, cells in sheet.rows([]):
        return cells
    return []


def _no_sheet_message(described: list[str]) -> str:
    wanted = "、".join(vocabulary.chinese_header(column) for column in REQUIRED)
    return f"工作簿里没有一张工作表的第一行（表头）有 {wanted} 这几列；各工作表的第一行：" + "；".join(described)


def _describe(sheet: _Sheet, cells: list[str]) -> str:
    hidden = "（隐藏）" if sheet.sheet.sheet_state != "visible" else ""
    shown = "、".join(cell for cell in cells[:8] if cell) or "空"
    return f"“{sheet.title}”{hidden}：{shown}{'…' if len(cells) > 8 else ''}"


class XlsxRows:
    """The rows of one worksheet of an .xlsx file as text, read as they are iterated (once).

    `sheet` names the worksheet to read; without it, a workbook of one worksheet gives that one, and a
    workbook of several gives the first visible one whose first row that is not blank has the batch's
    headers (人员编号/工号, 日期, 类别, 学时), else an ExcelError that lists every sheet's first row.
    Iterating gives (row number, text cells) for each row that is not blank; `notes` collects, as rows
    are read, the cells whose text may not be what was meant (numbers longer than 15 digits, formulas
    without a saved result). The file is closed when the rows are all read, or by `close()`.
    """

    def __init__(self, source: Source, sheet: str | None = None):
        self._workbook = _load(source)
        try:
            sheets = [_Sheet(self._workbook, ws) for ws in self._workbook.worksheets]
            self.sheets: list[str] = [s.title for s in sheets]
            self._sheet = self._choose(sheets, sheet)
        except BaseException:
            self.close()
            raise
        self.sheet: str = self._sheet.title
        self.notes: list[CellNote] = []

    @property
    def total_rows(self) -> int:
        """The sheet's last row as its stated size (<dimension>) gives it, 0 when the file does not say:
        what the rows read are counted against for a progress bar."""
        return int(self._sheet.sheet.max_row or 0)

    @staticmethod
    def _choose(sheets: list[_Sheet], name: str | None) -> _Sheet:
        if not sheets:
            raise ExcelError("工作簿里没有工作表")
        if name is not None:
            for sheet in sheets:
                if sheet.title == name:
                    return sheet
            raise SheetNotChosen(
                f"没有名为“{name}”的工作表；工作表有：" + "、".join(f"“{s.title}”" for s in sheets),
                [s.title for s in sheets],
            )
        if len(sheets) == 1:
            return sheets[0]
        described = []
        for sheet in sheets:
            cells = _first_row(sheet)
            if sheet.sheet.sheet_state == "visible" and _has_headers(cells):
                return sheet
            described.append(_describe(sheet, cells))
        raise SheetNotChosen(_no_sheet_message(described), [s.title for s in sheets])

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        try:
            yield from self._sheet.rows(self.notes)
        finally:
            self.close()

    def text_rows(self) -> Iterator[list[str]]:
        """The rows from row 1 on, blank ones as [], so that the n-th is row n (as a CSV reader gives them)."""
        expected = 1
        for row_no, cells in self:
            for _ in range(expected, row_no):
                yield []
            yield cells
            expected = row_no + 1

    def close(self) -> None:
        self._workbook.close()

    def __enter__(self) -> XlsxRows:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def read_xlsx(source: Source, sheet: str | None = None) -> XlsxRows:
    """The text rows of the worksheet to check (see XlsxRows); ExcelError when the file cannot be read."""
    return XlsxRows(source, sheet)


def sheet_names(source: Source) -> list[str]:
    """The workbook's worksheets, in order."""
    workbook = _load(source)
    try:
        return [ws.title for ws in workbook.worksheets]
    finally:
        workbook.close()


# ---- writing ------------------------------------------------------------------------------------------------

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
# Characters a workbook cannot hold (XML 1.0 forbids them): shown as their visible "control picture" (␁).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
WIDTH_SAMPLE = 200  # rows looked at to size the columns
MAX_WIDTH = 60


def storable(text: str) -> str:
    """The text as a workbook can store it: control characters (other than tab and line breaks) as ␁…."""
    return _CONTROL.sub(lambda found: chr(0x2400 + ord(found.group())), text) if _CONTROL.search(text) else text


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: Chinese and other wide characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max((display_width(line) for line in value.split("\n")), default=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return len(number_text(value))
    return 10


def column_widths(header: Sequence[str], sample: Sequence[Sequence[object]]) -> list[float]:
    """A width for each column: its widest cell among the header and the sample rows, within limits."""
    count = max([len(header), *map(len, sample)])
    widths = []
    for i in range(count):
        cells = [header[i] if i < len(header) else None, *(row[i] if i < len(row) else None for row in sample)]
        widths.append(float(min(MAX_WIDTH, max(6, max(map(_cell_width, cells)) + 2))))
    return widths


class _RowCells:
    """Turns each appended row into cells for openpyxl's write-only sheet: text as text (type s, format @,
    never a formula or an error value), int and float as numbers, dates as dates.

    It replaces the sheet's own conversion (`_values_to_row`), which would make "=…" a formula and which
    builds a cell, or raises and catches an error, for every value: one cell of each kind is reused here,
    as openpyxl writes each cell before it asks for the next."""

    def __init__(self, sheet: Any):
        from openpyxl.cell.cell import Cell  # type: ignore[import-untyped]
        from openpyxl.styles import Font  # type: ignore[import-untyped]

        self.text = Cell(sheet, 1, 1)
        self.text.number_format = TEXT_FORMAT
        self.text.data_type = "s"
        self.header = Cell(sheet, 1, 1)
        self.header.number_format = TEXT_FORMAT
        self.header.font = Font(bold=True)
        self.header.data_type = "s"
        self.number = Cell(sheet, 1, 1)
        self.boolean = Cell(sheet, 1, 1, value=True)
        self.date = Cell(sheet, 1, 1)
        self.date.number_format = DATE_FORMAT

    def __call__(self, values: Sequence[object], row_no: int) -> Iterator[Any]:
        text_cell = self.header if row_no == 1 else self.text
        for column, value in enumerate(values, 1):
            kind = type(value)
            if kind is str:
                cell = text_cell
                cell._value = storable(value)  # type: ignore[arg-type]
            elif kind is int or kind is float:
                cell = self.number
                cell._value = value
            elif value is None:
                continue
            elif kind is bool:
                cell = self.boolean
                cell._value = value
            elif isinstance(value, dt.date | dt.time):
                cell = self.date
                cell.value = value
            elif isinstance(value, int | float | Decimal):
                cell = self.number
                cell._value = float(value) if isinstance(value, Decimal) else value
            else:
                cell = text_cell
                cell._value = storable(str(value))
            cell.column = column
            cell.row = row_no
            yield cell


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], title: str = "核对结果") -> bytes:
    """An .xlsx of one sheet: the header (bold, frozen) and the rows.

    str cells are text (an identity number stays its 18 digits; "=1+1" stays those characters), int and
    float cells are numbers, dates are dates, None is an empty cell. Streams: rows are written as they come.
    """
    from itertools import chain, islice

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title)
    rows_in = rows
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    for i, width in enumerate(column_widths(header, sample), start=1):
        sheet.column_dimensions[column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    if isinstance(rows_in, Sized):
        # The sheet's size, which openpyxl's write-only sheet leaves out: without it a reader in read-only
        # mode (openpyxl's) parses the whole sheet once more just to learn it.
        width = max([len(header), *map(len, rows_in)])
        ref = f"A1:{column_letter(max(width, 1))}{len(rows_in) + 1}"
        sheet.calculate_dimension = lambda: ref
    sheet._values_to_row = _RowCells(sheet)
    sheet.append([str(h) for h in header])
    append = sheet.append
    for row in chain(sample, rows):
        append(row if isinstance(row, list | tuple) else list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- the empty template -------------------------------------------------------------------------------------

# Every column the batch reads, in the template's order: the required ones first, as an HR list has them.
TEMPLATE_COLUMNS = (
    "person_id",
    "name",
    "policy",
    "employer",
    "date",
    "category",
    "hours",
    "mode",
    "days",
    "required_course",
    "title",
    "abroad_months",
    "sick_leave_months",
    "maternity_months",
    "approved_leave_months",
    "full_year_service",
    "cadre_academy_hours",
)
# What each column is for, in the HR clerk's words (the accepted values come from the vocabulary).
COLUMN_NOTES = {
    "person_id": (
        "每人一个编号（工号、人员编号或身份证号），同一人的每一行填同一个编号；"
        "按文本保存，开头的 0 和 18 位身份证号都不会变"
    ),
    "name": "姓名，只用于在结果中显示",
    "policy": "适用的政策（地区和年度）；同一人填在任意一行即可",
    "employer": "单位类型；同一人填在任意一行即可",
    "date": "学习（或培训、活动）的日期",
    "category": "学时的类别",
    "hours": "这条记录的学时数",
    "mode": "学习方式",
    "days": "面授培训的天数（政策按天限定学时时使用）",
    "required_course": "是否为必修课",
    "title": "课程或项目名称，只用于显示",
    "abroad_months": "因境外工作不能参加学习的月数；只在政策有相应规定时起作用",
    "sick_leave_months": "病假月数；只在政策有相应规定时起作用",
    "maternity_months": "生育（产假）月数；只在政策有相应规定时起作用",
    "approved_leave_months": "经批准的其他情况的月数；只在政策有相应规定时起作用",
    "full_year_service": "是否服务（如援派）满一年；只在政策有相应规定时起作用",
    "cadre_academy_hours": "在干部网络学院取得的学时；只在政策允许抵扣时起作用",
}
EXAMPLE = {
    "person_id": "0001",
    "name": "张三",
    "policy": "luoyang/2023",
    "employer": EMPLOYERS["public_institution"],
    "date": "2023-05-10",
    "category": CATEGORIES["public"],
    "hours": 6,
    "mode": MODES["online"],
    "days": None,
    "required_course": "是",
    "title": "数字技术",
}
NUMBER_COLUMNS = {"hours", "days", "cadre_academy_hours", *(c for c in TEMPLATE_COLUMNS if c.endswith("_months"))}
BOOL_COLUMNS = ("required_course", "full_year_service")


def _synonyms(table: dict[str, str], canonical: dict[str, str]) -> str:
    """`公需科目（也可写 公需、公需课、public）；…` from a vocabulary table (text -> value)."""
    parts = []
    for key, shown in canonical.items():
        others = [text for text, value in table.items() if value == key and text != shown]
        parts.append(f"{shown}（也可写 {'、'.join(others)}）" if others else shown)
    return "；".join(parts)


def accepted_values(column: str, policies: Sequence[tuple[str, str]] = ()) -> str:
    """What a cell of the column may hold, from calculator.vocabulary (so the template never drifts)."""
    if column == "category":
        return _synonyms(vocabulary.CATEGORY_TEXT, CATEGORIES)
    if column == "mode":
        blank = MODES[vocabulary.mode_cell("", column)]
        return _synonyms(vocabulary.MODE_TEXT, MODES) + f"；留空为{blank}"
    if column == "employer":
        return _synonyms(vocabulary.EMPLOYER_TEXT, EMPLOYERS)
    if column in BOOL_COLUMNS:

        def order(text: str) -> tuple[bool, bool, str]:  # 是 and 否 first, then other Chinese, then ASCII
            return text not in ("是", "否"), text.isascii(), text

        yes = "、".join(sorted(vocabulary.TRUE_TEXT, key=order))
        no = "、".join(sorted(vocabulary.FALSE_TEXT - {""}, key=order))
        return f"是：{yes}；否：{no}；留空为否"
    if column == "date":
        return vocabulary._DATE_FORMS
    if column == "policy":
        if policies:
            return "；".join(f"{pid}（{name}）" for pid, name in policies)
        return f"政策编号，如 {EXAMPLE['policy']}"
    if column == "hours":
        return f"数字，最多两位小数，可带单位“{'、'.join(vocabulary.HOUR_UNITS)}”，如 6、1.5、16学时"
    if column == "days":
        return f"数字，可带单位“{'、'.join(vocabulary.DAY_UNITS)}”；留空为 1 天"
    if column == "cadre_academy_hours":
        return f"数字，可带单位“{'、'.join(vocabulary.HOUR_UNITS)}”；留空为 0"
    if column.endswith("_months"):
        return f"数字，可带单位“{'、'.join(vocabulary.MONTH_UNITS)}”；留空为 0"
    return "任意文字"


def template_header() -> list[str]:
    return [vocabulary.chinese_header(column) for column in TEMPLATE_COLUMNS]


def template_example() -> list[object]:
    return [EXAMPLE.get(column) for column in TEMPLATE_COLUMNS]


def template_notes_rows(policies: Sequence[tuple[str, str]] = ()) -> list[list[str]]:
    """One row per column: header, required or not, what it is, accepted values, other header names."""
    rows = []
    for column in TEMPLATE_COLUMNS:
        header = vocabulary.chinese_header(column)
        others = [name for name in vocabulary.COLUMN_NAMES[column] if name != header]
        rows.append(
            [
                header,
                "必填" if column in REQUIRED else "选填",
                COLUMN_NOTES[column],
                accepted_values(column, policies),
                "、".join([*others, column] if column not in others else others),
            ]
        )
    return rows


NOTES_HEADER = ["列名", "是否必填", "说明", "可填写的内容", "也可用的列名"]


def template_xlsx(policies: Sequence[tuple[str, str]] = ()) -> bytes:
    """The empty staff-list template: sheet 学时记录 (headers, one example row; text columns formatted as
    text, so typed 身份证号 keep their 18 digits) and sheet 说明 (each column and its accepted values).
    `policies`: (id, name) pairs to list as the 政策 column's values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    sheet.title = "学时记录"
    header = template_header()
    example = template_example()
    bold = Font(bold=True)
    for i, (column, title, value) in enumerate(zip(TEMPLATE_COLUMNS, header, example, strict=True), start=1):
        letter = column_letter(i)
        head = sheet.cell(row=1, column=i, value=title)
        head.font = bold
        head.number_format = TEXT_FORMAT
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(10, display_width(title) + 4)
        if column == "date":
            dimension.number_format = DATE_FORMAT
            cell = sheet.cell(row=2, column=i, value=dt.date.fromisoformat(str(value)))
            cell.number_format = DATE_FORMAT
            dimension.width = 12
        elif column in NUMBER_COLUMNS:
            sheet.cell(row=2, column=i, value=value)
        else:
            dimension.number_format = TEXT_FORMAT  # what is typed in the column stays text
            cell = sheet.cell(row=2, column=i)
            if value is not None:
                cell.value = str(value)
                cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
            if column == "person_id":
                dimension.width = 20
    for column, choices in (
        ("category", CATEGORIES),
        ("mode", MODES),
        ("employer", EMPLOYERS),
        ("required_course", {"yes": "是", "no": "否"}),
        ("full_year_service", {"yes": "是", "no": "否"}),
    ):
        # A drop-down of the usual values; other accepted spellings may still be typed (no error box).
        letter = column_letter(TEMPLATE_COLUMNS.index(column) + 1)
        listed = DataValidation(type="list", formula1='"' + ",".join(choices.values()) + '"', showErrorMessage=False)
        listed.add(f"{letter}2:{letter}10000")
        sheet.add_data_validation(listed)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("说明")
    notes.append(NOTES_HEADER)
    for cell in notes[1]:
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in template_notes_rows(policies):
        notes.append(row)
        for cell in notes[notes.max_row]:
            cell.alignment = wrap
            cell.data_type = "s"
    for letter, width in zip("ABCDE", (16, 10, 44, 44, 28), strict=True):
        notes.column_dimensions[letter].width = width
    notes.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    """The same template as CSV: UTF-8 with a BOM (Excel in China shows Chinese right only with it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_header())
    writer.writerow(["" if value is None else value for value in template_example()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_notes(policies: Sequence[tuple[str, str]] = ()) -> str:
    """The columns' notes as short text, for the page beside the CSV template."""
    lines = []
    for header, required, note, values, others in template_notes_rows(policies):
        lines.append(f"{header}（{required}）：{note}。可填：{values}。也可用列名：{others}")
    return "\n".join(lines) + "\n"
