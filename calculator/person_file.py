"""CSV files of one person's records, for the browser form: read (`import_records`) and written (`export_records`).

`import_records(data, name)` reads a file's bytes into records for the form (cells as the form holds them),
accounting for every row: each is imported, or reported by its spreadsheet row number (a line with an unclosed
quote is read as it stands and named, not allowed to swallow the rows after it). What a header or a cell means
is calculator.vocabulary's to say, as for the batch. A workbook, a file that is not text, a list of several
people or more records than one person has are refused as a whole, with a message that says so.
`export_records(records)` writes the form's records as CSV that `import_records` reads back to exactly the same
records. Imported only when a file is chosen or exported (csv and io stay off the way to the first result).
Standard library only (it runs in Pyodide).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import vocabulary
from .batch import csv_io
from .person import FieldError
from .person_input import RECORD_COLUMNS, is_empty_record
from .units import show

MAX_RECORDS = 500  # a person's year has a few dozen records; thousands are a staff list or the wrong file
MAX_BYTES = 5 * 1024 * 1024
BATCH_HINT = "多人或大量记录的核对请用单位人事部门的批量核对功能"

FormRecord = dict[str, Any]  # the form's record: date, hours, days, title as text; choices as ids


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


# ---- export ------------------------------------------------------------------------------------------------

# A cell that starts with one of these gets an apostrophe on export (a spreadsheet would run it as a formula,
# or, for the apostrophe itself, drop it); the import takes exactly that apostrophe off again.
_GUARDED = (*csv_io.FORMULA_START, "'")


def export_records(records: Sequence[Mapping[str, Any]]) -> str:
    """The form's records as CSV text (BOM, CRLF, the contract's column names), empty rows left out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RECORD_COLUMNS)
    for record in records:
        if not isinstance(record, Mapping) or is_empty_record(record):
            continue
        cells = []
        for key in RECORD_COLUMNS:
            value = record.get(key)
            if key == "required_course":
                cells.append("true" if value is True else "false")
                continue
            text = _text(value)
            guard = text.startswith(_GUARDED) and (key == "title" or not _plain_number(text))
            cells.append("'" + text if guard else text)
        writer.writerow(cells)
    return "\ufeff" + out.getvalue()


def _plain_number(text: str) -> bool:
    """-3 and -1.5 typed as hours are numbers a spreadsheet shows as they are (the form names them)."""
    body = text[1:] if text.startswith(("-", "+")) else text
    return body.replace(".", "", 1).isdigit()


def _unguarded(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_GUARDED) else text


# ---- import ------------------------------------------------------------------------------------------------


