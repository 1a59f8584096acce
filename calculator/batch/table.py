"""The batch as the office's table: its file in (CSV or .xlsx), one result row per person out (CSV or .xlsx),
with the office's own columns carried through so that the results join back to its list.

    rows_of(data, name)      the rows of a CSV or .xlsx file's bytes (ExcelError / CsvError when unreadable)
    open_rows(data, name)    the same, with the rows' number as far as known and a workbook's sheets
    OfficeRows(rows)         the rows passed on to the check, remembering each person's own columns and
                             making a 政策 cell of a 城市/地区 and a 年度 column
    results(result, office)  the header and the result rows, the office's columns after 人员编号 and 姓名

The office's own columns are the header cells the check does not read (部门, 备注, 身份证号 when 工号 is
the id, …), in the file's order, unchanged. A person has one result row, so each such column holds one
value per person: the first of the person's rows, in file order, whose cell in that column is not empty
(empty when none is). Rows of one person that differ in such a column are not reported: the check does
not read those columns. A person's own columns are kept for every person until the results are written.

Standard library only (the browser runs it too); .xlsx goes through calculator.batch.excel (openpyxl).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, NamedTuple

from .. import vocabulary
from . import csv_io
from .check import CSV_HEADER, BatchResult, ResultRows
from .people import BatchError, column_index

XLSX_NAMES = (".xlsx", ".xlsm")
NUMBER_HEADERS = frozenset(
    h
    for h in CSV_HEADER
    if h.startswith(("应完成", "已计入", "尚差", "计划完成后尚差")) or h in ("剩余天数", "计划记录条数")
)
POLICY_HEADER = vocabulary.chinese_header("policy")


def is_workbook(data: bytes, name: str = "") -> bool:
    """Whether the file is read as a workbook: named .xlsx, or starting as a zip or an old .xls does (an
    .xls is then refused by calculator.batch.excel with 请另存为 .xlsx, not read as garbled text)."""
    from .excel import OLE_MAGIC, ZIP_MAGIC

    return name.lower().endswith((*XLSX_NAMES, ".xls")) or data.startswith((ZIP_MAGIC, OLE_MAGIC))


class OfficeRows:
    """The rows of a file, passed on as they are read, but for a 政策 cell made of a 城市/地区 and a 年度
    cell when the file has those columns (the row's 政策 cell, when given, wins). Remembers each person's
    own columns (see the module's docstring): `header` names them, `of(person_id)` gives their cells.

    With `keep=False` the rows are only passed on (with their 政策 cell): the caller keeps the cells of the
    rows it chooses with `keep(rows)` and lets them go with `forget()` (calculator.batch.spill, a part of
    the file at a time, so that its memory stays flat)."""

    def __init__(self, rows: Iterable[list[str]], keep: bool = True):
        self._rows = rows
        self._keeping = keep
        self.header: list[str] = []
        self._at: list[int] = []
        self._values: dict[str, list[str]] = {}
        self._id_at = -1
        self._notice: tuple[int, int, int | None] | None = None  # region, year, policy column

    @property
    def problems(self) -> Any:  # what csv_io.Rows refused, as read_people asks for it
        return getattr(self._rows, "problems", [])

    @property
    def notices(self) -> Any:
        return getattr(self._rows, "notices", [])

    def __iter__(self) -> Iterator[list[str]]:
        rows = iter(self._rows)
        for header in rows:
            if not any(cell.strip() for cell in header):
                yield header
                continue
            yield self._header(header)
            break
        else:
            return
        notice = self._notice
        if not self._at and notice is None:
            yield from rows
            return
        keeping = bool(self._at) and self._keeping
        for row in rows:
            if notice is not None:
                row = self._with_notice(row, notice)
            if keeping:
                self._keep(row)
            yield row

    @property
    def carries(self) -> bool:
        """Whether the results are more than the check's own: columns of the office's own, or a 政策 cell
        made of a 城市 and a 年度 column (known once the header is read)."""
        return bool(self._at) or self._notice is not None

    def keep(self, rows: Iterable[list[str]]) -> None:
        """Keep the office's cells of these rows (as passed on), as iterating does with keep=True."""
        if self._at:
            for row in rows:
                self._keep(row)

    def forget(self) -> None:
        """Let go of every person's cells kept so far."""
        self._values = {}

    def _header(self, header: list[str]) -> list[str]:
        try:
            columns, _ = column_index(header)
        except BatchError:
            return header  # the check says what is wrong with it
        self._id_at = columns["person_id"]
        region = year = None
        for i, cell in enumerate(header):
            kind = vocabulary.notice_column(cell)
            if kind == "region" and region is None:
                region = i
            elif kind == "year" and year is None:
                year = i
        used = set(columns.values())
        if region is not None and year is not None:
            used |= {region, year}
            policy = columns.get("policy")
            self._notice = (region, year, policy)
            if policy is None:
                header = [*header, POLICY_HEADER]
        self._at = [i for i, cell in enumerate(header) if i not in used and cell.strip() and i < len(header)]
        if self._notice is not None and self._notice[2] is None:
            self._at = [i for i in self._at if i != len(header) - 1]
        self.header = [header[i].strip() for i in self._at]
        return header

    @staticmethod
    def _with_notice(row: list[str], notice: tuple[int, int, int | None]) -> list[str]:
        region_at, year_at, policy_at = notice
        region = row[region_at].strip() if region_at < len(row) else ""
        year = row[year_at].strip() if year_at < len(row) else ""
        named = f"{region} {year}".strip()
        if policy_at is None:
            return [*row, named] if named else row
        if named and (policy_at >= len(row) or not row[policy_at].strip()):
            row = row + [""] * (policy_at + 1 - len(row)) if policy_at >= len(row) else list(row)
            row[policy_at] = named
        return row

    def _keep(self, row: list[str]) -> None:
        if self._id_at >= len(row):
            return
        person_id = row[self._id_at].strip()
        if not person_id:
            return
        kept = self._values.get(person_id)
        if kept is None:
            self._values[person_id] = [row[i] if i < len(row) else "" for i in self._at]
        elif "" in kept:  # a cell the person's earlier rows left empty: the first row that has it
            for n, i in enumerate(self._at):
                if not kept[n] and i < len(row):
                    kept[n] = row[i]

    def of(self, person_id: str) -> list[str]:
        return self._values.get(person_id) or [""] * len(self._at)


class FileRows(NamedTuple):
    """A staff list opened: its rows (the header first, the n-th being spreadsheet row n); the notices
    about the file (its encoding, .xlsx cells whose digits Excel lost), filled as rows are read; about how
    many rows it has (lines of a CSV, the sheet's stated size of an .xlsx; 0 when unknown); and, for a
    workbook, its sheets and the one read."""

    rows: Iterable[list[str]]
    notices: list[str]
    total: int
    sheets: list[str]
    sheet: str | None


def open_rows(data: bytes, name: str = "", sheet: str | None = None) -> FileRows:
    """The rows of a staff list's bytes (ExcelError / CsvError when unreadable; excel.SheetNotChosen
    when a workbook's sheet must be asked for)."""
    if is_workbook(data, name):
        from .excel import read_xlsx

        book = read_xlsx(data, sheet)
        notices: list[str] = []

        def rows() -> Iterator[list[str]]:
            yield from book.text_rows()
            notices.extend(str(note) for note in book.notes)

        return FileRows(rows(), notices, book.total_rows, book.sheets, book.sheet)
    refusal = csv_io.not_csv(data[:4096])
    if refusal is not None:
        raise csv_io.CsvError(refusal)
    decoded = csv_io.decode_lines(data)
    return FileRows(csv_io.Rows.of_text(decoded.text, decoded), decoded.notices, data.count(b"\n") or 1, [], None)


def rows_of(data: bytes, name: str = "", sheet: str | None = None) -> tuple[Iterable[list[str]], list[str]]:
    """The rows and the notices of open_rows."""
    opened = open_rows(data, name, sheet)
    return opened.rows, opened.notices


def result_header(office: OfficeRows | None) -> list[str]:
    return header_with(office.header if office is not None else [])


def header_with(carried: Sequence[str]) -> list[str]:
    """The results' header with these columns of the office's own, after 人员编号 and 姓名."""
    return [*CSV_HEADER[:2], *carried, *CSV_HEADER[2:]]


def result_rows(result: BatchResult, office: OfficeRows | None) -> Iterator[list[str]]:
    """Each person's result row as CSV text cells (formula-safe), the office's columns after 姓名."""
    if office is None or not office.header:
        yield from ResultRows(result)
        return
    safe = csv_io.safe_text
    for person, row in zip(result.people, ResultRows(result), strict=True):
        yield [*row[:2], *map(safe, office.of(person.person_id)), *row[2:]]


def csv_lines(result: BatchResult, office: OfficeRows | None) -> Iterator[str]:
    if office is None or not office.header:
        return ResultRows(result).lines()
    return map(csv_io.line, result_rows(result, office))


def xlsx_cells(header: Sequence[str], row: Sequence[str]) -> list[object]:
    """A result row as .xlsx cells: the hours and days as numbers, every other cell text exactly as read
    (an .xlsx text cell never runs as a formula, so the CSV's leading apostrophe is not needed)."""
    cells: list[object] = []
    for title, text in zip(header, row, strict=True):
        if title in NUMBER_HEADERS and text:
            number = float(text)
            cells.append(int(number) if number.is_integer() else number)
        elif text.startswith("'") and text[1:].startswith(csv_io.FORMULA_START):
            cells.append(text[1:])
        else:
            cells.append(text)
    return cells


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    from .excel import write_xlsx

    return write_xlsx(header, [xlsx_cells(header, row) for row in rows])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The results as CSV text with a BOM, as the command line writes them."""
    return "".join(chain(("\ufeff", csv_io.line([csv_io.safe_cell(h) for h in header])), map(csv_io.line, rows)))


def header_office(header: list[str]) -> OfficeRows:
    """The OfficeRows of a file with this header, the header read: what its results carry (`header`)."""
    office = OfficeRows([header])
    for _ in office:
        pass
    return office


def plain(header: list[str]) -> bool:
    """Whether a file with this header has no columns of the office's own and no 城市/年度 columns: its
    results are the check's alone (and the command line may cut it between processes)."""
    return not header_office(header).carries