class ImportRefused(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class Imported:
    records: list[FormRecord]
    problems: list[str]  # one line each, naming the row and column
    rows: int = 0  # rows read after the header, blank ones included
    blank: int = 0
    left_out: int = 0

    def summary(self) -> str:
        text = f"已导入 {len(self.records)} 条记录"
        extra = []
        if self.left_out:
            extra.append(f"{self.left_out} 行未导入")
        if self.blank:
            extra.append(f"{self.blank} 行空行")
        if extra:
            text += f"（共读到 {self.rows} 行：" + "，".join(extra) + "）"
        return text + "。"

    def as_json(self) -> dict[str, Any]:
        return {"ok": True, "records": self.records, "problems": self.problems, "summary": self.summary()}


_WORKBOOK_NAMES = {
    ".xlsx": "Excel 工作簿",
    ".xlsm": "Excel 工作簿",
    ".xls": "Excel 工作簿",
    ".et": "WPS 表格",
    ".ods": "电子表格",
    ".numbers": "Numbers 表格",
}
_SAVE_AS = "请在 Excel 或 WPS 中打开它，“另存为”CSV（逗号分隔）文件后再导入"


def _printable(text: str, limit: int = 60) -> str:
    """Text safe for the status line: no control characters, not too long."""
    clean = "".join(c if c.isprintable() else "�" for c in text)
    return clean if len(clean) <= limit else clean[:limit] + "…"


_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\r\n")


def _binary(head: bytes) -> bool:
    """Bytes no text file has: a NUL, or many control bytes (in UTF-8 and GBK they are never part of a
    character). A UTF-16 file starts with its BOM and is not looked at here."""
    return b"\x00" in head or len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // 10


def file_text(data: bytes, name: str) -> csv_io.Decoded:
    """The text of a CSV file (as the batch check decodes it: lines in another encoding are listed, not
    garbled), or ImportRefused for a workbook or a file that is not text."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        kind = "Excel 工作簿" if data.startswith(b"PK") else "旧版 Excel 工作簿（.xls）"
        raise ImportRefused(f"这是{kind}，不是 CSV 文件：{_SAVE_AS}。")
    if suffix in _WORKBOOK_NAMES:
        raise ImportRefused(f"文件名是 {suffix}（{_WORKBOOK_NAMES[suffix]}），本页只读 CSV 文件：{_SAVE_AS}。")
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"文件有 {len(data) // 1024 // 1024} MB，远大于一个人的学习记录；{BATCH_HINT}。")
    if not data.strip():
        raise ImportRefused("文件是空的。")
    wide = data.startswith((b"\xff\xfe", b"\xfe\xff")) or csv_io.utf16_without_bom(data) is not None
    if not wide and _binary(data[:4096]):
        raise ImportRefused(f"这不是文本格式的 CSV 文件（含有二进制内容）：{_SAVE_AS}。")
    try:
        decoded = csv_io.decode_lines(data)
    except csv_io.CsvError as err:
        raise ImportRefused(f"无法读取这个文件：{err}。请另存为 UTF-8 或 GBK 编码的 CSV 文件。") from None
    if "\x00" in decoded.text:
        raise ImportRefused(f"这不是文本格式的 CSV 文件（含有空字符）：{_SAVE_AS}。")
    return decoded


def import_records(data: bytes, name: str = "") -> Imported:
    """The records of a CSV file for the form; ImportRefused when the file as a whole cannot be used."""
    decoded = file_text(data, name)
    # Every row with its spreadsheet row number; a row that cannot be read (a broken quote that would
    # swallow the rows after it, a line in another encoding) comes out refused, with why: the batch's reader.
    rows = csv_io.numbered_rows(decoded.text, decoded)
    header_row = next(rows, None)
    if header_row is None:
        raise ImportRefused("文件是空的。")
    if header_row.problem:
        raise ImportRefused(f"第 {header_row.number} 行（表头）无法读取：{header_row.problem}")
    header = header_row.cells
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        column = vocabulary.column_for(cell)
        if column is None or column in columns:
            if cell.strip():
                ignored.append(_printable(cell.strip(), 40))
            continue
        columns[column] = i
    if "date" not in columns or "hours" not in columns:
        shown = "，".join(_printable(c.strip(), 20) for c in header if c.strip())
        raise ImportRefused(
            f"第 1 行应为表头，至少含“日期”（date）和“学时”（hours）两列；读到的是：{_printable(shown, 80)}"
        )
    body = list(rows)
    refused = [(n, p) for n, _, p in body if p]
    filled = [(n, cells) for n, cells, p in body if not p and any(c.strip() for c in cells)]
    _refuse_staff_list(filled, columns, header)
    if len(filled) > MAX_RECORDS:
        raise ImportRefused(
            f"文件有 {len(filled)} 行记录，一个人一年的学习记录通常只有几十条，"
            f"本页最多导入 {MAX_RECORDS} 条；{BATCH_HINT}。"
        )
    if not filled and not refused:
        raise ImportRefused("文件只有表头，没有学习记录。")
    imported = Imported(records=[], problems=[], rows=len(body), blank=len(body) - len(filled) - len(refused))
    imported.problems.extend(decoded.notices)
    for row_no, problem in refused:
        imported.left_out += 1
        imported.problems.append(f"第 {row_no} 行未导入：{problem}")
    person_columns = [c for c in columns if c not in RECORD_COLUMNS and c not in ("person_id", "name")]
    if person_columns:
        names = "，".join(header[columns[c]].strip() for c in person_columns)
        imported.problems.append(f"只导入学习记录；{names} 列请在表单上方填写")
    if ignored:
        imported.problems.append("忽略了不认识的列：" + "，".join(ignored))
    for row_no, cells in filled:
        record, row_problems = _record(cells, columns, header)
        if record is None:
            imported.left_out += 1
            imported.problems.append(f"第 {row_no} 行未导入：" + "；".join(row_problems))
        else:
            imported.records.append(record)
            if row_problems:
                imported.problems.append(f"第 {row_no} 行（已导入，请在表单中改正）：" + "；".join(row_problems))
    return imported


def _refuse_staff_list(rows: list[tuple[int, list[str]]], columns: dict[str, int], header: list[str]) -> None:
    for column, what in (("person_id", "人员编号"), ("name", "姓名")):
        if column not in columns:
            continue
        i = columns[column]
        seen = {cells[i].strip() for _, cells in rows if i < len(cells) and cells[i].strip()}
        if len(seen) > 1:
            label = _printable(header[i].strip(), 20) or what
            raise ImportRefused(
                f"这是多人的名单（“{label}”列有 {len(seen)} 个不同的值）。本页只核对一个人的学习记录，"
                f"不会把几个人的记录合在一起；整份名单请交给单位人事部门用批量核对功能核对。"
            )


def _record(cells: list[str], columns: dict[str, int], header: list[str]) -> tuple[FormRecord | None, list[str]]:
    """A row as the form's record, and what is wrong with it. Readable cells are given in their canonical
    form; a date, hours or days that cannot be read is kept as written (the form names it by its field);
    a category, mode or 必修 that cannot be read leaves the row out (the form's choices cannot hold it)."""

    def cell(column: str) -> str:
        i = columns.get(column)
        return _unguarded(cells[i]) if i is not None and i < len(cells) else ""

    def label(column: str) -> str:
        return _printable(header[columns[column]].strip(), 20) if column in columns else column

    problems: list[str] = []

    def read(column: str, check: Any, text: str) -> Any:
        try:
            return check(text, label(column))
        except FieldError as err:
            problems.append(f"{err.field}：{_printable(err.message, 120)}")
            return None

    category = read("category", vocabulary.category_cell, cell("category") or "public")
    mode = read("mode", vocabulary.mode_cell, cell("mode"))
    required = read("required_course", vocabulary.bool_cell, cell("required_course"))
    if problems:
        return None, problems
    date, hours, days = cell("date"), cell("hours"), cell("days")
    day = read("date", vocabulary.date_cell, date)
    units = read("hours", vocabulary.hours_cell, hours)
    days_read = read("days", vocabulary.days_cell, days)
    record: FormRecord = {
        "date": date.strip() if day is None else day[0],
        "category": category,
        "required_course": required,
        "hours": hours.strip() if units is None else show(units),
        "mode": mode,
        "days": days.strip() if days_read is None else show(days_read[0]) if days_read[1] else "",
        "title": _line_breaks(cell("title")),
    }
    return record, problems


def _line_breaks(text: str) -> str:
    """A line break in a title as the form's text area holds it (LF; Excel writes CR LF inside a cell)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
